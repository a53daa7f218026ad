"""HTTP routes of the registry for institution staff and the administrator: /api/v1/registry/institution/*,
/lookup and /import/{register}."""

from __future__ import annotations

from dataclasses import asdict

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.common import tabular, uploads
from server.common.apidoc import path_param, raises, upload_form
from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.validation import body, query
from server.common.web import OkOut, json_content, ok, out
from server.directory import api as directory_api
from server.errors import NotFound
from server.registry import activation, applications, imports, service
from server.registry import errors as registry_errors
from server.registry.schemas import (
    AccountStateOut,
    ActivationCodesIn,
    ApplicationListOut,
    ApplicationOut,
    AuthoritiesIn,
    AuthoritiesOut,
    CodeResultsOut,
    DepartmentIn,
    DepartmentPatchIn,
    ImportReportOut,
    InstitutionCaseIn,
    LookupIn,
    LookupOut,
    MultiSiteQuery,
    PhysicianPageOut,
    PhysicianQuery,
    RevokeIn,
)

bp = Blueprint("registry_institution", url_prefix="/api/v1")
R = "/registry"

INSTITUTION = Role.INSTITUTION_REVIEWER
REVIEWERS = (Role.INSTITUTION_REVIEWER, Role.OFFICE_REVIEWER, Role.COMMISSION_REVIEWER)
MAX_IMPORT_BYTES = 10 * 1024 * 1024
IMPORT_KINDS = ("xlsx", "csv")


def _inst(principal: Principal) -> int:
    assert principal.institution_id is not None  # institution reviewers always carry one
    return principal.institution_id


# ---------------------------------------------------------------- institution side


@bp.get(f"{R}/institution/physicians")
@openapi.tag("registry-institution")
@openapi.summary("主执业机构在本院的医师")
@openapi.response(200, json_content(PhysicianPageOut))
@query(PhysicianQuery)
@require(INSTITUTION)
async def institution_physicians(request: Request, principal: Principal, query: PhysicianQuery) -> HTTPResponse:
    rows = await service.institution_physicians(
        institution_id=_inst(principal),
        actor_id=principal.user_id,
        name=query.name,
        cursor=query.cursor,
        limit=query.limit,
    )
    next_cursor = rows[-1]["registration_id"] if len(rows) == query.limit else None
    return out(PhysicianPageOut.model_validate({"items": rows, "next_cursor": next_cursor}))


@bp.get(f"{R}/institution/multi-site")
@openapi.tag("registry-institution")
@openapi.summary("多执业机构备案医师（备案在本院 / 本院医师在外院）")
@openapi.response(200, json_content(PhysicianPageOut))
@query(MultiSiteQuery)
@require(INSTITUTION)
async def institution_multi_site(request: Request, principal: Principal, query: MultiSiteQuery) -> HTTPResponse:
    rows = await service.institution_multi_site(institution_id=_inst(principal), direction=query.direction)
    return out(PhysicianPageOut.model_validate({"items": rows}))


@bp.post(f"{R}/institution/activation-codes")
@openapi.tag("registry-institution")
@openapi.summary("生成并以短信发送激活码")
@openapi.response(200, json_content(CodeResultsOut))
@body(ActivationCodesIn)
@require(INSTITUTION)
async def activation_codes(request: Request, principal: Principal, body: ActivationCodesIn) -> HTTPResponse:
    results = await activation.generate_codes(
        institution_id=_inst(principal),
        actor_id=principal.user_id,
        registration_ids=body.registration_ids,
        ip=client_ip(request),
    )
    return out(CodeResultsOut.model_validate({"results": [asdict(r) for r in results]}))


@bp.post(f"{R}/institution/physicians/<registration_id:int>/activate")
@raises(registry_errors.AlreadyActivated, registry_errors.NoRegistrationHere)
@openapi.tag("registry-institution")
@openapi.summary("直接激活本院医师账户")
@openapi.response(200, json_content(AccountStateOut))
@require(INSTITUTION)
async def activate_directly(request: Request, principal: Principal, registration_id: int) -> HTTPResponse:
    view = await activation.activate_directly(
        institution_id=_inst(principal),
        actor_id=principal.user_id,
        registration_id=registration_id,
        ip=client_ip(request),
    )
    return out(AccountStateOut.model_validate(view))


@bp.post(f"{R}/institution/physicians/<registration_id:int>/revoke")
@raises(registry_errors.NoRegistrationHere)
@openapi.tag("registry-institution")
@openapi.summary("撤销错误注册的医师账户")
@openapi.response(200, json_content(AccountStateOut))
@body(RevokeIn)
@require(INSTITUTION)
async def revoke(request: Request, principal: Principal, registration_id: int, body: RevokeIn) -> HTTPResponse:
    view = await activation.revoke(
        institution_id=_inst(principal),
        actor_id=principal.user_id,
        registration_id=registration_id,
        reason=body.reason,
        ip=client_ip(request),
    )
    return out(AccountStateOut.model_validate(view))


@bp.post(f"{R}/institution/filings")
@raises(
    registry_errors.ApplicationAlreadyOpen, registry_errors.ApplicationIncomplete, registry_errors.NoRegistrationHere
)
@openapi.tag("registry-institution")
@openapi.summary("为本院医师申请注册备案或注销注册（卫生健康行政部门审批）")
@openapi.response(201, json_content(ApplicationOut))
@body(InstitutionCaseIn)
@require(INSTITUTION)
async def start_filing(request: Request, principal: Principal, body: InstitutionCaseIn) -> HTTPResponse:
    view = await applications.start_institution_case(
        principal=principal,
        registration_id=body.registration_id,
        kind=f"institution_{body.kind}",
        reason=body.reason,
        note=body.note,
        ip=client_ip(request),
    )
    return out(ApplicationOut.model_validate(view), 201)


