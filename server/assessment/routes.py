"""HTTP routes of the assessment for physicians: /api/v1/assessment/* and the public result-notice check.

Institutions' and offices' routes are in ``office_routes.py``; the exam start and list in ``exam_routes.py``.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from server.accounts import api as accounts_api
from server.assessment import (
    appeals,
    binding,
    context,
    exam_routes,
    journey,
    lookup_routes,
    office_routes,
    proofs,
    results,
)
from server.assessment import errors as assessment_errors
from server.assessment.schemas import (
    AppealIn,
    AppealListOut,
    AppealOut,
    AssessmentOut,
    BindIn,
    BindingOptionsOut,
    BindingOut,
    CycleOut,
    CycleResultOut,
    EnrolmentIn,
    EnrolmentOut,
    ExemptionIn,
    HomeOut,
    NoticeAcceptIn,
    NoticeOut,
    OptionOut,
    ProcedureIn,
    ProcedureOptionsOut,
    ProofListOut,
    ProofOut,
    ResultOut,
    ResultsOut,
    SelfEvaluationIn,
    SelfEvaluationOut,
    UnbindIn,
    VerificationOut,
)
from server.common import uploads
from server.common.apidoc import raises, upload_form
from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.validation import body, parse, parse_json
from server.common.web import JPEG, PDF, PNG, binary_content, file_out, json_content, out
from server.config import get_settings
from server.errors import InvalidJson, ValidationFailed
from server.integrations import storage

bp = Blueprint("assessment", url_prefix="/api/v1")
P = "/assessment"
PHYSICIAN = Role.PHYSICIAN
REVIEWERS = (Role.INSTITUTION_REVIEWER, Role.OFFICE_REVIEWER)


# ---------------------------------------------------------------- physician


@bp.get(f"{P}/home")
@openapi.tag("assessment")
@openapi.summary("定考首页：当前步骤、下一步、各时间窗口与前两届结果")
@openapi.response(200, json_content(HomeOut))
@require(PHYSICIAN)
async def home(request: Request, principal: Principal) -> HTTPResponse:
    return out(HomeOut.of(await journey.home(user_id=principal.user_id)))


@bp.get(f"{P}/binding/options")
@openapi.tag("assessment")
@openapi.summary("绑定定考账号可用的证件类型，与查不到信息时的“资格补【改】指南”")
@openapi.response(200, json_content(BindingOptionsOut))
@require(PHYSICIAN)
async def binding_options(request: Request, principal: Principal) -> HTTPResponse:
    return out(BindingOptionsOut.build())


@bp.post(f"{P}/binding")
@raises(
    assessment_errors.AlreadyBound,
    assessment_errors.BindingFailed,
    assessment_errors.CredentialExpired,
    assessment_errors.AccountHidden,
    assessment_errors.IdentityMismatch,
    assessment_errors.BindingRateLimited,
    accounts_api.PasswordWeak,
)
@openapi.tag("assessment")
@openapi.summary("绑定定考账号（省份+证件类型与号码+姓名+一次性初始密码，并设置新登录密码）")
@openapi.response(201, json_content(BindingOut))
@body(BindIn)
@require(PHYSICIAN)
async def bind(request: Request, principal: Principal, body: BindIn) -> HTTPResponse:
    account = await binding.bind(
        user_id=principal.user_id, session_id=principal.session_id, ip=client_ip(request), **body.model_dump()
    )
    return out(BindingOut.of(account), status=201)


@bp.delete(f"{P}/binding")
@raises(assessment_errors.NotBound, assessment_errors.IdentityMismatch, accounts_api.OldPasswordWrong)
@openapi.tag("assessment")
@openapi.summary("解除定考账号绑定（核验证件号、姓名与登录密码）")
@openapi.response(200, json_content(BindingOut))
@body(UnbindIn)
@require(PHYSICIAN)
async def unbind(request: Request, principal: Principal, body: UnbindIn) -> HTTPResponse:
    await binding.unbind(user_id=principal.user_id, ip=client_ip(request), **body.model_dump())
    return out(BindingOut(bound=False))


@bp.get(f"{P}/notice")
@openapi.tag("assessment")
@openapi.summary("用户告知书（文本与版本）")
@openapi.response(200, json_content(NoticeOut))
@require(PHYSICIAN)
async def notice(request: Request, principal: Principal) -> HTTPResponse:
    return out(NoticeOut(**await context.notice_status(user_id=principal.user_id)))


@bp.post(f"{P}/notice")
@raises(assessment_errors.NotBound, assessment_errors.NoticeVersionOutdated)
@openapi.tag("assessment")
@openapi.summary("同意用户告知书")
@openapi.response(200, json_content(NoticeOut))
@body(NoticeAcceptIn)
@require(PHYSICIAN)
async def accept_notice(request: Request, principal: Principal, body: NoticeAcceptIn) -> HTTPResponse:
    data = await context.accept_notice(user_id=principal.user_id, version=body.version, ip=client_ip(request))
    return out(NoticeOut(**data))


@bp.get(f"{P}/enrolment")
@raises(assessment_errors.NotBound, assessment_errors.UserNoticeRequired, assessment_errors.NoCurrentCycle)
@openapi.tag("assessment")
@openapi.summary("报名：来自电子化注册的个人、执业、多点执业信息（预填）")
@openapi.response(200, json_content(EnrolmentOut))
@require(PHYSICIAN)
async def enrolment(request: Request, principal: Principal) -> HTTPResponse:
    return out(EnrolmentOut.of(await journey.enrolment_view(user_id=principal.user_id, ip=client_ip(request))))


@bp.post(f"{P}/enrolment")
@raises(
    assessment_errors.NotBound,
    assessment_errors.UserNoticeRequired,
    assessment_errors.NoCurrentCycle,
    assessment_errors.WindowClosed,
    assessment_errors.WrongStep,
    assessment_errors.RegistryDataMissing,
    journey.RegistryDataIncorrect,
)
@openapi.tag("assessment")
@openapi.summary("确认信息并提交报名（卫生机构审核、考核机构复核）")
@openapi.response(201, json_content(AssessmentOut))
@body(EnrolmentIn)
@require(PHYSICIAN)
async def submit_enrolment(request: Request, principal: Principal, body: EnrolmentIn) -> HTTPResponse:
    assessment = await journey.submit_enrolment(user_id=principal.user_id, ip=client_ip(request), **body.model_dump())
    return out(AssessmentOut.of(assessment), status=201)


@bp.get(f"{P}/procedure/options")
@raises(assessment_errors.NotBound, assessment_errors.UserNoticeRequired)
@openapi.tag("assessment")
@openapi.summary("简易程序条件与免考理由（固定列表）")
@openapi.response(200, json_content(ProcedureOptionsOut))
@require(PHYSICIAN)
async def procedure_options(request: Request, principal: Principal) -> HTTPResponse:
    await context.physician_account(user_id=principal.user_id)
    return out(
        ProcedureOptionsOut(
            simplified_conditions=[OptionOut(code=k, label=v) for k, v in journey.SIMPLIFIED_CONDITIONS.items()],
            exemption_reasons=[OptionOut(code=k, label=v) for k, v in journey.EXEMPTION_REASONS.items()],
        )
    )


@bp.put(f"{P}/procedure")
@raises(
    assessment_errors.NotBound,
    assessment_errors.UserNoticeRequired,
    assessment_errors.NoCurrentCycle,
    assessment_errors.WindowClosed,
    assessment_errors.WrongStep,
    assessment_errors.ProofRequired,
    assessment_errors.ProofNotFound,
)
@openapi.tag("assessment")
@openapi.summary("选择考核程序（简易程序须勾选条件并上传证明材料）")
@openapi.response(200, json_content(AssessmentOut))
@body(ProcedureIn)
@require(PHYSICIAN)
async def choose_procedure(request: Request, principal: Principal, body: ProcedureIn) -> HTTPResponse:
    assessment = await journey.choose_procedure(user_id=principal.user_id, ip=client_ip(request), **body.model_dump())
    return out(AssessmentOut.of(assessment))


@bp.get(f"{P}/self-evaluation")
@raises(assessment_errors.NotBound, assessment_errors.UserNoticeRequired)
@openapi.tag("assessment")
@openapi.summary("自评草稿（执业行为记录、工作成绩、职业道德、述职报告）")
@openapi.response(200, json_content(SelfEvaluationOut))
@require(PHYSICIAN)
async def self_evaluation(request: Request, principal: Principal) -> HTTPResponse:
    return out(SelfEvaluationOut.of(await journey.self_evaluation(user_id=principal.user_id)))


@bp.put(f"{P}/self-evaluation")
@raises(
    assessment_errors.NotBound,
    assessment_errors.UserNoticeRequired,
    assessment_errors.NoCurrentCycle,
    assessment_errors.WindowClosed,
    assessment_errors.WrongStep,
)
@openapi.tag("assessment")
@openapi.summary("保存自评草稿")
@openapi.response(200, json_content(SelfEvaluationOut))
@body(SelfEvaluationIn)
@require(PHYSICIAN)
async def save_self_evaluation(request: Request, principal: Principal, body: SelfEvaluationIn) -> HTTPResponse:
    assessment = await journey.save_self_evaluation(user_id=principal.user_id, draft=body.model_dump())
    return out(SelfEvaluationOut.of(assessment))


@bp.post(f"{P}/self-evaluation")
@raises(
    assessment_errors.NotBound,
    assessment_errors.UserNoticeRequired,
    assessment_errors.NoCurrentCycle,
    assessment_errors.WindowClosed,
    assessment_errors.WrongStep,
    ValidationFailed,
)
@openapi.tag("assessment")
@openapi.summary("提交自评（卫生机构审核、考核机构复核）")
@openapi.response(200, json_content(AssessmentOut))
@require(PHYSICIAN)
async def submit_self_evaluation(request: Request, principal: Principal) -> HTTPResponse:
    assessment = await journey.submit_self_evaluation(user_id=principal.user_id, ip=client_ip(request))
    return out(AssessmentOut.of(assessment))


@bp.post(f"{P}/exemption")
@raises(
    assessment_errors.NotBound,
    assessment_errors.UserNoticeRequired,
    assessment_errors.NoCurrentCycle,
    assessment_errors.WindowClosed,
    assessment_errors.WrongStep,
    assessment_errors.ProofRequired,
    assessment_errors.ProofNotFound,
)
@openapi.tag("assessment")
@openapi.summary("业务水平测评免考申请（固定理由+证明材料）")
@openapi.response(201, json_content(AssessmentOut))
@body(ExemptionIn)
@require(PHYSICIAN)
async def request_exemption(request: Request, principal: Principal, body: ExemptionIn) -> HTTPResponse:
    assessment = await journey.request_exemption(user_id=principal.user_id, ip=client_ip(request), **body.model_dump())
    return out(AssessmentOut.of(assessment), status=201)


@bp.post(f"{P}/proofs")
@raises(*storage.ERRORS)
@raises(
    assessment_errors.NotBound,
    assessment_errors.UserNoticeRequired,
    assessment_errors.NoCurrentCycle,
    assessment_errors.WindowClosed,
    assessment_errors.WrongStep,
    *uploads.ERRORS,
)
@upload_form(
    "file",
    proofs.PROOF_KINDS,
    proofs.PROOF_MAX_BYTES,
    description=f"证明材料，可重复此字段一次上传多个，合计不超过 {proofs.PROOF_MAX_TOTAL // (1024 * 1024)} MB",
    multiple=proofs.PROOF_MAX_FILES,
)
@openapi.tag("assessment")
@openapi.summary("上传证明材料（multipart 字段 file，PDF/JPG/PNG，单个 ≤4 MB，每次最多 5 个、合计 ≤8 MB）")
@openapi.response(201, json_content(ProofListOut))
@require(PHYSICIAN)
async def upload_proofs(request: Request, principal: Principal) -> HTTPResponse:
    files = uploads.read_files(
        request,
        field="file",
        allowed=proofs.PROOF_KINDS,
        max_bytes=proofs.PROOF_MAX_BYTES,
        max_files=proofs.PROOF_MAX_FILES,
        max_total_bytes=proofs.PROOF_MAX_TOTAL,
    )
    stored = await proofs.upload_proofs(user_id=principal.user_id, uploads=files, ip=client_ip(request))
    return out(ProofListOut(items=[ProofOut.of(p) for p in stored]), status=201)


@bp.get(f"{P}/proofs/<proof_id:int>")
@raises(*storage.ERRORS)
@raises(assessment_errors.ProofNotFound)
@openapi.tag("assessment")
@openapi.summary("下载证明材料（本人或范围内审核人员）")
@openapi.response(200, binary_content(PDF, JPEG, PNG), "文件内容（PDF/JPG/PNG），附 Content-Disposition")
@require(PHYSICIAN, *REVIEWERS)
async def download_proof(request: Request, proof_id: int, principal: Principal) -> HTTPResponse:
    proof, data = await proofs.load_proof(principal=principal, proof_id=proof_id, ip=client_ip(request))
    name = proof.filename or f"proof-{proof.id}.{proof.kind}"
    return file_out(data, content_type=uploads.CONTENT_TYPES[proof.kind], filename=name)


@bp.get(f"{P}/result")
@raises(
    assessment_errors.NotBound,
    assessment_errors.UserNoticeRequired,
    assessment_errors.NoCurrentCycle,
    assessment_errors.WrongStep,
    assessment_errors.ResultNotReady,
)
@openapi.tag("assessment")
@openapi.summary("本周期考核结果")
@openapi.response(200, json_content(ResultOut))
@require(PHYSICIAN)
async def result(request: Request, principal: Principal) -> HTTPResponse:
    assessment, cycle = await results.my_result(user_id=principal.user_id)
    return out(ResultOut(cycle=CycleOut.of(cycle), assessment=AssessmentOut.of(assessment)))


@bp.get(f"{P}/result/notice.pdf")
@raises(assessment_errors.NotBound, assessment_errors.ResultNotReady, assessment_errors.UserNoticeRequired)
@openapi.tag("assessment")
@openapi.summary("下载考核结果通知书（PDF）")
@openapi.response(200, binary_content(PDF), "考核结果通知书 PDF")
@require(PHYSICIAN)
async def result_notice(request: Request, principal: Principal) -> HTTPResponse:
    data, filename = await results.result_notice_pdf(user_id=principal.user_id)
    return file_out(data, content_type="application/pdf", filename=filename)


@bp.get(f"{P}/results")
@raises(assessment_errors.NotBound, assessment_errors.AccountHidden, assessment_errors.UserNoticeRequired)
@openapi.tag("assessment")
@openapi.summary("考核结果：本周期与前两届，各执业地点的审核或评定情况、结果通知书与成绩申诉")
@openapi.response(200, json_content(ResultsOut))
@require(PHYSICIAN)
async def my_results(request: Request, principal: Principal) -> HTTPResponse:
    items = await results.my_results(user_id=principal.user_id)
    period = get_settings().appeal_period_days
    return out(ResultsOut(items=[CycleResultOut.of(r, period) for r in items]))


@bp.get(f"{P}/results/<assessment_id:int>/notice.pdf")
@raises(
    assessment_errors.NotBound,
    assessment_errors.AccountHidden,
    assessment_errors.UserNoticeRequired,
    assessment_errors.AssessmentNotFound,
    assessment_errors.ResultNotReady,
)
@openapi.tag("assessment")
@openapi.summary("下载某一周期的考核结果通知书（PDF，本人）")
@openapi.response(200, binary_content(PDF), "考核结果通知书 PDF")
@require(PHYSICIAN)
async def cycle_result_notice(request: Request, assessment_id: int, principal: Principal) -> HTTPResponse:
    data, filename = await results.result_notice_pdf(user_id=principal.user_id, assessment_id=assessment_id)
    return file_out(data, content_type="application/pdf", filename=filename)


_APPEAL_BODY = {
    "application/json": AppealIn,
    "multipart/form-data": {
        "type": "object",
        "properties": {
            "reason": {"type": "string", "minLength": 1, "maxLength": appeals.REASON_MAX, "description": "申诉内容"},
            "file": {
                "type": "string",
                "format": "binary",
                "contentMediaType": ", ".join(uploads.CONTENT_TYPES[k] for k in appeals.FILE_KINDS),
                "maxLength": appeals.FILE_MAX_BYTES,
                "description": "可选附件：PDF/JPG/PNG，≤4 MB，1 个",
            },
        },
        "required": ["reason"],
    },
}


def _appeal_input(request: Request) -> tuple[AppealIn, uploads.Upload | None]:
    """JSON ``{"reason"}``, or multipart with the form field ``reason`` and an optional ``file`` (one parser)."""
    if (request.content_type or "").startswith("multipart/form-data"):
        reason = request.form.get("reason") if request.form else None
        form = parse(AppealIn, {} if reason is None else {"reason": reason})
        files = uploads.read_files(
            request, field="file", allowed=appeals.FILE_KINDS, max_bytes=appeals.FILE_MAX_BYTES, required=False
        )
        return form, files[0] if files else None
    return parse_json(request, AppealIn), None


@bp.post(f"{P}/results/<assessment_id:int>/appeals")
@raises(
    assessment_errors.NotBound,
    assessment_errors.AccountHidden,
    assessment_errors.UserNoticeRequired,
    assessment_errors.AssessmentNotFound,
    assessment_errors.ResultNotReady,
    assessment_errors.AppealPeriodOver,
    assessment_errors.AppealAlreadyOpen,
    ValidationFailed,
    InvalidJson,
    *uploads.ERRORS,
)
@openapi.tag("assessment")
@openapi.summary("成绩申诉：对考核结果提出问题（可附 1 个文件），由所在区县考核机构处理")
@openapi.body(_APPEAL_BODY, required=True)
@openapi.response(201, json_content(AppealOut))
@require(PHYSICIAN)
async def file_appeal(request: Request, assessment_id: int, principal: Principal) -> HTTPResponse:
    form, upload = _appeal_input(request)
    appeal = await appeals.file_appeal(
        user_id=principal.user_id, assessment_id=assessment_id, reason=form.reason, upload=upload, ip=client_ip(request)
    )
    return out(AppealOut.of(await appeals.my_appeal(user_id=principal.user_id, appeal_id=appeal.id)), status=201)


@bp.get(f"{P}/appeals")
@openapi.tag("assessment")
@openapi.summary("我的成绩申诉（最新在前）")
@openapi.response(200, json_content(AppealListOut))
@require(PHYSICIAN)
async def my_appeals(request: Request, principal: Principal) -> HTTPResponse:
    items = await appeals.my_appeals(user_id=principal.user_id)
    return out(AppealListOut(items=[AppealOut.of(a) for a in items]))


@bp.get(f"{P}/appeals/<appeal_id:int>")
@raises(assessment_errors.AppealNotFound)
@openapi.tag("assessment")
@openapi.summary("成绩申诉详情与处理结果")
@openapi.response(200, json_content(AppealOut))
@require(PHYSICIAN)
async def my_appeal(request: Request, appeal_id: int, principal: Principal) -> HTTPResponse:
    return out(AppealOut.of(await appeals.my_appeal(user_id=principal.user_id, appeal_id=appeal_id)))


@bp.get(f"{P}/appeals/<appeal_id:int>/file")
@raises(assessment_errors.AppealNotFound)
@openapi.tag("assessment")
@openapi.summary("下载成绩申诉的附件（本人或处理该申诉的考核机构）")
@openapi.response(200, binary_content(PDF, JPEG, PNG), "附件内容（PDF/JPG/PNG），附 Content-Disposition")
@require(PHYSICIAN, Role.OFFICE_REVIEWER)
async def appeal_file(request: Request, appeal_id: int, principal: Principal) -> HTTPResponse:
    appeal, data = await appeals.load_file(principal=principal, appeal_id=appeal_id, ip=client_ip(request))
    kind = appeal.file_kind or "pdf"
    return file_out(
        data, content_type=uploads.CONTENT_TYPES[kind], filename=appeal.file_name or f"appeal-{appeal.id}.{kind}"
    )


@bp.get("/public/result-notices/<verification_code:str>")
@raises(assessment_errors.NoticeNotFound)
@openapi.tag("assessment")
@openapi.summary("核验考核结果通知书（公开，无需登录）")
@openapi.response(200, json_content(VerificationOut))
async def verify_notice(request: Request, verification_code: str) -> HTTPResponse:
    return out(VerificationOut(**await results.verify_result_notice(verification_code=verification_code[:64])))


BLUEPRINTS = (bp, office_routes.bp, exam_routes.bp, lookup_routes.bp)
