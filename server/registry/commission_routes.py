"""HTTP routes for the health commission: figures of business applications (/api/v1/registry/commission/*)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.common.apidoc import raises
from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.schemas import RegionCode, StrictIn
from server.common.validation import query
from server.common.web import json_content, out
from server.errors import Forbidden
from server.registry import figures
from server.registry.application_kinds import ALL_KINDS
from server.registry.applications import STATUS_LABELS

bp = Blueprint("registry_commission", url_prefix="/api/v1")


class FiguresQuery(StrictIn):
    region_code: RegionCode | None = Field(default=None, description="辖区（含下级），须在本部门辖区内")
    kind: str | None = Field(
        default=None, max_length=32, description="业务类型，如 register、change、institution_filing"
    )
    since: datetime | None = Field(default=None, description="提交时间不早于（ISO 8601）")
    until: datetime | None = Field(default=None, description="提交时间早于（ISO 8601）")

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str | None) -> str | None:
        if value is not None and value not in ALL_KINDS:
            raise ValueError("未知的业务类型")
        return value


class FigureRowOut(BaseModel):
    institution_id: int | None
    institution_name: str
    kind: str
    kind_title: str = Field(examples=["注册"])
    total: int
    counts: dict[str, int] = Field(
        description="各状态件数：submitted 待机构确认（机构申请的为待审批）/ institution_confirmed 待审批 / approved / "
        "rejected / returned / withdrawn"
    )


class FiguresOut(BaseModel):
    state_labels: dict[str, str] = Field(description="状态的中文名称")
    items: list[FigureRowOut]

    @classmethod
    def of(cls, rows: list[Any]) -> FiguresOut:
        return cls(
            state_labels={s: STATUS_LABELS[s] for s in figures.STATES},
            items=[
                FigureRowOut(
                    institution_id=r.institution_id,
                    institution_name=r.institution_name,
                    kind=r.kind,
                    kind_title=r.kind_title,
                    total=r.total,
                    counts=r.counts,
                )
                for r in rows
            ],
        )


@bp.get("/registry/commission/figures")
@raises(Forbidden)
@openapi.tag("registry-commission")
@openapi.summary("业务申请统计：本辖区各机构、各业务类型的申请件数（按状态）")
@openapi.response(200, json_content(FiguresOut))
@query(FiguresQuery)
@require(Role.COMMISSION_REVIEWER, Role.ADMIN)
async def application_figures(request: Request, principal: Principal, query: FiguresQuery) -> HTTPResponse:
    rows = await figures.application_figures(principal=principal, ip=client_ip(request), **query.model_dump())
    return out(FiguresOut.of(rows))
