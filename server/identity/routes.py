"""HTTP routes of the identity part: /api/v1/identity/*."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json
from sanic_ext import openapi

from server.common.auth import Principal, require
from server.common.http import client_ip
from server.common.models import Role
from server.common.validation import body
from server.identity import service
from server.registry.schemas import RealNameCheckIn, RealNameCheckOut

bp = Blueprint("identity", url_prefix="/api/v1/identity")


@bp.post("/real-name-check")
@openapi.tag("identity")
@openapi.summary("医师信息校验：姓名 + 证件号码比对资格与执业注册信息")
@openapi.response(200, {"application/json": RealNameCheckOut})
@body(RealNameCheckIn)
@require(Role.PHYSICIAN)
async def real_name_check(request: Request, principal: Principal, body: RealNameCheckIn) -> HTTPResponse:
    out = await service.check_real_name(
        user_id=principal.user_id,
        name=body.name,
        id_type=body.id_type,
        id_number=body.id_number,
        ip=client_ip(request),
    )
    return json(RealNameCheckOut.model_validate(out).model_dump(mode="json"))
