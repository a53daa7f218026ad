"""HTTP routes of the registry for physicians: /api/v1/identity/real-name-check and /api/v1/registry/* (activation, my
data, info changes and photo, business applications, recovery by personal information).

The institution's and the administrator's routes are in ``institution_routes.py``.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.accounts import api as accounts_api
from server.common import uploads
from server.common.apidoc import raises, upload_form
from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.schemas import AcceptedOut
from server.common.validation import body
from server.common.web import JPEG, PDF, PNG, OkOut, binary_content, file_out, json_content, ok, out
from server.directory import api as directory_api
from server.errors import ValidationFailed
from server.integrations import storage
from server.proctoring import api as proctoring_api
from server.registry import (
    activation,
    applications,
    changes,
    commission_routes,
    identity,
    institution_routes,
    lookup_routes,
    recovery,
    service,
)
from server.registry import errors as registry_errors
from server.registry.application_kinds import CHECK_ERRORS
from server.registry.schemas import (
    ActivationCodeIn,
    ApplicationData,
    ApplicationIn,
    ApplicationListOut,
    ApplicationOut,
    ChooseDepartmentIn,
    ChosenDepartmentOut,
    InfoChangeIn,
    InfoChangeListOut,
    InfoChangeOut,
    MyDataOut,
    RealNameCheckIn,
    RealNameCheckOut,
    RecoveryCodeIn,
    RecoveryIn,
    RecoveryOut,
    SelfActivationIn,
)

bp = Blueprint("registry", url_prefix="/api/v1")
R = "/registry"

PHYSICIAN = Role.PHYSICIAN
INSTITUTION = Role.INSTITUTION_REVIEWER
REVIEWERS = (Role.INSTITUTION_REVIEWER, Role.OFFICE_REVIEWER, Role.COMMISSION_REVIEWER)
MAX_PHOTO_UPLOAD = 2 * 1024 * 1024  # the 80 KB rule is the photo check's own error, this only bounds the read
MAX_IMPORT_BYTES = 10 * 1024 * 1024


def _inst(principal: Principal) -> int:
    assert principal.institution_id is not None  # institution reviewers always carry one
    return principal.institution_id


# ---------------------------------------------------------------- physician: real-name check


@bp.post("/identity/real-name-check")
@raises(
    registry_errors.IdentityTaken,
    registry_errors.IdNumberInvalid,
    registry_errors.RealNameNotFound,
    registry_errors.TooManyTries,
)
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
@openapi.response(200, json_content(MyDataOut))
@body(ActivationCodeIn)
@require(PHYSICIAN)
async def activate_with_code(request: Request, principal: Principal, body: ActivationCodeIn) -> HTTPResponse:
    data = await activation.activate_with_code(user_id=principal.user_id, code=body.code, ip=client_ip(request))
    return out(MyDataOut.model_validate(data))


@bp.post(f"{R}/activation/self")
@raises(
    registry_errors.RealNameNotChecked,
    registry_errors.AlreadyActivated,
    registry_errors.CertificateMismatch,
    registry_errors.SelfActivationNotAllowed,
)
@openapi.tag("registry")
@openapi.summary("输入医师资格证书编码自行激活（无有效注册或规培医师）")
@openapi.response(200, json_content(MyDataOut))
@body(SelfActivationIn)
@require(PHYSICIAN)
async def activate_self(request: Request, principal: Principal, body: SelfActivationIn) -> HTTPResponse:
    data = await activation.self_activate(
        user_id=principal.user_id, qualification_cert_no=body.qualification_cert_no, ip=client_ip(request)
    )
    return out(MyDataOut.model_validate(data))


@bp.get(f"{R}/me")
@openapi.tag("registry")
@openapi.summary("我的资格、执业、多执业机构与考核信息")
@openapi.response(200, json_content(MyDataOut))
@require(PHYSICIAN)
async def my_data(request: Request, principal: Principal) -> HTTPResponse:
    return out(MyDataOut.model_validate(await service.my_data(user_id=principal.user_id, ip=client_ip(request))))


@bp.get(f"{R}/me/departments")
@openapi.tag("registry")
@openapi.summary("我所在机构的科室字典")
@openapi.response(200, json_content(directory_api.DepartmentListOut))
@require(PHYSICIAN)
async def my_department_options(request: Request, principal: Principal) -> HTTPResponse:
    depts = await service.my_departments(user_id=principal.user_id)
    return out(directory_api.DepartmentListOut(items=[directory_api.DepartmentOut.of(d) for d in depts]))


@bp.put(f"{R}/me/department")
@raises(directory_api.DepartmentNotFound)
@openapi.tag("registry")
@openapi.summary("选择我的科室")
@openapi.response(200, json_content(ChosenDepartmentOut))
@body(ChooseDepartmentIn)
@require(PHYSICIAN)
async def choose_department(request: Request, principal: Principal, body: ChooseDepartmentIn) -> HTTPResponse:
    data = await service.choose_department(
        user_id=principal.user_id, department_id=body.department_id, ip=client_ip(request)
    )
    return out(ChosenDepartmentOut.model_validate(data))


# ---------------------------------------------------------------- physician: info changes and photo


@bp.post(f"{R}/info-changes")
@raises(registry_errors.AccountNotActivated, registry_errors.InfoChangePending, directory_api.NothingToChange)
@openapi.tag("registry")
@openapi.summary("申请修改学历、毕业学校、专业、任职资格（机构审核）")
@openapi.response(201, json_content(InfoChangeOut))
@body(InfoChangeIn)
@require(PHYSICIAN)
async def submit_info_change(request: Request, principal: Principal, body: InfoChangeIn) -> HTTPResponse:
    data = await changes.submit_info_change(user_id=principal.user_id, changes=body.model_dump(), ip=client_ip(request))
    return out(InfoChangeOut.model_validate(data), 201)


@bp.get(f"{R}/info-changes")
@openapi.tag("registry")
@openapi.summary("我的信息修改与相片申请")
@openapi.response(200, json_content(InfoChangeListOut))
@require(PHYSICIAN)
async def list_info_changes(request: Request, principal: Principal) -> HTTPResponse:
    return out(InfoChangeListOut.model_validate({"items": await changes.list_info_changes(user_id=principal.user_id)}))


@bp.get(f"{R}/info-changes/<request_id:int>/photo")
@raises(*storage.ERRORS)
@raises(registry_errors.InfoChangeNotFound)
@openapi.tag("registry")
@openapi.summary("申请中的相片（本人或主执业机构审核员）")
@openapi.response(200, binary_content(JPEG, PNG), "相片（JPG/PNG）")
@require(PHYSICIAN, INSTITUTION)
async def info_change_photo(request: Request, principal: Principal, request_id: int) -> HTTPResponse:
    data, content_type = await changes.photo_bytes(principal=principal, request_id=request_id, ip=client_ip(request))
    return file_out(
        data, content_type=content_type, filename=f"photo-{request_id}.{content_type.split('/')[1]}", inline=True
    )


@bp.get(f"{R}/info-changes/<request_id:int>/current-photo")
@raises(registry_errors.InfoChangeNotFound)
@openapi.tag("registry")
@openapi.summary("相片更新申请要替换的当前相片（本人或主执业机构审核员，与新相片对照）")
@openapi.response(200, binary_content(JPEG, PNG), "当前相片（JPG/PNG）")
@require(PHYSICIAN, INSTITUTION)
async def info_change_current_photo(request: Request, principal: Principal, request_id: int) -> HTTPResponse:
    data, content_type = await changes.photo_bytes(
        principal=principal, request_id=request_id, current=True, ip=client_ip(request)
    )
    return file_out(
        data,
        content_type=content_type,
        filename=f"photo-{request_id}-current.{content_type.split('/')[1]}",
        inline=True,
    )


@bp.post(f"{R}/photo")
@raises(*storage.ERRORS)
@raises(registry_errors.AccountNotActivated, *proctoring_api.ID_PHOTO_ERRORS, *uploads.ERRORS)
@upload_form("photo", ("jpg", "png"), MAX_PHOTO_UPLOAD, description="证件照：≤80KB，354×472，浅色纯色背景，一张人脸")
@openapi.tag("registry")
@openapi.summary("上传证件照（jpg/jpeg/png，≤80KB，354×472，浅色纯色背景，一张人脸；重复上传覆盖待审核的相片）")
@openapi.response(201, json_content(InfoChangeOut))
@require(PHYSICIAN)
async def upload_photo(request: Request, principal: Principal) -> HTTPResponse:
    # The photo rules (80 KB, 354×472, background) are the check's own errors; this bounds the read only
    upload = uploads.read_file(request, field="photo", allowed=("jpg", "png"), max_bytes=MAX_PHOTO_UPLOAD)
    data = await changes.upload_photo(user_id=principal.user_id, data=upload.data, ip=client_ip(request))
    return out(InfoChangeOut.model_validate(data), 201)


@bp.get(f"{R}/photo")
@raises(*storage.ERRORS)
@raises(registry_errors.InfoChangeNotFound)
@openapi.tag("registry")
@openapi.summary("我的执业注册相片（审核通过的）")
@openapi.response(200, binary_content(JPEG, PNG), "相片（JPG/PNG）")
@require(PHYSICIAN)
async def my_photo(request: Request, principal: Principal) -> HTTPResponse:
    data, content_type = await changes.my_photo(user_id=principal.user_id)
    return file_out(data, content_type=content_type, filename=f"photo.{content_type.split('/')[1]}", inline=True)


# ---------------------------------------------------------------- physician: business applications


@bp.post(f"{R}/applications")
@raises(registry_errors.ApplicationAlreadyOpen, *CHECK_ERRORS)
@openapi.tag("registry")
@openapi.summary("新建业务申请（草稿）")
@openapi.response(201, json_content(ApplicationOut))
@body(ApplicationIn)
@require(PHYSICIAN)
async def create_application(request: Request, principal: Principal, body: ApplicationIn) -> HTTPResponse:
    data = body.model_dump(exclude={"kind"}, exclude_none=True)
    view = await applications.create_application(
        user_id=principal.user_id, kind=body.kind, data=data, ip=client_ip(request)
    )
    return out(ApplicationOut.model_validate(view), 201)


@bp.get(f"{R}/applications")
@openapi.tag("registry")
@openapi.summary("我的业务申请")
@openapi.response(200, json_content(ApplicationListOut))
@require(PHYSICIAN)
async def list_applications(request: Request, principal: Principal) -> HTTPResponse:
    return out(
        ApplicationListOut.model_validate({"items": await applications.list_applications(user_id=principal.user_id)})
    )


@bp.get(f"{R}/applications/<application_id:int>")
@raises(registry_errors.ApplicationNotFound)
@openapi.tag("registry")
@openapi.summary("业务申请详情")
@openapi.response(200, json_content(ApplicationOut))
@require(PHYSICIAN)
async def get_application(request: Request, principal: Principal, application_id: int) -> HTTPResponse:
    view = await applications.get_application(user_id=principal.user_id, application_id=application_id)
    return out(ApplicationOut.model_validate(view))


@bp.patch(f"{R}/applications/<application_id:int>")
@raises(registry_errors.ApplicationNotEditable, registry_errors.ApplicationNotFound, *CHECK_ERRORS)
@openapi.tag("registry")
@openapi.summary("修改草稿或退回的申请")
@openapi.response(200, json_content(ApplicationOut))
@body(ApplicationData)
@require(PHYSICIAN)
async def update_application(
    request: Request, principal: Principal, application_id: int, body: ApplicationData
) -> HTTPResponse:
    view = await applications.update_application(
        user_id=principal.user_id,
        application_id=application_id,
        data=body.model_dump(exclude_none=True),
        ip=client_ip(request),
    )
    return out(ApplicationOut.model_validate(view))


@bp.delete(f"{R}/applications/<application_id:int>")
@raises(registry_errors.ApplicationNotFound)
@openapi.tag("registry")
@openapi.summary("删除草稿")
@openapi.response(200, json_content(OkOut))
@require(PHYSICIAN)
async def delete_application(request: Request, principal: Principal, application_id: int) -> HTTPResponse:
    await applications.delete_draft(user_id=principal.user_id, application_id=application_id)
    return ok()


@bp.post(f"{R}/applications/<application_id:int>/attachments")
@raises(*storage.ERRORS)
@raises(
    registry_errors.ApplicationNotFound,
    registry_errors.ApplicationNotEditable,
    registry_errors.ApplicationIncomplete,
    registry_errors.ApplicationNotAllowed,
    ValidationFailed,
    *uploads.ERRORS,
)
@upload_form(
    "file",
    applications.ATTACHMENT_KINDS,
    applications.ATTACHMENT_MAX_BYTES,
    description="申请附件",
    fields={
        "purpose": {
            "type": "string",
            "enum": list(applications.ATTACHMENT_PURPOSES),
            "default": "other",
            "description": "附件用途：training_proof 培训考核合格证明 / other 其他材料（见业务种类的附件用途）",
        }
    },
)
@openapi.tag("registry")
@openapi.summary("上传申请附件（pdf/jpg/png，表单字段 file，purpose=training_proof|other）")
@openapi.response(201, json_content(ApplicationOut))
@require(PHYSICIAN)
async def add_attachment(request: Request, principal: Principal, application_id: int) -> HTTPResponse:
    upload = uploads.read_file(
        request, field="file", allowed=applications.ATTACHMENT_KINDS, max_bytes=applications.ATTACHMENT_MAX_BYTES
    )
    purpose = (request.form.get("purpose") if request.form else None) or "other"
    if purpose not in applications.ATTACHMENT_PURPOSES:
        raise ValidationFailed("purpose：取值不在允许范围内", field="purpose")
    view = await applications.add_attachment(
        user_id=principal.user_id, application_id=application_id, upload=upload, purpose=purpose
    )
    return out(ApplicationOut.model_validate(view), 201)


@bp.get(f"{R}/applications/<application_id:int>/attachments/<index:int>")
@raises(*storage.ERRORS)
@raises(registry_errors.ApplicationNotFound)
@openapi.tag("registry")
@openapi.summary("下载申请附件（申请人或审核人）")
@openapi.response(200, binary_content(PDF, JPEG, PNG), "附件内容（PDF/JPG/PNG）")
@require()
async def get_attachment(request: Request, principal: Principal, application_id: int, index: int) -> HTTPResponse:
    data, content_type, name = await applications.attachment(
        principal=principal, application_id=application_id, index=index, ip=client_ip(request)
    )
    return file_out(data, content_type=content_type, filename=name, inline=True)


@bp.post(f"{R}/applications/<application_id:int>/submit")
@raises(
    registry_errors.ApplicationNotFound,
    registry_errors.ApplicationNotEditable,
    registry_errors.ApplicationAlreadyOpen,
    *CHECK_ERRORS,
)
@openapi.tag("registry")
@openapi.summary("提交业务申请（或重新提交退回的申请）")
@openapi.response(200, json_content(ApplicationOut))
@require(PHYSICIAN)
async def submit_application(request: Request, principal: Principal, application_id: int) -> HTTPResponse:
    view = await applications.submit_application(
        user_id=principal.user_id, application_id=application_id, ip=client_ip(request)
    )
    return out(ApplicationOut.model_validate(view))


@bp.get(f"{R}/applications/<application_id:int>/form.pdf")
@raises(registry_errors.ApplicationNotFound)
@openapi.tag("registry")
@openapi.summary("打印业务申请表（PDF）")
@openapi.response(200, binary_content(PDF), "业务申请表 PDF")
@require()
async def application_form(request: Request, principal: Principal, application_id: int) -> HTTPResponse:
    data = await applications.form_pdf(principal=principal, application_id=application_id)
    return file_out(data, content_type=PDF, filename=f"application-{application_id}.pdf", inline=True)


# ---------------------------------------------------------------- account recovery (no log-in)


@bp.post(f"{R}/recovery/code")
@raises(
    accounts_api.PhoneTaken,
    registry_errors.IdNumberInvalid,
    registry_errors.RecoveryNotMatched,
    *accounts_api.SEND_CODE_ERRORS,
)
@openapi.tag("registry")
@openapi.summary("通过个人信息找回账户：核对信息并向新手机号发送验证码")
@openapi.response(202, json_content(AcceptedOut))
@body(RecoveryCodeIn)
async def recovery_code(request: Request, body: RecoveryCodeIn) -> HTTPResponse:
    await recovery.send_code(**body.model_dump(), ip=client_ip(request))
    return out(AcceptedOut(message="验证码已发送到新手机号"), status=202)


@bp.post(f"{R}/recovery")
@raises(
    accounts_api.PhoneTaken,
    registry_errors.IdNumberInvalid,
    registry_errors.RecoveryNotMatched,
    *accounts_api.VERIFY_CODE_ERRORS,
)
@openapi.tag("registry")
@openapi.summary("通过个人信息找回账户：验证新手机号并更换")
@openapi.response(200, json_content(RecoveryOut))
@body(RecoveryIn)
async def recover(request: Request, body: RecoveryIn) -> HTTPResponse:
    return out(RecoveryOut.model_validate(await recovery.recover(**body.model_dump(), ip=client_ip(request))))


BLUEPRINTS = (bp, institution_routes.bp, commission_routes.bp, lookup_routes.bp)
