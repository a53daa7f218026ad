"""Identity document types a physician may hold, and the shape each number must have."""

from __future__ import annotations

import re
from enum import StrEnum

from server.common import idcard


class IdType(StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证 (also 港澳台居民居住证, same 18-character rule)
    PASSPORT = "passport"  # 护照
    HK_MACAO_PERMIT = "hk_macao_permit"  # 港澳居民来往内地通行证
    TAIWAN_PERMIT = "taiwan_permit"  # 台湾居民来往大陆通行证
    MILITARY_ID = "military_id"  # 军官证 / 士兵证 / 文职干部证


ID_TYPE_LABELS = {
    IdType.RESIDENT_ID: "居民身份证",
    IdType.PASSPORT: "护照",
    IdType.HK_MACAO_PERMIT: "港澳居民来往内地通行证",
    IdType.TAIWAN_PERMIT: "台湾居民来往大陆通行证",
    IdType.MILITARY_ID: "军官证",
}

ID_TYPE_HINTS = {
    IdType.RESIDENT_ID: "18 位，末位可为 X（港澳台居民居住证同此）",
    IdType.PASSPORT: "5—17 位大写字母或数字",
    IdType.HK_MACAO_PERMIT: "H 或 M 开头，后接 8 位或 10 位数字",
    IdType.TAIWAN_PERMIT: "8 位或 10 位数字",
    IdType.MILITARY_ID: "4—20 位汉字、大写字母或数字",
}

_SHAPES = {
    IdType.PASSPORT: re.compile(r"^[A-Z0-9]{5,17}$"),
    IdType.HK_MACAO_PERMIT: re.compile(r"^[HM]\d{8}(\d{2})?$"),
    IdType.TAIWAN_PERMIT: re.compile(r"^\d{8}(\d{2})?$"),
    IdType.MILITARY_ID: re.compile(r"^[\u4e00-\u9fa5A-Z0-9]{4,20}$"),
}


def normalise(number: str) -> str:
    return number.strip().upper().replace(" ", "")


def is_valid(id_type: IdType | str, number: str) -> bool:
    """True when ``number`` has the shape of its type (18-digit numbers also need the GB 11643 check character)."""
    number = normalise(number)
    kind = IdType(id_type)
    if kind == IdType.RESIDENT_ID:
        return idcard.is_valid(number)
    return bool(_SHAPES[kind].match(number))
