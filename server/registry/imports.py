"""Import the registers and institutions from Excel (xlsx) or CSV, with a per-row error report.

Headers may be the English field names or their Chinese labels. Valid rows are written (created or updated by their
natural key) in one transaction; invalid rows are skipped and reported with their row number, field and reason.
"""

from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from server.accounts import audit
from server.common import crypto
from server.common.models import Category, Level
from server.db import run_atomic
from server.identity.documents import IdType, is_valid, normalise
from server.registry.errors import ImportFileInvalid
from server.registry.models import (
    Department,
    Institution,
    MultiSiteFiling,
    MultiSiteStatus,
    PracticeRegistration,
    Qualification,
    Region,
    RegionLevel,
    RegistrationStatus,
)

MAX_ROWS = 20_000
REGISTERS = ("regions", "institutions", "qualifications", "registrations", "multi_site")

HEADER_LABELS = {
    "代码": "code",
    "区划代码": "code",
    "名称": "name",
    "级别": "level",
    "上级代码": "parent_code",
    "机构代码": "code",
    "登记号": "code",
    "机构名称": "name",
    "所在区县": "region_code",
    "区县代码": "region_code",
    "审批机关": "authority",
    "临床审批机关": "authority_clinical",
    "口腔审批机关": "authority_dental",
    "公卫审批机关": "authority_public_health",
    "中医审批机关": "authority_tcm",
    "科室": "departments",
    "医师资格证书编码": "qualification_cert_no",
    "姓名": "name",
    "证件类型": "id_type",
    "证件号码": "id_number",
    "身份证号": "id_number",
    "医师类别": "category",
    "医师级别": "level",
    "取得资格日期": "obtained_on",
    "学历": "education",
    "毕业学校": "school",
    "所学专业": "major",
    "规培": "residency_training",
    "医师执业证书编码": "practice_cert_no",
    "主执业机构代码": "institution_code",
    "执业机构代码": "institution_code",
    "执业地点": "practice_region_code",
    "执业范围": "practice_scopes",
    "状态": "status",
    "审批日期": "approved_on",
    "任职资格": "title",
    "备案日期": "filed_on",
}
CATEGORY_WORDS = {
    "临床": "clinical",
    "口腔": "dental",
    "公卫": "public_health",
    "公共卫生": "public_health",
    "中医": "tcm",
}
LEVEL_WORDS = {"执业医师": "practitioner", "执业助理医师": "assistant", "助理医师": "assistant"}
STATUS_WORDS = {"有效": "active", "变更出": "transferred_out", "备案": "filed", "注销": "cancelled"}
REGION_LEVEL_WORDS = {"省": "province", "市": "city", "区县": "county"}
ID_TYPE_WORDS = {
    "居民身份证": "resident_id",
    "身份证": "resident_id",
    "护照": "passport",
    "港澳居民来往内地通行证": "hk_macao_permit",
    "台湾居民来往大陆通行证": "taiwan_permit",
    "军官证": "military_id",
}
TRUE_WORDS = {"1", "是", "true", "yes", "y"}


class RowError(Exception):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass
class ImportReport:
    register: str
    total: int = 0
    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "register_name": self.register,
            "total": self.total,
            "created": self.created,
            "updated": self.updated,
            "failed": len(self.errors),
            "errors": self.errors,
        }


def read_table(data: bytes, filename: str) -> list[dict[str, str]]:
    """Blocking: rows of the first sheet (xlsx) or of the CSV, as header → text."""
    rows: list[list[Any]]
    if data[:4] == b"PK\x03\x04":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
            wb.close()
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same answer
            raise ImportFileInvalid() from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ImportFileInvalid("CSV 文件编码无法识别，请使用 UTF-8") from None
        rows = [list(r) for r in csv.reader(io.StringIO(text))]
    rows = [r for r in rows if any(c not in (None, "") for c in r)]
    if not rows:
        raise ImportFileInvalid("导入文件没有数据")
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFileInvalid(f"一次最多导入 {MAX_ROWS} 行")
    headers = [HEADER_LABELS.get(str(h or "").strip(), str(h or "").strip()) for h in rows[0]]
    out = []
    for r in rows[1:]:
        out.append({h: _cell(v) for h, v in zip(headers, r, strict=False) if h})
    return out


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _req(row: dict[str, str], name: str, label: str) -> str:
    value = row.get(name, "").strip()
    if not value:
        raise RowError(name, f"{label}不能为空")
    return value


