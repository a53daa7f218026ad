"""Routes that exist only in the test app, to exercise the foundation's mechanisms through real HTTP."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from pydantic import BaseModel, Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json

from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.validation import body
from server.db import run_atomic
from server.directory.models import Region, RegionLevel

bp = Blueprint("test_support", url_prefix="/_test")


async def _insert(n: int, pause: float) -> list[str]:
    codes = []
    for _ in range(n):
        code = uuid.uuid4().hex[:12]
        await Region.create(code=code, name="测试", level=RegionLevel.COUNTY, province_code="990000")
        codes.append(code)
        if pause:
            await asyncio.sleep(pause)
    return codes


@bp.post("/write")
async def write(request: Request) -> HTTPResponse:
    codes = await run_atomic(_insert, 2, 0.0)
    return json({"codes": codes})


@bp.post("/slow-write")
async def slow_write(request: Request) -> HTTPResponse:
    codes = await run_atomic(_insert, 3, 0.01)
    return json({"codes": codes})


class EchoIn(BaseModel):
    name: str = Field(min_length=2, max_length=8)
    age: int = Field(ge=0, le=150)


@bp.post("/echo")
@body(EchoIn)
async def echo(request: Request, body: EchoIn) -> HTTPResponse:
    return json(body.model_dump())


@bp.get("/boom")
async def boom(request: Request) -> HTTPResponse:
    raise RuntimeError("secret internal detail")


@bp.get("/me")
@require()
async def me(request: Request, principal: Principal) -> HTTPResponse:
    return json({"user_id": principal.user_id, "role": principal.role.value})


@bp.get("/admin-only")
@require(Role.ADMIN)
async def admin_only(request: Request, principal: Principal) -> HTTPResponse:
    data: dict[str, Any] = {"ok": True}
    return json(data)


# ---------------------------------------------------------------- the exams part on its own (tests/exams)


class StartIn(BaseModel):
    capture_id: str = Field(min_length=1, max_length=128)
    device_id: str = Field(min_length=1, max_length=128)


def _candidacy() -> Any:
    from tests.support.exams import CURRENT

    return CURRENT[-1]


@bp.post("/exams/<exam_kind:str>/attempts")
@body(StartIn)
@require(Role.PHYSICIAN)
async def start_exam(request: Request, exam_kind: str, body: StartIn, principal: Principal) -> HTTPResponse:
    """What /api/v1/exams/{kind}/attempts does, with the candidacy the test decided instead of the assessment's."""
    from server.errors import ValidationFailed
    from server.exams import api as exams_api

    if exam_kind not in exams_api.EXAM_KINDS:
        raise ValidationFailed("考试类型应为 humanities 或 professional", field="exam_kind")
    attempt, created = await exams_api.start_attempt(
        user_id=principal.user_id,
        exam_kind=exam_kind,
        eligibility=_candidacy().eligibility(principal.user_id),
        capture_id=body.capture_id,
        device_id=body.device_id,
        session_id=principal.session_id,
    )
    return json(await exams_api.attempt_view(attempt), status=201 if created else 200)


@bp.get("/exams")
@require(Role.PHYSICIAN)
async def my_exams(request: Request, principal: Principal) -> HTTPResponse:
    from server.errors import AppError
    from server.exams import api as exams_api

    decided: dict[str, Any] = {}
    for kind in exams_api.EXAM_KINDS:
        try:
            decided[kind] = _candidacy().eligibility(principal.user_id)
        except AppError as exc:
            decided[kind] = exc
    return json({"items": await exams_api.list_my_exams(user_id=principal.user_id, eligibilities=decided)})
