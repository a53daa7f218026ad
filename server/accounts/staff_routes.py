"""HTTP routes of staff accounts: /api/v1/staff (administrators, commissions and offices, each within its scope)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.accounts import errors as account_errors
from server.accounts import staff
from server.accounts.staff_schemas import (
    IssuedOut,
    PhysicianResetOut,
    ScopeNames,
    StaffIn,
    StaffOut,
    StaffPageOut,
    StaffQuery,
    StaffStatusIn,
)
from server.common.apidoc import raises
from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.validation import body, query
from server.common.web import json_content, out

bp = Blueprint("accounts_staff", url_prefix="/api/v1")
TAG = "staff"


@bp.post("/staff")
@raises(account_errors.StaffScopeForbidden, account_errors.StaffScopeInvalid, account_errors.UsernameTaken)
@openapi.tag(TAG)
@openapi.summary("新建工作人员账号（返回仅显示一次的一次性密码，首次登录须修改）")
@openapi.response(201, json_content(IssuedOut))
@body(StaffIn)
@require(*staff.MANAGERS)
async def create_staff(request: Request, body: StaffIn, principal: Principal) -> HTTPResponse:
    issued = await staff.create_staff(
        principal=principal,
        ip=client_ip(request),
        **{**body.model_dump(), "role": Role(body.role)},
    )
    return out(await IssuedOut.of(issued), status=201)


@bp.get("/staff")
@openapi.tag(TAG)
@openapi.summary("工作人员账号列表（本辖区内可管理的账号；可按角色、辖区、机构、状态筛选和搜索）")
@openapi.response(200, json_content(StaffPageOut))
@query(StaffQuery)
@require(*staff.MANAGERS)
async def list_staff(request: Request, query: StaffQuery, principal: Principal) -> HTTPResponse:
    rows = await staff.list_staff(
        principal=principal,
        role=Role(query.role) if query.role else None,
        region_code=query.region_code,
        institution_id=query.institution_id,
        is_active=query.is_active,
        q=query.q,
        after_id=query.cursor,
        limit=query.limit,
    )
    next_cursor = rows[-1].id if len(rows) == query.limit else None
    names = await ScopeNames.of(rows)
    return out(StaffPageOut(items=[StaffOut.of(u, names) for u in rows], next_cursor=next_cursor))


@bp.get("/staff/<user_id:int>")
@raises(account_errors.StaffNotFound)
@openapi.tag(TAG)
@openapi.summary("工作人员账号详情")
@openapi.response(200, json_content(StaffOut))
@require(*staff.MANAGERS)
async def get_staff(request: Request, user_id: int, principal: Principal) -> HTTPResponse:
    return out(await StaffOut.one(await staff.get_staff(principal=principal, user_id=user_id)))


async def _set_active(
    request: Request, principal: Principal, user_id: int, body: StaffStatusIn, *, active: bool
) -> HTTPResponse:
    user = await staff.set_staff_active(
        principal=principal, user_id=user_id, active=active, reason=body.reason, ip=client_ip(request)
    )
    return out(await StaffOut.one(user))


@bp.post("/staff/<user_id:int>/disable")
@raises(account_errors.StaffNotFound, account_errors.StaffSelfChange)
@openapi.tag(TAG)
@openapi.summary("停用工作人员账号（该账号的所有登录立即失效）")
@openapi.response(200, json_content(StaffOut))
@body(StaffStatusIn)
@require(*staff.MANAGERS)
async def disable_staff(request: Request, user_id: int, body: StaffStatusIn, principal: Principal) -> HTTPResponse:
    return await _set_active(request, principal, user_id, body, active=False)


@bp.post("/staff/<user_id:int>/enable")
@raises(account_errors.StaffNotFound, account_errors.StaffSelfChange)
@openapi.tag(TAG)
@openapi.summary("重新启用工作人员账号")
@openapi.response(200, json_content(StaffOut))
@body(StaffStatusIn)
@require(*staff.MANAGERS)
async def enable_staff(request: Request, user_id: int, body: StaffStatusIn, principal: Principal) -> HTTPResponse:
    return await _set_active(request, principal, user_id, body, active=True)


@bp.post("/staff/<user_id:int>/password-reset")
@raises(account_errors.StaffNotFound, account_errors.StaffSelfChange)
@openapi.tag(TAG)
@openapi.summary("重置工作人员密码（返回仅显示一次的一次性密码；原密码和所有登录立即失效）")
@openapi.response(200, json_content(IssuedOut))
@require(*staff.MANAGERS)
async def reset_staff_password(request: Request, user_id: int, principal: Principal) -> HTTPResponse:
    issued = await staff.reset_staff_password(principal=principal, user_id=user_id, ip=client_ip(request))
    return out(await IssuedOut.of(issued))


@bp.post("/staff/physicians/<user_id:int>/password-reset")
@raises(account_errors.PhysicianNotFound)
@openapi.tag(TAG)
@openapi.summary("为本院医师重置登录密码：临时密码仅以短信发送给医师本人，登录一次后须设置新密码")
@openapi.response(200, json_content(PhysicianResetOut))
@require(Role.INSTITUTION_REVIEWER, Role.ADMIN)
async def reset_physician_password(request: Request, user_id: int, principal: Principal) -> HTTPResponse:
    ended = await staff.reset_physician_password(principal=principal, user_id=user_id, ip=client_ip(request))
    return out(PhysicianResetOut(user_id=user_id, sessions_ended=ended))