def _date(row: dict[str, str], name: str, label: str, required: bool = True) -> date | None:
    value = row.get(name, "").strip()
    if not value:
        if required:
            raise RowError(name, f"{label}不能为空")
        return None
    try:
        return date.fromisoformat(value.replace("/", "-")[:10])
    except ValueError:
        raise RowError(name, f"{label}格式应为 YYYY-MM-DD") from None


def _enum(
    row: dict[str, str], name: str, label: str, words: dict[str, str], allowed: set[str], default: str | None = None
) -> str:
    value = row.get(name, "").strip()
    if not value and default is not None:
        return default
    value = words.get(value, value)
    if value not in allowed:
        raise RowError(name, f"{label}“{row.get(name, '')}”不在允许范围内")
    return value


def _region_code(row: dict[str, str], name: str, label: str) -> str:
    value = _req(row, name, label)
    if len(value) != 6 or not value.isdigit():
        raise RowError(name, f"{label}应为 6 位行政区划代码")
    return value


# ---------------------------------------------------------------- one writer per register


async def _regions(row: dict[str, str]) -> bool:
    code = _region_code(row, "code", "区划代码")
    level = _enum(
        row,
        "level",
        "级别",
        REGION_LEVEL_WORDS,
        {x.value for x in RegionLevel},
        default="province" if code.endswith("0000") else ("city" if code.endswith("00") else "county"),
    )
    values = {
        "name": _req(row, "name", "名称"),
        "level": RegionLevel(level),
        "parent_code": row.get("parent_code") or None,
        "province_code": code[:2] + "0000",
    }
    _, created = await Region.update_or_create(code=code, defaults=values)
    return created


async def _institutions(row: dict[str, str]) -> bool:
    code = _req(row, "code", "机构代码")
    region = _region_code(row, "region_code", "所在区县")
    authorities = {c.value: row.get(f"authority_{c.value}") or row.get("authority") or "" for c in Category}
    values = {
        "name": _req(row, "name", "机构名称"),
        "region_code": region,
        "province_code": region[:2] + "0000",
        "approval_authorities": {k: v for k, v in authorities.items() if v},
    }
    inst, created = await Institution.update_or_create(code=code, defaults=values)
    names = [
        n.strip() for n in row.get("departments", "").replace("，", "、").replace(",", "、").split("、") if n.strip()
    ]
    for order, name in enumerate(names):
        await Department.get_or_create(institution_id=inst.id, name=name, defaults={"sort_order": order})
    return created


async def _qualifications(row: dict[str, str]) -> bool:
    cert = _req(row, "qualification_cert_no", "医师资格证书编码")
    id_type = _enum(row, "id_type", "证件类型", ID_TYPE_WORDS, {x.value for x in IdType}, default="resident_id")
    number = normalise(_req(row, "id_number", "证件号码"))
    if not is_valid(id_type, number):
        raise RowError("id_number", "证件号码不正确（居民身份证须符合 GB 11643 校验码）")
    values = {
        "name": _req(row, "name", "姓名"),
        "id_type": id_type,
        "id_number_enc": crypto.encrypt(number, context="id_number"),
        "id_number_index": crypto.blind_index(number),
        "category": Category(_enum(row, "category", "医师类别", CATEGORY_WORDS, {c.value for c in Category})),
        "level": Level(_enum(row, "level", "医师级别", LEVEL_WORDS, {lv.value for lv in Level})),
        "obtained_on": _date(row, "obtained_on", "取得资格日期"),
        "education": row.get("education") or None,
        "school": row.get("school") or None,
        "major": row.get("major") or None,
        "residency_training": row.get("residency_training", "").strip().lower() in TRUE_WORDS,
    }
    _, created = await Qualification.update_or_create(qualification_cert_no=cert, defaults=values)
    return created


