"""Demo data for development: `python -m server seed-demo`, and once on the first `run`.

Every part adds its own demo rows in ``seed_<part>`` below (or in its own ``demo.py`` called from here), so a
newcomer can try every flow on a fresh machine. Demo log-ins are printed by `run`; they exist only in development:
the command refuses to run in production.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from server.accounts.models import User
from server.accounts.passwords import hash_password
from server.assessment.models import Cycle, CycleWindow, WindowKind
from server.common import idcard, tabular
from server.common.enums import Category, Level, Role
from server.db import run_atomic
from server.directory.models import Institution, RegionLevel
from server.registry import imports
from server.registry.activation import _activate
from server.registry.models import (
    AccountStatus,
    ActivationMethod,
    PhysicianAccount,
    PracticeRegistration,
    Qualification,
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
        await _import_registers()
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
    DemoAccount("physician", "13800000001", "医师 张明（执业医师·在册·东城区示范医院·已激活）"),
    DemoAccount("physician", "13800000002", "医师 李华（执业医师·在册·朝阳区示范医院·已激活·多点备案在东城）"),
    DemoAccount("physician", "13800000003", "医师 王芳（执业助理医师·在册·长安区，执业地点为区县·已激活）"),
    DemoAccount("physician", "13800000004", "医师 陈晨（在册·东城区示范医院·已校验未激活：机构发送激活码）"),
    DemoAccount("physician", "13800000005", "医师 林琳（在册·朝阳区示范医院·已校验未激活：机构直接激活）"),
    DemoAccount("physician", "13800000006", "医师 吴静（有资格从未注册·已校验：用资格证书编码自行激活）"),
    DemoAccount("physician", "13800000007", "医师 钱丽（变更出·未校验：先实名校验，再自行激活）"),
    DemoAccount("physician", "13800000008", "医师 郑好（规培医师·未校验：先实名校验，再自行激活）"),
]


@dataclass(frozen=True)
class DemoPerson:
    name: str
    id_region: str
    born: date
    level: Level
    category: Category
    institution_code: str | None  # main institution, None when never registered
    status: RegistrationStatus | None
    phone: str | None
    scopes: list[str]
    account: AccountStatus | None = None  # PhysicianAccount state to seed (None: no real-name check yet)
    residency_training: bool = False

    def id_number(self, seq: int) -> str:
        return idcard.make(self.id_region, self.born, 100 + seq)

    def qualification_cert_no(self, seq: int) -> str:
        return f"2010{self.id_region}{seq:07d}"


DC, CY, SJZ = "DEMO-110101-001", "DEMO-110105-001", "DEMO-130102-001"
P, A = Level.PRACTITIONER, Level.ASSISTANT
ACTIVE = RegistrationStatus.ACTIVE
PEOPLE = [
    DemoPerson(
        "张明",
        "110101",
        date(1985, 3, 1),
        P,
        Category.CLINICAL,
        DC,
        ACTIVE,
        "13800000001",
        ["内科专业"],
        AccountStatus.ACTIVE,
    ),
    DemoPerson(
        "李华",
        "110105",
        date(1988, 7, 15),
        P,
        Category.CLINICAL,
        CY,
        ACTIVE,
        "13800000002",
        ["外科专业"],
        AccountStatus.ACTIVE,
    ),
    DemoPerson(
        "王芳",
        "130102",
        date(1992, 11, 8),
        A,
        Category.CLINICAL,
        SJZ,
        ACTIVE,
        "13800000003",
        ["全科医学专业"],
        AccountStatus.ACTIVE,
    ),
    DemoPerson("赵强", "110105", date(1979, 5, 20), P, Category.DENTAL, CY, ACTIVE, None, ["口腔专业"]),
    DemoPerson(
        "钱丽",
        "110101",
        date(1983, 1, 30),
        P,
        Category.TCM,
        DC,
        RegistrationStatus.TRANSFERRED_OUT,
        "13800000007",
        ["中医专业"],
    ),
    DemoPerson(
        "孙伟", "110108", date(1975, 9, 9), P, Category.CLINICAL, DC, RegistrationStatus.FILED, None, ["内科专业"]
    ),
    DemoPerson(
        "周敏",
        "110101",
        date(1960, 4, 4),
        P,
        Category.PUBLIC_HEALTH,
        DC,
        RegistrationStatus.CANCELLED,
        None,
        ["公共卫生类别专业"],
    ),
    DemoPerson(
        "吴静", "110105", date(1996, 6, 6), P, Category.CLINICAL, None, None, "13800000006", [], AccountStatus.VERIFIED
    ),
    DemoPerson(
        "陈晨",
        "110101",
        date(1990, 2, 14),
        P,
        Category.CLINICAL,
        DC,
        ACTIVE,
        "13800000004",
        ["儿科专业"],
        AccountStatus.VERIFIED,
    ),
    DemoPerson(
        "林琳",
        "110105",
        date(1991, 10, 1),
        P,
        Category.CLINICAL,
        CY,
        ACTIVE,
        "13800000005",
        ["妇产科专业"],
        AccountStatus.VERIFIED,
    ),
    DemoPerson(
        "郑好",
        "110108",
        date(1998, 12, 12),
        P,
        Category.CLINICAL,
        None,
        None,
        "13800000008",
        [],
        residency_training=True,
    ),
]
LEVEL_WORDS = {Level.PRACTITIONER: "执业医师", Level.ASSISTANT: "执业助理医师"}


async def _import_registers() -> None:
    """The registers go in through the same importer an administrator uses (rows as from a spreadsheet)."""
    for report in await _import_reports():
        if report.errors:
            raise RuntimeError(f"demo {report.register} rows refused: {report.errors}")


async def _import_reports() -> list[tabular.ImportReport]:
    reports = []
    level_words = {RegionLevel.PROVINCE: "省", RegionLevel.CITY: "市", RegionLevel.COUNTY: "区县"}
    reports.append(
        await imports.import_rows(
            register="regions",
            rows=[
                {"code": code, "name": name, "level": level_words[lv], "parent_code": parent or ""}
                for code, name, lv, parent, _province in REGIONS
            ],
        )
    )
    reports.append(
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
        )
    )
    reports.append(
        await imports.import_rows(
            register="qualifications",
            rows=[
                {
                    "qualification_cert_no": p.qualification_cert_no(seq),
                    "name": p.name,
                    "id_type": "居民身份证",
                    "id_number": p.id_number(seq),
                    "category": p.category.value,
                    "level": LEVEL_WORDS[p.level],
                    "obtained_on": date(p.born.year + 25, 8, 30).isoformat(),
                    "education": "本科" if p.level == Level.PRACTITIONER else "大专",
                    "major": "临床医学",
                    "residency_training": "是" if p.residency_training else "",
                }
                for seq, p in enumerate(PEOPLE, start=1)
            ],
        )
    )
    reports.append(
        await imports.import_rows(
            register="registrations",
            rows=[
                {
                    "practice_cert_no": f"1{p.id_region}{p.born:%Y}{seq:08d}",
                    "qualification_cert_no": p.qualification_cert_no(seq),
                    "institution_code": p.institution_code,
                    "practice_scopes": "、".join(p.scopes),
                    "status": p.status.value,
                    "approved_on": date(p.born.year + 26, 3, 1).isoformat(),
                    "title": "主治医师" if p.level == Level.PRACTITIONER else "医士",
                }
                for seq, p in enumerate(PEOPLE, start=1)
                if p.institution_code and p.status
            ],
        )
    )
    # 李华 of 朝阳 is also filed at 东城 (多执业机构备案)
    li = next(seq for seq, p in enumerate(PEOPLE, start=1) if p.name == "李华")
    reports.append(
        await imports.import_rows(
            register="multi_site",
            rows=[
                {
                    "practice_cert_no": f"1{PEOPLE[li - 1].id_region}{PEOPLE[li - 1].born:%Y}{li:08d}",
                    "institution_code": DC,
                }
            ],
        )
    )
    return reports


async def _seed(password_hash: str) -> None:
    institutions = {inst.code: inst for inst in await Institution.all()}
    dc, cy, sjz = institutions[DC], institutions[CY], institutions[SJZ]

    async def staff(username: str, role: Role, *, inst: Institution | None = None, region: str | None = None) -> User:
        return await User.create(
            username=username, role=role, institution=inst, region_code=region, password_hash=password_hash
        )

    await staff("admin", Role.ADMIN)
    institution_staff = {
        DC: await staff("dc_hospital", Role.INSTITUTION_REVIEWER, inst=dc, region=dc.region_code),
        CY: await staff("cy_hospital", Role.INSTITUTION_REVIEWER, inst=cy, region=cy.region_code),
        SJZ: await staff("sjz_center", Role.INSTITUTION_REVIEWER, inst=sjz, region=sjz.region_code),
    }
    await staff("bj_office", Role.OFFICE_REVIEWER, region="110000")
    await staff("cy_office", Role.OFFICE_REVIEWER, region="110105")
    await staff("bj_commission", Role.COMMISSION_REVIEWER, region="110000")
    await staff("dc_commission", Role.COMMISSION_REVIEWER, region="110101")

    # Physician accounts in each state of the activation paths (see README: "E-registration demo")
    for seq, p in enumerate(PEOPLE, start=1):
        if not p.phone:
            continue
        user = await User.create(phone=p.phone, role=Role.PHYSICIAN, password_hash=password_hash)
        if p.account is None:
            continue
        qualification = await Qualification.get(qualification_cert_no=p.qualification_cert_no(seq))
        registration = await PracticeRegistration.filter(
            qualification_id=qualification.id, status=RegistrationStatus.ACTIVE
        ).first()
        account = await PhysicianAccount.create(
            user=user, qualification=qualification, registration=registration, status=AccountStatus.VERIFIED
        )
        await account.fetch_related("qualification")
        if p.account == AccountStatus.ACTIVE:
            actor = institution_staff[p.institution_code] if p.institution_code else user
            await _activate(
                account=account,
                registration=registration,
                method=ActivationMethod.INSTITUTION,
                actor_id=actor.id,
                ip=None,
            )

    # One open cycle, 2024—2026, with every window open now in both provinces.
    cycle = await Cycle.create(name="2024—2026年度", starts_on=date(2024, 1, 1), ends_on=date(2026, 12, 31))
    now = datetime.now(SHANGHAI)
    for province in ("110000", "130000"):
        for kind in WindowKind:
            opens = now - timedelta(days=30)
            closes = now + timedelta(days=60 if kind != WindowKind.MAKE_UP else 90)
            await CycleWindow.create(cycle=cycle, province_code=province, kind=kind, opens_at=opens, closes_at=closes)
