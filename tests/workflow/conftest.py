"""Throw-away review kinds and a small world of regions, institutions and users for the engine tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from server.accounts.models import User
from server.common.enums import Role
from server.directory.models import Institution, Region
from server.workflow import service
from server.workflow.kinds import KindSpec, Step, register_kind
from server.workflow.models import ReviewItem
from tests.workflow import factories as f

TWO_STEP = "test_two_step"
ONE_STEP = "test_one_step"


async def _rename(item: ReviewItem) -> None:
    await Region.filter(code=item.subject_id).update(name=item.payload["name"])


async def _mark_rejected(item: ReviewItem) -> None:
    # Proves the rejection callback ran in the deciding transaction without touching the subject's name
    await Region.filter(code=item.subject_id).update(parent_code="REJ")


register_kind(
    KindSpec(
        name=TWO_STEP,
        chain=[
            Step(role=Role.INSTITUTION_REVIEWER, scope="institution"),
            Step(role=Role.COMMISSION_REVIEWER, scope="region"),
        ],
        on_approved=_rename,
        on_rejected=_mark_rejected,
        title="测试两级审核",
    ),
    replace=True,
)
register_kind(
    KindSpec(
        name=ONE_STEP,
        chain=[Step(role=Role.OFFICE_REVIEWER, scope="region")],
        on_approved=_rename,
        title="测试单级审核",
    ),
    replace=True,
)


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
        return await service.submit_item(
            kind=kind,
            subject_type="region",
            subject_id=self.county.code,
            applicant_id=applicant.id,
            institution_id=self.inst.id,
            region_code=self.county.code,
            payload={"name": name, **extra},
            attachments=["file://a.pdf"],
        )


@pytest.fixture()
async def world(db: None) -> World:
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