@bp.get(f"{R}/institution/filings")
@openapi.tag("registry-institution")
@openapi.summary("本院申请的备案与注销")
@openapi.response(200, json_content(ApplicationListOut))
@require(INSTITUTION)
async def list_filings(request: Request, principal: Principal) -> HTTPResponse:
    items = await applications.list_institution_cases(institution_id=_inst(principal))
    return out(ApplicationListOut.model_validate({"items": items}))


@bp.get(f"{R}/institution/departments")
@openapi.tag("registry-institution")
@openapi.summary("本院科室字典")
@openapi.response(200, json_content(directory_api.DepartmentListOut))
@require(INSTITUTION)
async def list_departments(request: Request, principal: Principal) -> HTTPResponse:
    depts = await service.list_departments(institution_id=_inst(principal))
    return out(directory_api.DepartmentListOut(items=[directory_api.DepartmentOut.of(d) for d in depts]))


@bp.post(f"{R}/institution/departments")
@raises(directory_api.DepartmentNameTaken)
@openapi.tag("registry-institution")
@openapi.summary("新增科室")
@openapi.response(201, json_content(directory_api.DepartmentOut))
@body(DepartmentIn)
@require(INSTITUTION)
async def add_department(request: Request, principal: Principal, body: DepartmentIn) -> HTTPResponse:
    dept = await service.add_department(
        institution_id=_inst(principal), actor_id=principal.user_id, name=body.name, sort_order=body.sort_order
    )
    return out(directory_api.DepartmentOut.of(dept), status=201)


@bp.patch(f"{R}/institution/departments/<department_id:int>")
@raises(directory_api.DepartmentNotFound)
@openapi.tag("registry-institution")
@openapi.summary("修改科室")
@openapi.response(200, json_content(directory_api.DepartmentOut))
@body(DepartmentPatchIn)
@require(INSTITUTION)
async def update_department(
    request: Request, principal: Principal, department_id: int, body: DepartmentPatchIn
) -> HTTPResponse:
    dept = await service.update_department(
        institution_id=_inst(principal),
        actor_id=principal.user_id,
        department_id=department_id,
        name=body.name,
        sort_order=body.sort_order,
    )
    return out(directory_api.DepartmentOut.of(dept))


@bp.delete(f"{R}/institution/departments/<department_id:int>")
@raises(registry_errors.DepartmentInUse, directory_api.DepartmentNotFound)
@openapi.tag("registry-institution")
@openapi.summary("删除科室（无在岗医师时）")
@openapi.response(200, json_content(OkOut))
@require(INSTITUTION)
async def delete_department(request: Request, principal: Principal, department_id: int) -> HTTPResponse:
    await service.delete_department(
        institution_id=_inst(principal), actor_id=principal.user_id, department_id=department_id
    )
    return ok()


@bp.get(f"{R}/institution/approval-authorities")
@openapi.tag("registry-institution")
@openapi.summary("本院各类别医师的审批机关")
@openapi.response(200, json_content(AuthoritiesOut))
@require(INSTITUTION)
async def get_authorities(request: Request, principal: Principal) -> HTTPResponse:
    return out(AuthoritiesOut.model_validate(await service.approval_authorities(institution_id=_inst(principal))))


@bp.put(f"{R}/institution/approval-authorities")
@openapi.tag("registry-institution")
@openapi.summary("设置本院医师审批机关")
@openapi.response(200, json_content(AuthoritiesOut))
@body(AuthoritiesIn)
@require(INSTITUTION)
async def set_authorities(request: Request, principal: Principal, body: AuthoritiesIn) -> HTTPResponse:
    view = await service.set_approval_authorities(
        institution_id=_inst(principal), actor_id=principal.user_id, authorities=body.model_dump(exclude_none=True)
    )
    return out(AuthoritiesOut.model_validate(view))


@bp.post(f"{R}/lookup")
@raises(registry_errors.PhysicianNotFound)
@openapi.tag("registry-institution")
@openapi.summary("资格信息与注册信息验证（按姓名和证件号码）")
@openapi.response(200, json_content(LookupOut))
@body(LookupIn)
@require(*REVIEWERS)
async def lookup(request: Request, principal: Principal, body: LookupIn) -> HTTPResponse:
    view = await service.lookup(
        actor_id=principal.user_id,
        institution_id=principal.institution_id or 0,
        name=body.name,
        id_number=body.id_number,
        ip=client_ip(request),
    )
    return out(LookupOut.model_validate(view))


# ---------------------------------------------------------------- admin import


@bp.post(f"{R}/import/<register:str>")
@raises(tabular.ImportFileInvalid, *uploads.ERRORS)
@upload_form("file", IMPORT_KINDS, MAX_IMPORT_BYTES, description="名册文件（首行为表头，见接入指南）")
@path_param("register", "名册", enum=list(imports.REGISTERS))
@openapi.tag("registry-admin")
@openapi.summary("从 Excel/CSV 导入（regions/institutions/qualifications/registrations/multi_site），逐行报告错误")
@openapi.response(200, json_content(ImportReportOut))
@require(Role.ADMIN)
async def import_register(request: Request, principal: Principal, register: str) -> HTTPResponse:
    if register not in imports.REGISTERS:
        raise NotFound("不支持导入该名册")
    upload = uploads.read_file(request, field="file", allowed=IMPORT_KINDS, max_bytes=MAX_IMPORT_BYTES)
    report = await imports.import_file(
        register=register, data=upload.data, filename=upload.filename, actor_id=principal.user_id
    )
    return out(ImportReportOut.model_validate(report.to_dict()))
