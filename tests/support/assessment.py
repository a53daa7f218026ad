"""Assessment test world: a cycle with open windows, institutions, reviewers and a registered physician."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from server.accounts.models import User
from server.assessment import context, cycles, office
from server.assessment.models import Assessment, AssessmentStatus, Cycle, CycleWindow, WindowKind
from server.common import crypto, events, idcard
from server.common.enums import Category, Level
from server.db import run_atomic
from server.directory.models import Institution
from server.exams.api import AttemptScored
from server.registry.models import PracticeRegistration, Qualification
from tests.support import documents
from tests.support import factories as f
from tests.support.factories import auth_headers, principal_of

A = "/api/v1/assessment"
PASSWORD = "Kx9-assess-2026"
_seq = itertools.count(1)


def code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


async def cycle(*, current: bool = True, name: str = "2024—2026年度") -> Cycle:
    today = datetime.now(cycles.CN_TZ).date()
    if current:
        return await Cycle.create(name=name, starts_on=today - timedelta(days=365), ends_on=today + timedelta(days=300))
    return await Cycle.create(name=name, starts_on=date(2018, 1, 1), ends_on=date(2020, 12, 31))


async def open_windows(c: Cycle, province: str = "110000", *, kinds: tuple[WindowKind, ...] | None = None) -> None:
    now = datetime.now(UTC)
    for kind in kinds or tuple(WindowKind):
        await CycleWindow.filter(cycle_id=c.id, province_code=province, kind=kind).delete()
        await CycleWindow.create(
            cycle=c,
            province_code=province,
            kind=kind,
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=1),
        )


async def close_window(c: Cycle, kind: WindowKind, province: str = "110000") -> None:
    now = datetime.now(UTC)
    await CycleWindow.filter(cycle_id=c.id, province_code=province, kind=kind).update(
        opens_at=now - timedelta(days=10), closes_at=now - timedelta(days=5)
    )


@dataclass
class Doctor:
    user: User
    id_number: str
    name: str
    headers: dict[str, str]
    credential: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


async def registered_physician(inst: Institution, *, name: str = "李小明", registered: bool = True) -> Doctor:
    n = next(_seq)
    number = idcard.make("110105", date(1980, 1, 1) + timedelta(days=n), 100 + n % 800)
    user = await f.physician(real_name=name, id_number=number)
    q = await Qualification.create(
        qualification_cert_no=f"Q{n:08d}{user.id}",
        name=name,
        id_number_enc=crypto.encrypt(number, context="id_number"),
        id_number_index=crypto.blind_index(number),
        category=Category.CLINICAL,
        level=Level.PRACTITIONER,
        obtained_on=date(2005, 8, 30),
        user=user,
    )
    if registered:
        await PracticeRegistration.create(
            practice_cert_no=f"P{n:08d}{user.id}",
            qualification=q,
            user=user,
            main_institution=inst,
            practice_region_code="110000",
            category=Category.CLINICAL,
            level=Level.PRACTITIONER,
            practice_scopes=["内科专业"],
            title="主治医师",
        )
    return Doctor(user=user, id_number=number, name=name, headers=await auth_headers(user))


async def registered_without_account(inst: Institution, *, name: str = "赵未开") -> str:
    """A physician on the institution's active roll who never opened an app account; returns the ID number."""
    n = next(_seq)
    number = idcard.make("110105", date(1970, 1, 1) + timedelta(days=n), 100 + n % 800)
    q = await Qualification.create(
        qualification_cert_no=f"QN{n:08d}",
        name=name,
        id_number_enc=crypto.encrypt(number, context="id_number"),
        id_number_index=crypto.blind_index(number),
        category=Category.CLINICAL,
        level=Level.PRACTITIONER,
        obtained_on=date(2005, 8, 30),
    )
    await PracticeRegistration.create(
        practice_cert_no=f"PN{n:08d}",
        qualification=q,
        main_institution=inst,
        practice_region_code="110000",
        category=Category.CLINICAL,
        level=Level.PRACTITIONER,
        practice_scopes=["内科专业"],
    )
    return number


@dataclass
class World:
    cycle: Cycle
    inst: Institution
    other_inst: Institution
    doctor: Doctor
    other_doctor: Doctor
    inst_reviewer: User
    other_inst_reviewer: User
    office: User
    county_office: User
    other_office: User
    commission: User

    async def h(self, u: User) -> dict[str, str]:
        return await auth_headers(u)


async def world() -> World:
    await f.region("110000", "北京市")
    await f.region("110100", "市辖区")
    await f.region("110105", "朝阳区")
    await f.region("310000", "上海市")
    c = await cycle()
    await open_windows(c)
    await open_windows(c, "310000")
    inst = await f.institution("110105", "朝阳示范医院")
    other_inst = await f.institution("310104", "上海示范医院")
    return World(
        cycle=c,
        inst=inst,
        other_inst=other_inst,
        doctor=await registered_physician(inst),
        other_doctor=await registered_physician(inst, name="王小五"),
        inst_reviewer=await f.institution_reviewer(inst.id),
        other_inst_reviewer=await f.institution_reviewer(other_inst.id),
        office=await f.office_reviewer("110000"),
        county_office=await f.office_reviewer("110105"),
        other_office=await f.office_reviewer("310000"),
        commission=await f.commission_reviewer("110000"),
    )


