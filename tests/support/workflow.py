"""The workflow engine's tests: throw-away review kinds, their owner, and a small world of regions, institutions and
users of every role (the fixtures ``test_kinds`` and ``world`` in tests/workflow/conftest.py use them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.accounts.models import User
from server.db import run_atomic
from server.directory.models import Institution, Region
from server.workflow import service
from server.workflow.events import ReviewDecided
from server.workflow.kinds import COMMISSION, INSTITUTION, OFFICE, KindSpec
from server.workflow.models import ReviewItem
from tests.support import factories as f

TWO_STEP = "test_two_step"
ONE_STEP = "test_one_step"
BOOM = "test_boom"
TEST_KINDS = {
    TWO_STEP: KindSpec(
        TWO_STEP, "测试两级审核", "tests", (INSTITUTION, COMMISSION), resubmit="engine", summary=(("新名称", "name"),)
    ),
    ONE_STEP: KindSpec(ONE_STEP, "测试单级审核", "tests", (OFFICE,), resubmit="engine"),
    BOOM: KindSpec(BOOM, "炸", "tests", (OFFICE,)),
}


async def apply_test_kind(event: ReviewDecided) -> None:
    """The test kinds' owner: an approval renames the region, a rejection marks it (in the deciding transaction)."""
    if event.kind not in (TWO_STEP, ONE_STEP):
        return
    if event.decision == "approved":
        await Region.filter(code=event.subject_id).update(name=event.payload["name"])
    elif event.decision == "rejected":
        await Region.filter(code=event.subject_id).update(parent_code="REJ")


@dataclass
class World:
    county: Region
    inst: Institution
    other_inst: Institution
    physician: User
    other_physician: User
    inst_reviewer: User
    other_inst_reviewer: User
    province_commission: User
    city_commission: User
    county_commission: User
    other_commission: User
    county_office: User
    province_office: User
    other_office: User
    admin: User

    async def submit(
        self, kind: str = TWO_STEP, *, name: str = "新名称", applicant: User | None = None, **extra: Any
    ) -> ReviewItem:
        applicant = applicant or self.physician
        return await run_atomic(
            service.create_item,
            kind=kind,
            subject_type="region",
            subject_id=self.county.code,
            applicant_id=applicant.id,
            institution_id=self.inst.id,
            region_code=self.county.code,
            payload={"name": name, **extra},
            attachments=["file://a.pdf"],
        )


async def world() -> World:
    await f.region("110000", "北京市")
    await f.region("110100", "市辖区")
    county = await f.region("110105", "朝阳区")
    await f.region("310000", "上海市")
    inst = await f.institution("110105")
    other_inst = await f.institution("310104")
    return World(
        county=county,
        inst=inst,
        other_inst=other_inst,
        physician=await f.physician(real_name="李小明"),
        other_physician=await f.physician(real_name="王五"),
        inst_reviewer=await f.institution_reviewer(inst.id),
        other_inst_reviewer=await f.institution_reviewer(other_inst.id),
        province_commission=await f.commission_reviewer("110000"),
        city_commission=await f.commission_reviewer("110100"),
        county_commission=await f.commission_reviewer("110105"),
        other_commission=await f.commission_reviewer("310000"),
        county_office=await f.office_reviewer("110105"),
        province_office=await f.office_reviewer("110000"),
        other_office=await f.office_reviewer("310000"),
        admin=await f.admin(),
    )
