"""Importing regions and institutions (with their departments) from Excel or CSV."""

from __future__ import annotations

from server.common import tabular
from server.common.enums import Category
from server.directory import service
from server.directory.models import RegionLevel

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
}
REGION_LEVEL_WORDS = {"省": "province", "市": "city", "区县": "county"}


async def write_region(row: tabular.Row) -> bool:
    code = tabular.region_code(row, "code", "区划代码")
    level = tabular.choice(
        row,
        "level",
        "级别",
        REGION_LEVEL_WORDS,
        {x.value for x in RegionLevel},
        default="province" if code.endswith("0000") else ("city" if code.endswith("00") else "county"),
    )
    return await service.upsert_region(
        code=code, name=tabular.required(row, "name", "名称"), level=level, parent_code=row.get("parent_code") or None
    )


async def write_institution(row: tabular.Row) -> bool:
    code = tabular.required(row, "code", "机构代码")
    region = tabular.region_code(row, "region_code", "所在区县")
    authorities = {c.value: row.get(f"authority_{c.value}") or row.get("authority") or "" for c in Category}
    _, created = await service.upsert_institution(
        code=code,
        name=tabular.required(row, "name", "机构名称"),
        region_code=region,
        approval_authorities={k: v for k, v in authorities.items() if v},
        departments=tabular.word_list(row.get("departments", "")),
    )
    return created


WRITERS = {"regions": write_region, "institutions": write_institution}


async def import_rows(*, register: str, rows: list[tabular.Row], actor_id: int | None) -> tabular.ImportReport:
    return await tabular.import_rows(
        register=register, rows=rows, writer=WRITERS[register], actor_id=actor_id, audit_action="directory.import"
    )


async def import_file(*, register: str, data: bytes, actor_id: int) -> tabular.ImportReport:
    rows = await tabular.read_file(data, HEADER_LABELS)
    return await import_rows(register=register, rows=rows, actor_id=actor_id)
