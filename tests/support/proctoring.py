"""A small world for the proctoring tests: two provinces, physicians with practice registrations, offices."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from functools import cache

from server.accounts.models import User
from server.common import crypto, scope
from server.common.enums import Category, Level
from server.db import run_atomic
from server.directory.models import Institution
from server.integrations import storage
from server.proctoring.captures import CaptureResult, claim_capture, create_capture
from server.proctoring.checks import STORAGE_PURPOSE
from server.proctoring.consent import COMPARE_CONSENT_VERSION, CONSENT_VERSION, decide_compare_consent, give_consent
from server.proctoring.models import ProctoredAttempt
from server.registry.models import PracticeRegistration, Qualification, RegistrationStatus
from tests.support import factories as f
from tests.support import images as img


@cache
def frames() -> dict[str, bytes]:
    """The capture test frames (see images.make_test_frames), built once per session."""
    return img.make_test_frames()


def ok_frame() -> bytes:
    return frames()["ok_640"]


async def registration(
    user: User, inst: Institution, *, status: RegistrationStatus = RegistrationStatus.ACTIVE
) -> None:
    """An active practice registration of ``user`` with ``inst`` as main institution."""
    number = f"Q{uuid.uuid4().hex[:14]}"
    qual = await Qualification.create(
        qualification_cert_no=number,
        name=user.real_name or "测试",
        id_number_enc=crypto.encrypt("11010519491231002X", context="id_number"),
        id_number_index=crypto.blind_index("11010519491231002X", purpose="id_number"),
        category=Category.CLINICAL,
        level=Level.PRACTITIONER,
        obtained_on=dt.date(2010, 1, 1),
        user=user,
    )
    await PracticeRegistration.create(
        qualification=qual,
        user=user,
        main_institution=inst,
        practice_region_code=inst.province_code,
        category=Category.CLINICAL,
        level=Level.PRACTITIONER,
        status=status,
    )
    if status == RegistrationStatus.ACTIVE:  # what the registry records on activation
        await scope.set_affiliation(
            user_id=user.id, institution_id=inst.id, region_code=inst.region_code, source=scope.REGISTRY
        )


@dataclass
class World:
    inst: Institution
    other_inst: Institution
    physician: User  # practises at inst (Beijing, Dongcheng 110101)
    other_physician: User  # practises at other_inst (Shanghai)
    office: User  # Beijing province office: covers inst
    county_office: User  # Beijing 110101 county office: covers inst
    other_office: User  # Shanghai office: does not cover inst
    inst_reviewer: User


async def world() -> World:
    await f.region("110000")
    await f.region("310000")
    inst = await f.institution("110101")
    other_inst = await f.institution("310101")
    physician = await f.physician(real_name="张三丰")
    other = await f.physician(real_name="李四明")
    await registration(physician, inst)
    await registration(other, other_inst)
    return World(
        inst=inst,
        other_inst=other_inst,
        physician=physician,
        other_physician=other,
        office=await f.office_reviewer("110000"),
        county_office=await f.office_reviewer("110101"),
        other_office=await f.office_reviewer("310000"),
        inst_reviewer=await f.institution_reviewer(inst.id),
    )


async def consent(user: User, *, compare: bool | None = True) -> None:
    """Consent to face processing and (unless ``compare`` is None: not asked) decide on the comparison."""
    await give_consent(user_id=user.id, version=CONSENT_VERSION)
    if compare is not None:
        await decide_compare_consent(user_id=user.id, version=COMPARE_CONSENT_VERSION, accepted=compare)


async def capture(user: User, data: bytes | None = None, exam_kind: str = "humanities") -> CaptureResult:
    """An accepted capture of ``user`` (consent given first)."""
    await consent(user)
    return await create_capture(user_id=user.id, exam_kind=exam_kind, data=data or ok_frame())


async def claim(user: User, capture_id: str, attempt_ref: str | None = None) -> str:
    ref = attempt_ref or f"att-{uuid.uuid4().hex[:12]}"
    await run_atomic(claim_capture, user_id=user.id, capture_id=capture_id, attempt_ref=ref, exam_kind="humanities")
    return ref


async def attempt(user: User, offsets: list[int] | None = None) -> ProctoredAttempt:
    """A started proctored attempt of ``user``; ``offsets`` replaces its random snapshot schedule."""
    cap = await capture(user)
    ref = await claim(user, cap.capture_id)
    if offsets is not None:
        await ProctoredAttempt.filter(attempt_ref=ref).update(snapshot_offsets=offsets)
    return await ProctoredAttempt.get(attempt_ref=ref)


def stored_files() -> list[str]:
    """Every face file the storage holds (keys), on whichever backend the test runs."""
    return sorted(storage.get_storage().keys(STORAGE_PURPOSE + "/"))