async def issue(w: World, d: Doctor) -> str:
    issued = await office.issue_credential(
        principal=principal_of(w.inst_reviewer), id_number=d.id_number, name=d.name, institution_id=None
    )
    d.credential = issued.credential
    return issued.credential


async def bind(client: httpx.AsyncClient, w: World, d: Doctor) -> None:
    credential = await issue(w, d)
    r = await client.post(
        f"{A}/binding",
        json={
            "province_code": "110000",
            "id_number": d.id_number,
            "name": d.name,
            "credential": credential,
            "new_password": PASSWORD,
        },
        headers=d.headers,
    )
    assert r.status_code == 201, r.text


async def accept(client: httpx.AsyncClient, d: Doctor) -> None:
    r = await client.post(f"{A}/notice", json={"version": context.NOTICE_VERSION}, headers=d.headers)
    assert r.status_code == 200, r.text


async def review_all(client: httpx.AsyncClient, w: World, kind: str, *, action: str = "approve") -> int:
    """Institution then office decide the one pending item of ``kind``; returns the item id."""
    from server.workflow.models import ReviewItem, ReviewStatus

    item = await ReviewItem.get(kind=kind, status=ReviewStatus.PENDING)
    r = await client.post(
        f"/api/v1/reviews/items/{item.id}/approve", json={}, headers=await auth_headers(w.inst_reviewer)
    )
    assert r.status_code == 200, r.text
    body = {} if action == "approve" else {"reason": "材料不全"}
    r = await client.post(f"/api/v1/reviews/items/{item.id}/{action}", json=body, headers=await auth_headers(w.office))
    assert r.status_code == 200, r.text
    return item.id


async def enrolled(client: httpx.AsyncClient, w: World, d: Doctor) -> None:
    """Bound, notice accepted, enrolment submitted and approved twice."""
    from server.assessment.reviews import ENROLMENT_KIND

    await bind(client, w, d)
    await accept(client, d)
    r = await client.post(f"{A}/enrolment", json={"data_correct": True, "specialty": "内科专业"}, headers=d.headers)
    assert r.status_code == 201, r.text
    await review_all(client, w, ENROLMENT_KIND)


PDF = documents.small_pdf()  # real files: the upload parser opens what it is sent
PNG = documents.small_png()


async def upload(client: httpx.AsyncClient, d: Doctor, data: bytes = PDF, name: str = "证明.pdf") -> int:
    r = await client.post(f"{A}/proofs", files={"file": (name, data, "application/pdf")}, headers=d.headers)
    assert r.status_code == 201, r.text
    return int(r.json()["items"][0]["id"])


async def report_scored(
    *,
    user_id: int,
    assessment_id: int | None,
    exam_kind: str,
    attempt_ref: str,
    score: float,
    passed: bool,
    is_make_up: bool = False,
) -> None:
    """What the exams part publishes when it scores an attempt, inside a transaction as its scoring does."""
    event = AttemptScored(
        attempt_ref=attempt_ref,
        user_id=user_id,
        assessment_id=assessment_id,
        cycle_id=None,
        exam_kind=exam_kind,
        score=score,
        passed=passed,
        is_make_up=is_make_up,
    )
    await run_atomic(events.publish, event)


async def past_cycle(start_year: int) -> Cycle:
    """A finished three-year cycle starting in ``start_year``."""
    name = f"{start_year}—{start_year + 2}年度"
    return await Cycle.create(name=name, starts_on=date(start_year, 1, 1), ends_on=date(start_year + 2, 12, 31))


async def with_result(
    w: World,
    d: Doctor,
    c: Cycle,
    *,
    passed: bool = True,
    decided_at: datetime | None = None,
    multi_sites: list[dict[str, Any]] | None = None,
) -> Assessment:
    """The bound physician's assessment of cycle ``c`` as the office left it: enrolled (with the registry's
    multi-site filings as approved), result decided at ``decided_at`` (now by default)."""
    from server.assessment.models import AssessmentAccount

    account = await AssessmentAccount.get(user_id=d.user.id)
    decided = decided_at or datetime.now(UTC)
    return await Assessment.create(
        account=account,
        cycle=c,
        user_id=d.user.id,
        institution_id=w.inst.id,
        region_code=w.inst.region_code,
        status=AssessmentStatus.PASSED if passed else AssessmentStatus.FAILED,
        specialty="内科专业",
        procedure="general",
        enrolment={
            "specialty": "内科专业",
            "registry": {
                "practice": {"institution_id": w.inst.id, "institution_name": w.inst.name},
                "multi_sites": multi_sites or [],
            },
        },
        professional_score=82.0,
        humanities_score=75.0 if passed else 40.0,
        result_decided_at=decided,
        verification_code=f"V{next(_seq):015d}",
    )


async def bound(client: httpx.AsyncClient, w: World, d: Doctor) -> None:
    """Bound with a fresh credential and the user notice accepted."""
    await bind(client, w, d)
    await accept(client, d)
