"""Demo data of the registry: qualifications and practice registrations of demo physicians in every registration
status, a multi-site filing, and their app accounts at each step of the activation paths (development only).

The registers go in through the same importer an administrator uses. Runs after the directory's and the accounts'
demo data (the manifest's order).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from server.accounts import api as accounts_api
from server.common import idcard, tabular
from server.common.enums import Category, Level
from server.db import run_atomic
from server.registry import imports
from server.registry.activation import activate
from server.registry.models import (
    AccountStatus,
    ActivationMethod,
    PhysicianAccount,
    PracticeRegistration,
    Qualification,
    RegistrationStatus,
)


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


LEVEL_WORDS = {Level.PRACTITIONER: "执业医师", Level.ASSISTANT: "执业助理医师"}


async def _import_reports() -> list[tabular.ImportReport]:
    reports = []
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


async def seed_demo() -> list[str]:
    if await Qualification.exists():
        return []
    for report in await _import_reports():
        if report.errors:
            raise RuntimeError(f"demo {report.register} rows refused: {report.errors}")
    await run_atomic(_accounts)
    return []


async def _accounts() -> None:
    """The demo physicians' app accounts (the accounts' demo log-ins) at each step of the activation paths."""
    for seq, p in enumerate(PEOPLE, start=1):
        user_id = await accounts_api.user_id_by_phone(p.phone) if p.phone else None
        if user_id is None or p.account is None:
            continue
        qualification = await Qualification.get(qualification_cert_no=p.qualification_cert_no(seq))
        registration = await PracticeRegistration.filter(
            qualification_id=qualification.id, status=RegistrationStatus.ACTIVE
        ).first()
        account = await PhysicianAccount.create(
            user_id=user_id, qualification=qualification, registration=registration, status=AccountStatus.VERIFIED
        )
        await account.fetch_related("qualification")
        if p.account == AccountStatus.ACTIVE:
            staff = f"{'dc' if p.institution_code == DC else 'cy' if p.institution_code == CY else 'sjz'}"
            actor = await accounts_api.user_id_by_username(
                {"dc": "dc_hospital", "cy": "cy_hospital", "sjz": "sjz_center"}[staff]
            )
            await activate(
                account=account,
                registration=registration,
                method=ActivationMethod.INSTITUTION,
                actor_id=actor or user_id,
                ip=None,
            )
