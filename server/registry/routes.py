"""HTTP routes of the registry: /api/v1/registry/* (physician, institution and admin sides)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from pydantic import BaseModel
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw
from sanic_ext import openapi

from server.common.apidoc import raises
from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.schemas import AcceptedOut
from server.common.uploads import UploadMissing, read_file
from server.common.validation import body, query
from server.common.web import json_content, out
from server.directory.api import DepartmentListOut, DepartmentOut
from server.errors import NotFound, ValidationFailed
from server.registry import activation, applications, changes, identity, imports, recovery, service
from server.registry import errors as registry_errors
from server.registry.schemas import (
    AccountStateOut,
    ActivationCodeIn,
    ActivationCodesIn,
    ApplicationData,
    ApplicationIn,
    ApplicationListOut,
    ApplicationOut,
    AuthoritiesIn,
    AuthoritiesOut,
    ChooseDepartmentIn,
    ChosenDepartmentOut,
    CodeResultsOut,
    DepartmentIn,
    DepartmentPatchIn,
    ImportReportOut,
    InfoChangeIn,
    InfoChangeListOut,
    InfoChangeOut,
    InstitutionCaseIn,
    LookupIn,
    LookupOut,
    MultiSiteQuery,
    MyDataOut,
    PhysicianPageOut,
    PhysicianQuery,
    RealNameCheckIn,
    RealNameCheckOut,
    RecoveryCodeIn,
    RecoveryIn,
    RecoveryOut,
    RevokeIn,
    SelfActivationIn,
)

bp = Blueprint("registry", url_prefix="/api/v1")
R = "/registry"

PHYSICIAN = Role.PHYSICIAN
INSTITUTION = Role.INSTITUTION_REVIEWER
REVIEWERS = (Role.INSTITUTION_REVIEWER, Role.OFFICE_REVIEWER, Role.COMMISSION_REVIEWER)
MAX_PHOTO_UPLOAD = 2 * 1024 * 1024  # the 80 KB rule is the photo check's own error, this only bounds the read
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def _out(model: type[BaseModel], data: Any, status: int = 200) -> HTTPResponse:
    return json(model.model_validate(data).model_dump(mode="json"), status=status)


def _ok(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    return {"application/json": model}


def _inst(principal: Principal) -> int:
    assert principal.institution_id is not None  # institution reviewers always carry one
    return principal.institution_id


def _file(data: bytes, content_type: str, filename: str) -> HTTPResponse:
    return raw(
        data,
        content_type=content_type,
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, no-store"},
    )


# ---------------------------------------------------------------- physician: real-name check


@bp.post("/identity/real-name-check")
@openapi.tag("identity")
@openapi.summary("医师信息校验：姓名 + 证件号码比对资格与执业注册信息")
@openapi.response(200, json_content(RealNameCheckOut))
@body(RealNameCheckIn)
@require(Role.PHYSICIAN)
async def real_name_check(request: Request, principal: Principal, body: RealNameCheckIn) -> HTTPResponse:
    result = await identity.check_real_name(
        user_id=principal.user_id,
        name=body.name,
        id_type=body.id_type,
        id_number=body.id_number,
        ip=client_ip(request),
    )
    return out(RealNameCheckOut.model_validate(result))


# ---------------------------------------------------------------- physician: activation and my data


@bp.post(f"{R}/activation/code")
@raises(
    registry_errors.RealNameNotChecked,
    registry_errors.AlreadyActivated,
    registry_errors.ActivationCodeInvalid,
    registry_errors.TooManyTries,
)
@openapi.tag("registry")
@openapi.summary("输入激活码激活账户（在册医师）")
@openapi.response(200, _ok(MyDataOut))
@body(ActivationCodeIn)
@require(PHYSICIAN)
async def activate_with_code(request: Request, principal: Principal, body: ActivationCodeIn) -> HTTPResponse:
    data = await activation.activate_with_code(user_id=principal.user_id, code=body.code, ip=client_ip(request))
    return _out(MyDataOut, data)


@bp.post(f"{R}/activation/self")
@raises(
    registry_errors.RealNameNotChecked,
    registry_errors.AlreadyActivated,
    registry_errors.CertificateMismatch,
    registry_errors.SelfActivationNotAllowed,
)
@openapi.tag("registry")
@openapi.summary("输入医师资格证书编码自行激活（无有效注册或规培医师）")
@openapi.response(200, _ok(MyDataOut))
@body(SelfActivationIn)
@require(PHYSICIAN)
async def activate_self(request: Request, principal: Principal, body: SelfActivationIn) -> HTTPResponse:
    data = await activation.self_activate(
        user_id=principal.user_id, qualification_cert_no=body.qualification_cert_no, ip=client_ip(request)
    )
    return _out(MyDataOut, data)


@bp.get(f"{R}/me")
@openapi.tag("registry")
@openapi.summary("我的资格、执业、多执业机构与考核信息")
@openapi.response(200, _ok(MyDataOut))
@require(PHYSICIAN)
async def my_data(request: Request, principal: Principal) -> HTTPResponse:
    return _out(MyDataOut, await service.my_data(user_id=principal.user_id, ip=client_ip(request)))


@bp.get(f"{R}/me/departments")
@openapi.tag("registry")
@openapi.summary("我所在机构的科室字典")
@openapi.response(200, _ok(DepartmentListOut))
@require(PHYSICIAN)
async def my_department_options(request: Request, principal: Principal) -> HTTPResponse:
    depts = await service.my_departments(user_id=principal.user_id)
    return _out(DepartmentListOut, {"items": [DepartmentOut.model_validate(d, from_attributes=True) for d in depts]})


@bp.put(f"{R}/me/department")
@openapi.tag("registry")
@openapi.summary("选择我的科室")
@openapi.response(200, _ok(ChosenDepartmentOut))
@body(ChooseDepartmentIn)
@require(PHYSICIAN)
async def choose_department(request: Request, principal: Principal, body: ChooseDepartmentIn) -> HTTPResponse:
    data = await service.choose_department(
        user_id=principal.user_id, department_id=body.department_id, ip=client_ip(request)
    )
    return _out(ChosenDepartmentOut, data)


# ---------------------------------------------------------------- physician: info changes and photo


@bp.post(f"{R}/info-changes")
@openapi.tag("registry")
@openapi.summary("申请修改学历、毕业学校、专业、任职资格（机构审核）")
@openapi.response(201, _ok(InfoChangeOut))
@body(InfoChangeIn)
@require(PHYSICIAN)
async def submit_info_change(request: Request, principal: Principal, body: InfoChangeIn) -> HTTPResponse:
    data = await changes.submit_info_change(user_id=principal.user_id, changes=body.model_dump(), ip=client_ip(request))
    return _out(InfoChangeOut, data, 201)


@bp.get(f"{R}/info-changes")
@openapi.tag("registry")
@openapi.summary("我的信息修改与相片申请")
@openapi.response(200, _ok(InfoChangeListOut))
@require(PHYSICIAN)
async def list_info_changes(request: Request, principal: Principal) -> HTTPResponse:
    return _out(InfoChangeListOut, {"items": await changes.list_info_changes(user_id=principal.user_id)})


@bp.get(f"{R}/info-changes/<request_id:int>/photo")
@openapi.tag("registry")
@openapi.summary("申请中的相片（本人或主执业机构审核员）")
@require(PHYSICIAN, INSTITUTION)
async def info_change_photo(request: Request, principal: Principal, request_id: int) -> HTTPResponse:
    data, content_type = await changes.photo_bytes(principal=principal, request_id=request_id, ip=client_ip(request))
    return _file(data, content_type, f"photo-{request_id}.{content_type.split('/')[1]}")


@bp.post(f"{R}/photo")
@openapi.tag("registry")
@openapi.summary("上传证件照（jpg/jpeg/png，≤80KB，354×472，浅色纯色背景，一张人脸；重复上传覆盖待审核的相片）")
@openapi.response(201, _ok(InfoChangeOut))
@require(PHYSICIAN)
async def upload_photo(request: Request, principal: Principal) -> HTTPResponse:
    files = request.files.getlist("photo") if request.files else []
    if not files or not files[0].body:
        raise UploadMissing(field="photo")
    if len(files[0].body) > MAX_PHOTO_UPLOAD:
        raise ValidationFailed("证件照文件过大，请压缩至 80 KB 以内", field="photo")
    data = await changes.upload_photo(user_id=principal.user_id, data=files[0].body, ip=client_ip(request))
    return _out(InfoChangeOut, data, 201)


@bp.get(f"{R}/photo")
@openapi.tag("registry")
@openapi.summary("我的执业注册相片（审核通过的）")
@require(PHYSICIAN)
async def my_photo(request: Request, principal: Principal) -> HTTPResponse:
    data, content_type = await changes.my_photo(user_id=principal.user_id)
    return _file(data, content_type, f"photo.{content_type.split('/')[1]}")


# ---------------------------------------------------------------- physician: business applications


@bp.post(f"{R}/applications")
@openapi.tag("registry")
@openapi.summary("新建业务申请（草稿）")
@openapi.response(201, _ok(ApplicationOut))
@body(ApplicationIn)
@require(PHYSICIAN)
async def create_application(request: Request, principal: Principal, body: ApplicationIn) -> HTTPResponse:
    data = body.model_dump(exclude={"kind"}, exclude_none=True)
    out = await applications.create_application(
        user_id=principal.user_id, kind=body.kind, data=data, ip=client_ip(request)
    )
    return _out(ApplicationOut, out, 201)


@bp.get(f"{R}/applications")
@openapi.tag("registry")
@openapi.summary("我的业务申请")
@openapi.response(200, _ok(ApplicationListOut))
@require(PHYSICIAN)
async def list_applications(request: Request, principal: Principal) -> HTTPResponse:
    return _out(ApplicationListOut, {"items": await applications.list_applications(user_id=principal.user_id)})


@bp.get(f"{R}/applications/<application_id:int>")
@openapi.tag("registry")
@openapi.summary("业务申请详情")
@openapi.response(200, _ok(ApplicationOut))
@require(PHYSICIAN)
async def get_application(request: Request, principal: Principal, application_id: int) -> HTTPResponse:
    out = await applications.get_application(user_id=principal.user_id, application_id=application_id)
    return _out(ApplicationOut, out)


@bp.patch(f"{R}/applications/<application_id:int>")
@openapi.tag("registry")
@openapi.summary("修改草稿或退回的申请")
@openapi.response(200, _ok(ApplicationOut))
@body(ApplicationData)
@require(PHYSICIAN)
async def update_application(
    request: Request, principal: Principal, application_id: int, body: ApplicationData
) -> HTTPResponse:
    out = await applications.update_application(
        user_id=principal.user_id,
        application_id=application_id,
        data=body.model_dump(exclude_none=True),
        ip=client_ip(request),
    )
    return _out(ApplicationOut, out)


@bp.delete(f"{R}/applications/<application_id:int>")
@openapi.tag("registry")
@openapi.summary("删除草稿")
@require(PHYSICIAN)
async def delete_application(request: Request, principal: Principal, application_id: int) -> HTTPResponse:
    await applications.delete_draft(user_id=principal.user_id, application_id=application_id)
    return json({"ok": True})


@bp.post(f"{R}/applications/<application_id:int>/attachments")
@openapi.tag("registry")
@openapi.summary("上传申请附件（pdf/jpg/png，表单字段 file，purpose=training_proof|other）")
@openapi.response(201, _ok(ApplicationOut))
@require(PHYSICIAN)
async def add_attachment(request: Request, principal: Principal, application_id: int) -> HTTPResponse:
    upload = read_file(request, field="file", allowed=("pdf", "jpg", "png"), max_bytes=5 * 1024 * 1024)
    purpose = (request.form.get("purpose") if request.form else None) or "other"
    if purpose not in applications.ATTACHMENT_PURPOSES:
        raise ValidationFailed("purpose：取值不在允许范围内", field="purpose")
    out = await applications.add_attachment(
        user_id=principal.user_id, application_id=application_id, upload=upload, purpose=purpose
    )
    return _out(ApplicationOut, out, 201)


@bp.get(f"{R}/applications/<application_id:int>/attachments/<index:int>")
@openapi.tag("registry")
@openapi.summary("下载申请附件（申请人或审核人）")
@require()
async def get_attachment(request: Request, principal: Principal, application_id: int, index: int) -> HTTPResponse:
    data, content_type, name = await applications.attachment(
        principal=principal, application_id=application_id, index=index, ip=client_ip(request)
    )
    return _file(data, content_type, name)


@bp.post(f"{R}/applications/<application_id:int>/submit")
@openapi.tag("registry")
@openapi.summary("提交业务申请（或重新提交退回的申请）")
@openapi.response(200, _ok(ApplicationOut))
@require(PHYSICIAN)
async def submit_application(request: Request, principal: Principal, application_id: int) -> HTTPResponse:
    out = await applications.submit_application(
        user_id=principal.user_id, application_id=application_id, ip=client_ip(request)
    )
    return _out(ApplicationOut, out)


@bp.get(f"{R}/applications/<application_id:int>/form.pdf")
@openapi.tag("registry")
@openapi.summary("打印业务申请表（PDF）")
@require()
async def application_form(request: Request, principal: Principal, application_id: int) -> HTTPResponse:
    data = await applications.form_pdf(principal=principal, application_id=application_id)
    return _file(data, "application/pdf", f"application-{application_id}.pdf")


# ---------------------------------------------------------------- account recovery (no log-in)


@bp.post(f"{R}/recovery/code")
@openapi.tag("registry")
@openapi.summary("通过个人信息找回账户：核对信息并向新手机号发送验证码")
@openapi.response(202, _ok(AcceptedOut))
@body(RecoveryCodeIn)
async def recovery_code(request: Request, body: RecoveryCodeIn) -> HTTPResponse:
    await recovery.send_code(**body.model_dump(), ip=client_ip(request))
    return json(AcceptedOut(message="验证码已发送到新手机号").model_dump(), status=202)


@bp.post(f"{R}/recovery")
@openapi.tag("registry")
@openapi.summary("通过个人信息找回账户：验证新手机号并更换")
@openapi.response(200, _ok(RecoveryOut))
@body(RecoveryIn)
async def recover(request: Request, body: RecoveryIn) -> HTTPResponse:
    return _out(RecoveryOut, await recovery.recover(**body.model_dump(), ip=client_ip(request)))


# ---------------------------------------------------------------- institution side


@bp.get(f"{R}/institution/physicians")
@openapi.tag("registry-institution")
@openapi.summary("主执业机构在本院的医师")
@openapi.response(200, _ok(PhysicianPageOut))
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
    return _out(PhysicianPageOut, {"items": rows, "next_cursor": next_cursor})


@bp.get(f"{R}/institution/multi-site")
@openapi.tag("registry-institution")
@openapi.summary("多执业机构备案医师（备案在本院 / 本院医师在外院）")
@openapi.response(200, _ok(PhysicianPageOut))
@query(MultiSiteQuery)
@require(INSTITUTION)
async def institution_multi_site(request: Request, principal: Principal, query: MultiSiteQuery) -> HTTPResponse:
    rows = await service.institution_multi_site(institution_id=_inst(principal), direction=query.direction)
    return _out(PhysicianPageOut, {"items": rows})


@bp.post(f"{R}/institution/activation-codes")
@openapi.tag("registry-institution")
@openapi.summary("生成并以短信发送激活码")
@openapi.response(200, _ok(CodeResultsOut))
@body(ActivationCodesIn)
@require(INSTITUTION)
async def activation_codes(request: Request, principal: Principal, body: ActivationCodesIn) -> HTTPResponse:
    results = await activation.generate_codes(
        institution_id=_inst(principal),
        actor_id=principal.user_id,
        registration_ids=body.registration_ids,
        ip=client_ip(request),
    )
    return _out(CodeResultsOut, {"results": [asdict(r) for r in results]})


@bp.post(f"{R}/institution/physicians/<registration_id:int>/activate")
@openapi.tag("registry-institution")
@openapi.summary("直接激活本院医师账户")
@openapi.response(200, _ok(AccountStateOut))
@require(INSTITUTION)
async def activate_directly(request: Request, principal: Principal, registration_id: int) -> HTTPResponse:
    out = await activation.activate_directly(
        institution_id=_inst(principal),
        actor_id=principal.user_id,
        registration_id=registration_id,
        ip=client_ip(request),
    )
    return _out(AccountStateOut, out)


@bp.post(f"{R}/institution/physicians/<registration_id:int>/revoke")
@openapi.tag("registry-institution")
@openapi.summary("撤销错误注册的医师账户")
@openapi.response(200, _ok(AccountStateOut))
@body(RevokeIn)
@require(INSTITUTION)
async def revoke(request: Request, principal: Principal, registration_id: int, body: RevokeIn) -> HTTPResponse:
    out = await activation.revoke(
        institution_id=_inst(principal),
        actor_id=principal.user_id,
        registration_id=registration_id,
        reason=body.reason,
        ip=client_ip(request),
    )
    return _out(AccountStateOut, out)


@bp.post(f"{R}/institution/filings")
@openapi.tag("registry-institution")
@openapi.summary("为本院医师申请注册备案或注销注册（卫生健康行政部门审批）")
@openapi.response(201, _ok(ApplicationOut))
@body(InstitutionCaseIn)
@require(INSTITUTION)
async def start_filing(request: Request, principal: Principal, body: InstitutionCaseIn) -> HTTPResponse:
    out = await applications.start_institution_case(
        principal=principal,
        registration_id=body.registration_id,
        kind=f"institution_{body.kind}",
        reason=body.reason,
        note=body.note,
        ip=client_ip(request),
    )
    return _out(ApplicationOut, out, 201)


@bp.get(f"{R}/institution/filings")
@openapi.tag("registry-institution")
@openapi.summary("本院申请的备案与注销")
@openapi.response(200, _ok(ApplicationListOut))
@require(INSTITUTION)
async def list_filings(request: Request, principal: Principal) -> HTTPResponse:
    items = await applications.list_institution_cases(institution_id=_inst(principal))
    return _out(ApplicationListOut, {"items": items})


@bp.get(f"{R}/institution/departments")
@openapi.tag("registry-institution")
@openapi.summary("本院科室字典")
@openapi.response(200, _ok(DepartmentListOut))
@require(INSTITUTION)
async def list_departments(request: Request, principal: Principal) -> HTTPResponse:
    depts = await service.list_departments(institution_id=_inst(principal))
    return _out(DepartmentListOut, {"items": [DepartmentOut.model_validate(d, from_attributes=True) for d in depts]})


@bp.post(f"{R}/institution/departments")
@openapi.tag("registry-institution")
@openapi.summary("新增科室")
@openapi.response(201, _ok(DepartmentOut))
@body(DepartmentIn)
@require(INSTITUTION)
async def add_department(request: Request, principal: Principal, body: DepartmentIn) -> HTTPResponse:
    dept = await service.add_department(
        institution_id=_inst(principal), actor_id=principal.user_id, name=body.name, sort_order=body.sort_order
    )
    return json(DepartmentOut.model_validate(dept, from_attributes=True).model_dump(), status=201)


@bp.patch(f"{R}/institution/departments/<department_id:int>")
@openapi.tag("registry-institution")
@openapi.summary("修改科室")
@openapi.response(200, _ok(DepartmentOut))
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
    return json(DepartmentOut.model_validate(dept, from_attributes=True).model_dump())


@bp.delete(f"{R}/institution/departments/<department_id:int>")
@openapi.tag("registry-institution")
@openapi.summary("删除科室（无在岗医师时）")
@require(INSTITUTION)
async def delete_department(request: Request, principal: Principal, department_id: int) -> HTTPResponse:
    await service.delete_department(
        institution_id=_inst(principal), actor_id=principal.user_id, department_id=department_id
    )
    return json({"ok": True})


@bp.get(f"{R}/institution/approval-authorities")
@openapi.tag("registry-institution")
@openapi.summary("本院各类别医师的审批机关")
@openapi.response(200, _ok(AuthoritiesOut))
@require(INSTITUTION)
async def get_authorities(request: Request, principal: Principal) -> HTTPResponse:
    return _out(AuthoritiesOut, await service.approval_authorities(institution_id=_inst(principal)))


@bp.put(f"{R}/institution/approval-authorities")
@openapi.tag("registry-institution")
@openapi.summary("设置本院医师审批机关")
@openapi.response(200, _ok(AuthoritiesOut))
@body(AuthoritiesIn)
@require(INSTITUTION)
async def set_authorities(request: Request, principal: Principal, body: AuthoritiesIn) -> HTTPResponse:
    out = await service.set_approval_authorities(
        institution_id=_inst(principal), actor_id=principal.user_id, authorities=body.model_dump(exclude_none=True)
    )
    return _out(AuthoritiesOut, out)


@bp.post(f"{R}/lookup")
@openapi.tag("registry-institution")
@openapi.summary("资格信息与注册信息验证（按姓名和证件号码）")
@openapi.response(200, _ok(LookupOut))
@body(LookupIn)
@require(*REVIEWERS)
async def lookup(request: Request, principal: Principal, body: LookupIn) -> HTTPResponse:
    out = await service.lookup(
        actor_id=principal.user_id,
        institution_id=principal.institution_id or 0,
        name=body.name,
        id_number=body.id_number,
        ip=client_ip(request),
    )
    return _out(LookupOut, out)


# ---------------------------------------------------------------- admin import


@bp.post(f"{R}/import/<register:str>")
@openapi.tag("registry-admin")
@openapi.summary("从 Excel/CSV 导入（regions/institutions/qualifications/registrations/multi_site），逐行报告错误")
@openapi.response(200, _ok(ImportReportOut))
@require(Role.ADMIN)
async def import_register(request: Request, principal: Principal, register: str) -> HTTPResponse:
    if register not in imports.REGISTERS:
        raise NotFound("不支持导入该名册")
    files = request.files.getlist("file") if request.files else []
    if not files or not files[0].body:
        raise UploadMissing(field="file")
    if len(files[0].body) > MAX_IMPORT_BYTES:
        raise ValidationFailed("导入文件不能超过 10 MB", field="file")
    report = await imports.import_file(
        register=register, data=files[0].body, filename=files[0].name, actor_id=principal.user_id
    )
    return _out(ImportReportOut, report.to_dict())
