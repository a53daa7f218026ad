"""Demo data of the directory: two provinces, their regions, three institutions with departments (development only).

Loaded through the same importer an administrator uses (rows as from a spreadsheet).
"""

from __future__ import annotations

from server.directory import imports
from server.directory.models import Institution, RegionLevel

REGIONS = [
    ("110000", "北京市", RegionLevel.PROVINCE, None, "110000"),
    ("110101", "北京市东城区", RegionLevel.COUNTY, "110000", "110000"),
    ("110105", "北京市朝阳区", RegionLevel.COUNTY, "110000", "110000"),
    ("110108", "北京市海淀区", RegionLevel.COUNTY, "110000", "110000"),
    ("130000", "河北省", RegionLevel.PROVINCE, None, "130000"),
    ("130100", "河北省石家庄市", RegionLevel.CITY, "130000", "130000"),
    ("130102", "河北省石家庄市长安区", RegionLevel.COUNTY, "130100", "130000"),
]

INSTITUTIONS = [
    ("DEMO-110101-001", "北京市东城区示范医院", "110101", "110000", "北京市东城区卫生健康委员会"),
    ("DEMO-110105-001", "北京市朝阳区示范医院", "110105", "110000", "北京市朝阳区卫生健康委员会"),
    ("DEMO-130102-001", "石家庄市长安区示范社区卫生服务中心", "130102", "130000", "石家庄市长安区卫生健康局"),
]

DEPARTMENTS = ["内科", "外科", "儿科", "妇产科", "急诊科", "口腔科", "中医科"]


async def seed_demo() -> list[str]:
    if await Institution.exists():
        return []
    level_words = {RegionLevel.PROVINCE: "省", RegionLevel.CITY: "市", RegionLevel.COUNTY: "区县"}
    for report in (
        await imports.import_rows(
            register="regions",
            rows=[
                {"code": code, "name": name, "level": level_words[lv], "parent_code": parent or ""}
                for code, name, lv, parent, _province in REGIONS
            ],
            actor_id=None,
        ),
        await imports.import_rows(
            register="institutions",
            rows=[
                {
                    "code": code,
                    "name": name,
                    "region_code": region,
                    "authority": authority,
                    "departments": "、".join(DEPARTMENTS),
                }
                for code, name, region, _province, authority in INSTITUTIONS
            ],
            actor_id=None,
        ),
    ):
        if report.errors:
            raise RuntimeError(f"demo {report.register} rows refused: {report.errors}")
    return []
