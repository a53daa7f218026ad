"""Demo data for development: `python -m server seed-demo`, and once on the first `run`.

Every part adds its own demo rows in ``seed_<part>`` below (or in its own ``demo.py`` called from here), so a
newcomer can try every flow on a fresh machine. Demo log-ins are printed by `run`; they exist only in development:
the command refuses to run in production.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.accounts.models import User
from server.accounts.passwords import hash_password
from server.assessment.models import Cycle, CycleWindow, WindowKind
from server.common import crypto
from server.common.models import Category, Level, Role
from server.db import run_atomic
from server.identity import idcard
from server.registry.models import (
    Department,
    Institution,
    PracticeRegistration,
    Qualification,
    Region,
    RegionLevel,
    RegistrationStatus,
)

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")

# Development-only password for every demo account (the seed refuses to run in production).
DEMO_PASSWORD = "Yishi-Demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    login: str
    description: str


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


async def is_seeded() -> bool:
    return await User.filter(username="admin").exists()


async def seed_demo() -> list[DemoAccount]:
    """Create the demo data once; returns the demo log-ins (also when they already existed)."""
    password_hash = await hash_password(DEMO_PASSWORD)
    if not await is_seeded():
        await run_atomic(_seed, password_hash)
        log.info("demo data created")
    return DEMO_ACCOUNTS


DEMO_ACCOUNTS = [
    DemoAccount("admin", "admin", "平台管理员"),
    DemoAccount("institution_reviewer", "dc_hospital", "北京市东城区示范医院 机构审核员"),
    DemoAccount("institution_reviewer", "cy_hospital", "北京市朝阳区示范医院 机构审核员"),
    DemoAccount("institution_reviewer", "sjz_center", "石家庄市长安区示范社区卫生服务中心 机构审核员"),
    DemoAccount("office_reviewer", "bj_office", "北京市定期考核办公室（全市）"),
    DemoAccount("office_reviewer", "cy_office", "朝阳区定期考核办公室"),
    DemoAccount("commission_reviewer", "bj_commission", "北京市卫生健康委员会（全市）"),
    DemoAccount("commission_reviewer", "dc_commission", "东城区卫生健康委员会"),
    DemoAccount("physician", "13800000001", "医师 张明（执业医师·在册·东城区示范医院）"),
    DemoAccount("physician", "13800000002", "医师 李华（执业医师·在册·朝阳区示范医院）"),
    DemoAccount("physician", "13800000003", "医师 王芳（执业助理医师·在册·长安区，执业地点为区县）"),
]


async def _seed(password_hash: str) -> None:
    for code, name, region_level, parent, province in REGIONS:
        await Region.create(code=code, name=name, level=region_level, parent_code=parent, province_code=province)

    institutions: dict[str, Institution] = {}
    for code, name, region, province, authority in INSTITUTIONS:
        inst = await Institution.create(
            code=code,
            name=name,
            region_code=region,
            province_code=province,
            approval_authorities={c.value: authority for c in Category},
        )
        institutions[region] = inst
        for order, dept in enumerate(DEPARTMENTS):
            await Department.create(institution=inst, name=dept, sort_order=order)

    dc, cy, sjz = institutions["110101"], institutions["110105"], institutions["130102"]

    async def staff(username: str, role: Role, *, inst: Institution | None = None, region: str | None = None) -> None:
        await User.create(
            username=username, role=role, institution=inst, region_code=region, password_hash=password_hash
        )

    await staff("admin", Role.ADMIN)
    await staff("dc_hospital", Role.INSTITUTION_REVIEWER, inst=dc, region=dc.region_code)
    await staff("cy_hospital", Role.INSTITUTION_REVIEWER, inst=cy, region=cy.region_code)
    await staff("sjz_center", Role.INSTITUTION_REVIEWER, inst=sjz, region=sjz.region_code)
    await staff("bj_office", Role.OFFICE_REVIEWER, region="110000")
    await staff("cy_office", Role.OFFICE_REVIEWER, region="110105")
    await staff("bj_commission", Role.COMMISSION_REVIEWER, region="110000")
    await staff("dc_commission", Role.COMMISSION_REVIEWER, region="110101")

    # Physicians: (name, region of the ID, born, level, category, institution, status, phone, registered?)
    people: list[tuple[Any, ...]] = [
        (
            "张明",
            "110101",
            date(1985, 3, 1),
            Level.PRACTITIONER,
            Category.CLINICAL,
            dc,
            RegistrationStatus.ACTIVE,
            "13800000001",
            ["内科专业"],
        ),
        (
            "李华",
            "110105",
            date(1988, 7, 15),
            Level.PRACTITIONER,
            Category.CLINICAL,
            cy,
            RegistrationStatus.ACTIVE,
            "13800000002",
            ["外科专业"],
        ),
        (
            "王芳",
            "130102",
            date(1992, 11, 8),
            Level.ASSISTANT,
            Category.CLINICAL,
            sjz,
            RegistrationStatus.ACTIVE,
            "13800000003",
            ["全科医学专业"],
        ),
        (
            "赵强",
            "110105",
            date(1979, 5, 20),
            Level.PRACTITIONER,
            Category.DENTAL,
            cy,
            RegistrationStatus.ACTIVE,
            None,
            ["口腔专业"],
        ),
        (
            "钱丽",
            "110101",
            date(1983, 1, 30),
            Level.PRACTITIONER,
            Category.TCM,
            dc,
            RegistrationStatus.TRANSFERRED_OUT,
            None,
            ["中医专业"],
        ),
        (
            "孙伟",
            "110108",
            date(1975, 9, 9),
            Level.PRACTITIONER,
            Category.CLINICAL,
            dc,
            RegistrationStatus.FILED,
            None,
            ["内科专业"],
        ),
        (
            "周敏",
            "110101",
            date(1960, 4, 4),
            Level.PRACTITIONER,
            Category.PUBLIC_HEALTH,
            dc,
            RegistrationStatus.CANCELLED,
            None,
            ["公共卫生类别专业"],
        ),
        ("吴静", "110105", date(1996, 6, 6), Level.PRACTITIONER, Category.CLINICAL, None, None, None, []),
    ]
    for seq, (name, region, born, level, category, inst, status, phone, scopes) in enumerate(people, start=1):  # noqa: B007
        number = idcard.make(region, born, 100 + seq)
        user = None
        if phone:
            user = await User.create(
                phone=phone,
                role=Role.PHYSICIAN,
                password_hash=password_hash,
                real_name=name,
                id_type="resident_id",
                id_number_enc=crypto.encrypt(number, context="id_number"),
                id_number_index=crypto.blind_index(number),
            )
        qualification = await Qualification.create(
            qualification_cert_no=f"2010{region}{seq:07d}",
            name=name,
            id_number_enc=crypto.encrypt(number, context="id_number"),
            id_number_index=crypto.blind_index(number),
            category=category,
            level=level,
            obtained_on=date(born.year + 25, 8, 30),
            user=user,
        )
        if status is None or inst is None:
            continue  # qualified, never registered: may self-activate with the certificate number
        await PracticeRegistration.create(
            practice_cert_no=f"1{region}{born:%Y}{seq:08d}",
            qualification=qualification,
            user=user,
            main_institution=inst,
            practice_region_code=inst.province_code if level == Level.PRACTITIONER else inst.region_code,
            category=category,
            level=level,
            practice_scopes=scopes,
            status=status,
            approval_authority=inst.approval_authorities.get(category.value),
            approved_on=date(born.year + 26, 3, 1),
            title="主治医师" if level == Level.PRACTITIONER else "医士",
            education="本科" if level == Level.PRACTITIONER else "大专",
        )

    # One open cycle, 2024—2026, with every window open now in both provinces.
    cycle = await Cycle.create(name="2024—2026年度", starts_on=date(2024, 1, 1), ends_on=date(2026, 12, 31))
    now = datetime.now(SHANGHAI)
    for province in ("110000", "130000"):
        for kind in WindowKind:
            opens = now - timedelta(days=30)
            closes = now + timedelta(days=60 if kind != WindowKind.MAKE_UP else 90)
            await CycleWindow.create(cycle=cycle, province_code=province, kind=kind, opens_at=opens, closes_at=closes)