async def _registrations(row: dict[str, str]) -> bool:
    cert = _req(row, "practice_cert_no", "医师执业证书编码")
    qual = await Qualification.get_or_none(qualification_cert_no=_req(row, "qualification_cert_no", "医师资格证书编码"))
    if qual is None:
        raise RowError("qualification_cert_no", "未找到该医师资格证书编码，请先导入资格信息")
    inst = await Institution.get_or_none(code=_req(row, "institution_code", "主执业机构代码"))
    if inst is None:
        raise RowError("institution_code", "未找到该机构代码，请先导入机构")
    level = Level(_enum(row, "level", "医师级别", LEVEL_WORDS, {lv.value for lv in Level}, default=qual.level.value))
    region = row.get("practice_region_code") or (
        inst.province_code if level == Level.PRACTITIONER else inst.region_code
    )
    if level == Level.PRACTITIONER and not region.endswith("0000"):
        raise RowError("practice_region_code", "执业医师的执业地点应为省级行政区划")
    if level == Level.ASSISTANT and region.endswith("00"):
        raise RowError("practice_region_code", "执业助理医师的执业地点应为区县级行政区划")
    scopes = [
        s.strip()
        for s in row.get("practice_scopes", "").replace("，", "、").replace(",", "、").split("、")
        if s.strip()
    ]
    if len(scopes) > 3:
        raise RowError("practice_scopes", "执业范围最多三个")
    category = Category(
        _enum(row, "category", "医师类别", CATEGORY_WORDS, {c.value for c in Category}, default=qual.category.value)
    )
    values = {
        "qualification_id": qual.id,
        "user_id": qual.user_id,  # type: ignore[attr-defined]
        "main_institution_id": inst.id,
        "practice_region_code": region,
        "category": category,
        "level": level,
        "practice_scopes": scopes,
        "status": RegistrationStatus(
            _enum(row, "status", "状态", STATUS_WORDS, {s.value for s in RegistrationStatus}, default="active")
        ),
        "approval_authority": inst.approval_authorities.get(category.value),
        "approved_on": _date(row, "approved_on", "审批日期", required=False),
        "title": row.get("title") or None,
        "education": row.get("education") or qual.education,
        "school": row.get("school") or qual.school,
        "major": row.get("major") or qual.major,
    }
    _, created = await PracticeRegistration.update_or_create(practice_cert_no=cert, defaults=values)
    return created


async def _multi_site(row: dict[str, str]) -> bool:
    reg = await PracticeRegistration.get_or_none(practice_cert_no=_req(row, "practice_cert_no", "医师执业证书编码"))
    if reg is None:
        raise RowError("practice_cert_no", "未找到该医师执业证书编码，请先导入执业信息")
    inst = await Institution.get_or_none(code=_req(row, "institution_code", "执业机构代码"))
    if inst is None:
        raise RowError("institution_code", "未找到该机构代码，请先导入机构")
    if inst.id == reg.main_institution_id:  # type: ignore[attr-defined]
        raise RowError("institution_code", "多执业机构不能是主执业机构")
    _, created = await MultiSiteFiling.update_or_create(
        registration_id=reg.id,
        institution_id=inst.id,
        status=MultiSiteStatus.FILED,
        defaults={
            "user_id": reg.user_id,  # type: ignore[attr-defined]
            "region_code": inst.region_code,
            "filed_on": _date(row, "filed_on", "备案日期", required=False) or date.today(),
        },
    )
    return created


WRITERS = {
    "regions": _regions,
    "institutions": _institutions,
    "qualifications": _qualifications,
    "registrations": _registrations,
    "multi_site": _multi_site,
}


async def import_rows(*, register: str, rows: list[dict[str, str]], actor_id: int | None = None) -> ImportReport:
    """Write the valid rows in one transaction (a savepoint per row), report the others."""
    from tortoise.transactions import in_transaction

    writer = WRITERS[register]
    report = ImportReport(register=register, total=len(rows))

    async def tx() -> None:
        for number, row in enumerate(rows, start=2):  # row 1 is the header
            try:
                async with in_transaction():
                    created = await writer(row)
            except RowError as exc:
                report.errors.append({"row": number, "field": exc.field, "message": exc.message})
                continue
            if created:
                report.created += 1
            else:
                report.updated += 1
        await audit.record(
            action="registry.import",
            actor_id=actor_id,
            subject_type="register",
            subject_id=register,
            details={
                "total": report.total,
                "created": report.created,
                "updated": report.updated,
                "failed": len(report.errors),
            },
        )

    await run_atomic(tx)
    return report


async def import_file(*, register: str, data: bytes, filename: str, actor_id: int) -> ImportReport:
    rows = await asyncio.get_running_loop().run_in_executor(None, read_table, data, filename)
    return await import_rows(register=register, rows=rows, actor_id=actor_id)
