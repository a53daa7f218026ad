"""Import the registers (qualifications, practice registrations, multi-site filings) from Excel or CSV.

The regions and institutions they refer to are the directory's (imported through it; the same route accepts them).
The reading, the per-row report and the transaction are core's ``tabular`` module.
"""

from __future__ import annotations

from datetime import date

from server.common import crypto, tabular
from server.common.enums import Category, Level
from server.common.tabular import RowError, choice, date_cell, required
from server.directory import api as directory_api
from server.registry.documents import IdType, is_valid, normalise
from server.registry.models import (
    MultiSiteFiling,
    MultiSiteStatus,
    PracticeRegistration,
    Qualification,
    RegistrationStatus,
)

REGISTERS = ("regions", "institutions", "qualifications", "registrations", "multi_site")

# The directory's column names (regions, institutions) and the registry's own
HEADER_LABELS = {
    **directory_api.HEADER_LABELS,
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
ID_TYPE_WORDS = {
    "居民身份证": "resident_id",
    "身份证": "resident_id",
    "护照": "passport",
    "港澳居民来往内地通行证": "hk_macao_permit",
    "台湾居民来往大陆通行证": "taiwan_permit",
    "军官证": "military_id",
}


# ---------------------------------------------------------------- one writer per register


async def _qualifications(row: tabular.Row) -> bool:
    cert = required(row, "qualification_cert_no", "医师资格证书编码")
    id_type = choice(row, "id_type", "证件类型", ID_TYPE_WORDS, {x.value for x in IdType}, default="resident_id")
    number = normalise(required(row, "id_number", "证件号码"))
    if not is_valid(id_type, number):
        raise RowError("id_number", "证件号码不正确（居民身份证须符合 GB 11643 校验码）")
    values = {
        "name": required(row, "name", "姓名"),
        "id_type": id_type,
        "id_number_enc": crypto.encrypt(number, context="id_number"),
        "id_number_index": crypto.blind_index(number),
        "category": Category(choice(row, "category", "医师类别", CATEGORY_WORDS, {c.value for c in Category})),
        "level": Level(choice(row, "level", "医师级别", LEVEL_WORDS, {lv.value for lv in Level})),
        "obtained_on": date_cell(row, "obtained_on", "取得资格日期"),
        "education": row.get("education") or None,
        "school": row.get("school") or None,
        "major": row.get("major") or None,
        "residency_training": row.get("residency_training", "").strip().lower() in tabular.TRUE_WORDS,
    }
    _, created = await Qualification.update_or_create(qualification_cert_no=cert, defaults=values)
    return created


async def _registrations(row: tabular.Row) -> bool:
    cert = required(row, "practice_cert_no", "医师执业证书编码")
    qual = await Qualification.get_or_none(
        qualification_cert_no=required(row, "qualification_cert_no", "医师资格证书编码")
    )
    if qual is None:
        raise RowError("qualification_cert_no", "未找到该医师资格证书编码，请先导入资格信息")
    inst = await directory_api.institution_by_code(required(row, "institution_code", "主执业机构代码"))
    if inst is None:
        raise RowError("institution_code", "未找到该机构代码，请先导入机构")
    level = Level(choice(row, "level", "医师级别", LEVEL_WORDS, {lv.value for lv in Level}, default=qual.level.value))
    region = row.get("practice_region_code") or (
        inst.province_code if level == Level.PRACTITIONER else inst.region_code
    )
    if level == Level.PRACTITIONER and not region.endswith("0000"):
        raise RowError("practice_region_code", "执业医师的执业地点应为省级行政区划")
    if level == Level.ASSISTANT and region.endswith("00"):
        raise RowError("practice_region_code", "执业助理医师的执业地点应为区县级行政区划")
    scopes = tabular.word_list(row.get("practice_scopes", ""))
    if len(scopes) > 3:
        raise RowError("practice_scopes", "执业范围最多三个")
    category = Category(
        choice(row, "category", "医师类别", CATEGORY_WORDS, {c.value for c in Category}, default=qual.category.value)
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
            choice(row, "status", "状态", STATUS_WORDS, {s.value for s in RegistrationStatus}, default="active")
        ),
        "approval_authority": inst.approval_authorities.get(category.value),
        "approved_on": date_cell(row, "approved_on", "审批日期", optional=True),
        "title": row.get("title") or None,
        "education": row.get("education") or qual.education,
        "school": row.get("school") or qual.school,
        "major": row.get("major") or qual.major,
    }
    _, created = await PracticeRegistration.update_or_create(practice_cert_no=cert, defaults=values)
    return created


async def _multi_site(row: tabular.Row) -> bool:
    reg = await PracticeRegistration.get_or_none(practice_cert_no=required(row, "practice_cert_no", "医师执业证书编码"))
    if reg is None:
        raise RowError("practice_cert_no", "未找到该医师执业证书编码，请先导入执业信息")
    inst = await directory_api.institution_by_code(required(row, "institution_code", "执业机构代码"))
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
            "filed_on": date_cell(row, "filed_on", "备案日期", optional=True) or date.today(),
        },
    )
    return created


WRITERS = {
    "qualifications": _qualifications,
    "registrations": _registrations,
    "multi_site": _multi_site,
}


async def import_rows(*, register: str, rows: list[tabular.Row], actor_id: int | None = None) -> tabular.ImportReport:
    """Write the valid rows in one transaction (a savepoint per row), report the others."""
    if register in directory_api.IMPORTABLE:
        return await directory_api.import_rows(register=register, rows=rows, actor_id=actor_id)
    return await tabular.import_rows(
        register=register, rows=rows, writer=WRITERS[register], actor_id=actor_id, audit_action="registry.import"
    )


async def import_file(*, register: str, data: bytes, filename: str, actor_id: int) -> tabular.ImportReport:
    if register in directory_api.IMPORTABLE:
        return await directory_api.import_file(register=register, data=data, actor_id=actor_id)
    rows = await tabular.read_file(data, HEADER_LABELS)
    return await import_rows(register=register, rows=rows, actor_id=actor_id)
