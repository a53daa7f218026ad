"""HTTP routes of the assessment part: /api/v1/assessment/* and the public result-notice check."""

from __future__ import annotations

from urllib.parse import quote

from pydantic import BaseModel
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, raw
from sanic_ext import openapi

from server.assessment import binding, context, cycles, exam_access, journey, office, proofs, results
from server.assessment import errors as assessment_errors
from server.assessment.schemas import (
    AccountListOut,
    AccountOut,
    AccountQuery,
    AssessmentOut,
    BindIn,
    BindingOut,
    CredentialIn,
    CredentialOut,
    CycleIn,
    CycleListOut,
    CycleOut,
    CycleQuery,
    EnrolmentIn,
    EnrolmentOut,
    ExemptionIn,
    HomeOut,
    NoticeAcceptIn,
    NoticeOut,
    OptionOut,
    ProcedureIn,
    ProcedureOptionsOut,
    ProgressOut,
    ProgressRowOut,
    ProofListOut,
    ProofOut,
    ResultOut,
    RulesIn,
    RulesOut,
    SelfEvaluationIn,
    SelfEvaluationOut,
    SpecialtyIn,
    UnbindIn,
    VerificationOut,
    WindowIn,
    WindowListOut,
    WindowOut,
)
from server.common import scope, uploads
from server.common.apidoc import raises
from server.common.auth import Principal, require
from server.common.enums import Role
from server.common.http import client_ip
from server.common.validation import body, query
from server.errors import ValidationFailed
from server.exams import api as exams_api
from server.exams.api import AttemptOut, MyExamListOut, StartAttemptIn
from server.proctoring.api import FaceCaptureRequired

bp = Blueprint("assessment", url_prefix="/api/v1")
# The exam start and list belong here (the assessment decides who may sit which exam) under the exams paths
exams_bp = Blueprint("assessment_exams", url_prefix="/api/v1/exams")
P = "/assessment"
PHYSICIAN = Role.PHYSICIAN
REVIEWERS = (Role.INSTITUTION_REVIEWER, Role.OFFICE_REVIEWER)
BINARY = {"type": "string", "format": "binary"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _out(model: BaseModel, status: int = 200) -> HTTPResponse:
    return json(model.model_dump(mode="json"), status=status, ensure_ascii=False)


def _ok(model: type) -> dict:
    return {"application/json": model}


def _file(data: bytes, *, content_type: str, filename: str, inline: bool = False) -> HTTPResponse:
    disposition = "inline" if inline else "attachment"
    ascii_name = filename.encode("ascii", "ignore").decode() or "file"
    ascii_name = ascii_name.replace('"', "").replace("\\", "")
    return raw(
        data,
        content_type=content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# ---------------------------------------------------------------- physician


@bp.get(f"{P}/home")
@openapi.tag("assessment")
@openapi.summary("定考首页：当前步骤、下一步、各时间窗口与前两届结果")
@openapi.response(200, _ok(HomeOut))
@require(PHYSICIAN)
async def home(request: Request, principal: Principal) -> HTTPResponse:
    return _out(HomeOut.of(await journey.home(user_id=principal.user_id)))


@bp.post(f"{P}/binding")
@raises(
    assessment_errors.AlreadyBound,
    assessment_errors.BindingFailed,
    assessment_errors.CredentialExpired,
    assessment_errors.AccountHidden,
    assessment_errors.IdentityMismatch,
    assessment_errors.BindingRateLimited,
)
@openapi.tag("assessment")
@openapi.summary("绑定定考账号（省份+证件号+姓名+一次性初始密码，并设置新登录密码）")
@openapi.response(201, _ok(BindingOut))
@body(BindIn)
@require(PHYSICIAN)
async def bind(request: Request, principal: Principal, body: BindIn) -> HTTPResponse:
    account = await binding.bind(
        user_id=principal.user_id, session_id=principal.session_id, ip=client_ip(request), **body.model_dump()
    )
    return _out(BindingOut.of(account), status=201)


@bp.delete(f"{P}/binding")
@openapi.tag("assessment")
@openapi.summary("解除定考账号绑定（核验证件号、姓名与登录密码）")
@openapi.response(200, _ok(BindingOut))
@body(UnbindIn)
@require(PHYSICIAN)
async def unbind(request: Request, principal: Principal, body: UnbindIn) -> HTTPResponse:
    await binding.unbind(user_id=principal.user_id, ip=client_ip(request), **body.model_dump())
    return _out(BindingOut(bound=False))


@bp.get(f"{P}/notice")
@openapi.tag("assessment")
@openapi.summary("用户告知书（文本与版本）")
@openapi.response(200, _ok(NoticeOut))
@require(PHYSICIAN)
async def notice(request: Request, principal: Principal) -> HTTPResponse:
    return _out(NoticeOut(**await context.notice_status(user_id=principal.user_id)))


@bp.post(f"{P}/notice")
@raises(assessment_errors.NotBound, assessment_errors.NoticeVersionOutdated)
@openapi.tag("assessment")
@openapi.summary("同意用户告知书")
@openapi.response(200, _ok(NoticeOut))
@body(NoticeAcceptIn)
@require(PHYSICIAN)
async def accept_notice(request: Request, principal: Principal, body: NoticeAcceptIn) -> HTTPResponse:
    data = await context.accept_notice(user_id=principal.user_id, version=body.version, ip=client_ip(request))
    return _out(NoticeOut(**data))


@bp.get(f"{P}/enrolment")
@raises(assessment_errors.NotBound, assessment_errors.UserNoticeRequired, assessment_errors.NoCurrentCycle)
@openapi.tag("assessment")
@openapi.summary("报名：来自电子化注册的个人、执业、多点执业信息（预填）")
@openapi.response(200, _ok(EnrolmentOut))
@require(PHYSICIAN)
async def enrolment(request: Request, principal: Principal) -> HTTPResponse:
    return _out(EnrolmentOut.of(await journey.enrolment_view(user_id=principal.user_id, ip=client_ip(request))))


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
@openapi.response(201, _ok(AssessmentOut))
@body(EnrolmentIn)
@require(PHYSICIAN)
async def submit_enrolment(request: Request, principal: Principal, body: EnrolmentIn) -> HTTPResponse:
    assessment = await journey.submit_enrolment(user_id=principal.user_id, ip=client_ip(request), **body.model_dump())
    return _out(AssessmentOut.of(assessment), status=201)


@bp.get(f"{P}/procedure/options")
@openapi.tag("assessment")
@openapi.summary("简易程序条件与免考理由（固定列表）")
@openapi.response(200, _ok(ProcedureOptionsOut))
@require(PHYSICIAN)
async def procedure_options(request: Request, principal: Principal) -> HTTPResponse:
    await context.physician_account(user_id=principal.user_id)
    return _out(
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
@openapi.response(200, _ok(AssessmentOut))
@body(ProcedureIn)
@require(PHYSICIAN)
async def choose_procedure(request: Request, principal: Principal, body: ProcedureIn) -> HTTPResponse:
    assessment = await journey.choose_procedure(user_id=principal.user_id, ip=client_ip(request), **body.model_dump())
    return _out(AssessmentOut.of(assessment))


@bp.get(f"{P}/self-evaluation")
@openapi.tag("assessment")
@openapi.summary("自评草稿（执业行为记录、工作成绩、职业道德、述职报告）")
@openapi.response(200, _ok(SelfEvaluationOut))
@require(PHYSICIAN)
async def self_evaluation(request: Request, principal: Principal) -> HTTPResponse:
    return _out(SelfEvaluationOut.of(await journey.self_evaluation(user_id=principal.user_id)))


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
@openapi.response(200, _ok(SelfEvaluationOut))
@body(SelfEvaluationIn)
@require(PHYSICIAN)
async def save_self_evaluation(request: Request, principal: Principal, body: SelfEvaluationIn) -> HTTPResponse:
    assessment = await journey.save_self_evaluation(user_id=principal.user_id, draft=body.model_dump())
    return _out(SelfEvaluationOut.of(assessment))


@bp.post(f"{P}/self-evaluation")
@raises(
    assessment_errors.NotBound,
    assessment_errors.UserNoticeRequired,
    assessment_errors.NoCurrentCycle,
    assessment_errors.WindowClosed,
    assessment_errors.WrongStep,
)
@openapi.tag("assessment")
@openapi.summary("提交自评（卫生机构审核、考核机构复核）")
@openapi.response(200, _ok(AssessmentOut))
@require(PHYSICIAN)
async def submit_self_evaluation(request: Request, principal: Principal) -> HTTPResponse:
    assessment = await journey.submit_self_evaluation(user_id=principal.user_id, ip=client_ip(request))
    return _out(AssessmentOut.of(assessment))


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
@openapi.response(201, _ok(AssessmentOut))
@body(ExemptionIn)
@require(PHYSICIAN)
async def request_exemption(request: Request, principal: Principal, body: ExemptionIn) -> HTTPResponse:
    assessment = await journey.request_exemption(user_id=principal.user_id, ip=client_ip(request), **body.model_dump())
    return _out(AssessmentOut.of(assessment), status=201)


@bp.post(f"{P}/proofs")
@raises(
    assessment_errors.NotBound,
    assessment_errors.UserNoticeRequired,
    assessment_errors.NoCurrentCycle,
    assessment_errors.WindowClosed,
    assessment_errors.WrongStep,
)
@openapi.tag("assessment")
@openapi.summary("上传证明材料（multipart 字段 file，PDF/JPG/PNG，单个 ≤4 MB，每次最多 5 个、合计 ≤8 MB）")
@openapi.response(201, _ok(ProofListOut))
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
    return _out(ProofListOut(items=[ProofOut.of(p) for p in stored]), status=201)


@bp.get(f"{P}/proofs/<proof_id:int>")
@openapi.tag("assessment")
@openapi.summary("下载证明材料（本人或范围内审核人员）")
@openapi.response(200, {"application/octet-stream": BINARY}, "文件内容（PDF/JPG/PNG），附 Content-Disposition")
@require(PHYSICIAN, *REVIEWERS)
async def download_proof(request: Request, proof_id: int, principal: Principal) -> HTTPResponse:
    proof, data = await proofs.load_proof(principal=principal, proof_id=proof_id, ip=client_ip(request))
    name = proof.filename or f"proof-{proof.id}.{proof.kind}"
    return _file(data, content_type=uploads.CONTENT_TYPES[proof.kind], filename=name)


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
@openapi.response(200, _ok(ResultOut))
@require(PHYSICIAN)
async def result(request: Request, principal: Principal) -> HTTPResponse:
    assessment, cycle = await results.my_result(user_id=principal.user_id)
    return _out(ResultOut(cycle=CycleOut.of(cycle), assessment=AssessmentOut.of(assessment)))


@bp.get(f"{P}/result/notice.pdf")
@openapi.tag("assessment")
@openapi.summary("下载考核结果通知书（PDF）")
@openapi.response(200, {"application/pdf": BINARY}, "考核结果通知书 PDF")
@require(PHYSICIAN)
async def result_notice(request: Request, principal: Principal) -> HTTPResponse:
    data, filename = await results.result_notice_pdf(user_id=principal.user_id)
    return _file(data, content_type="application/pdf", filename=filename)


@bp.get("/public/result-notices/<verification_code:str>")
@openapi.tag("assessment")
@openapi.summary("核验考核结果通知书（公开，无需登录）")
@openapi.response(200, _ok(VerificationOut))
async def verify_notice(request: Request, verification_code: str) -> HTTPResponse:
    return _out(VerificationOut(**await results.verify_result_notice(verification_code=verification_code[:64])))


# ---------------------------------------------------------------- institution and office


@bp.post(f"{P}/credentials")
@openapi.tag("assessment-admin")
@openapi.summary("发放或重置定考账号一次性初始密码")
@openapi.response(201, _ok(CredentialOut))
@body(CredentialIn)
@require(*REVIEWERS)
async def issue_credential(request: Request, principal: Principal, body: CredentialIn) -> HTTPResponse:
    issued = await office.issue_credential(principal=principal, ip=client_ip(request), **body.model_dump())
    return _out(CredentialOut.of(issued), status=201)


@bp.get(f"{P}/accounts")
@openapi.tag("assessment-admin")
@openapi.summary("按证件号查找本机构/本辖区的定考账号")
@openapi.response(200, _ok(AccountListOut))
@query(AccountQuery)
@require(*REVIEWERS)
async def find_accounts(request: Request, principal: Principal, query: AccountQuery) -> HTTPResponse:
    accounts = await office.find_accounts(principal=principal, id_number=query.id_number, ip=client_ip(request))
    return _out(AccountListOut(items=[AccountOut.of(a) for a in accounts]))


@bp.post(f"{P}/accounts/<account_id:int>/unhide")
@openapi.tag("assessment-admin")
@openapi.summary("解除误隐藏的定考账号")
@openapi.response(200, _ok(AccountOut))
@require(*REVIEWERS)
async def unhide(request: Request, account_id: int, principal: Principal) -> HTTPResponse:
    account = await office.set_hidden(principal=principal, account_id=account_id, hidden=False, ip=client_ip(request))
    return _out(AccountOut.of(account))


@bp.put(f"{P}/enrolments/<assessment_id:int>/specialty")
@openapi.tag("assessment-admin")
@openapi.summary("更正医师报考专业（留审计记录）")
@openapi.response(200, _ok(AssessmentOut))
@body(SpecialtyIn)
@require(*REVIEWERS)
async def correct_specialty(
    request: Request, assessment_id: int, principal: Principal, body: SpecialtyIn
) -> HTTPResponse:
    assessment = await office.correct_specialty(
        principal=principal, assessment_id=assessment_id, ip=client_ip(request), **body.model_dump()
    )
    return _out(AssessmentOut.of(assessment))


@bp.get(f"{P}/cycles")
@openapi.tag("assessment-admin")
@openapi.summary("考核周期列表")
@openapi.response(200, _ok(CycleListOut))
@require(*REVIEWERS, Role.ADMIN)
async def list_cycles(request: Request, principal: Principal) -> HTTPResponse:
    return _out(CycleListOut(items=[CycleOut.of(c) for c in await cycles.list_cycles()]))


@bp.post(f"{P}/cycles")
@openapi.tag("assessment-admin")
@openapi.summary("新建考核周期（平台管理员）")
@openapi.response(201, _ok(CycleOut))
@body(CycleIn)
@require(Role.ADMIN)
async def create_cycle(request: Request, principal: Principal, body: CycleIn) -> HTTPResponse:
    cycle = await cycles.create_cycle(principal=principal, ip=client_ip(request), **body.model_dump())
    return _out(CycleOut.of(cycle), status=201)


@bp.get(f"{P}/windows")
@openapi.tag("assessment-admin")
@openapi.summary("本省考核时间窗口")
@openapi.response(200, _ok(WindowListOut))
@query(CycleQuery)
@require(Role.OFFICE_REVIEWER)
async def list_windows(request: Request, principal: Principal, query: CycleQuery) -> HTTPResponse:
    cycle, windows = await cycles.list_windows(principal=principal, cycle_id=query.cycle_id)
    province = scope.province_of(principal.region_code or "")
    return _out(
        WindowListOut(cycle=CycleOut.of(cycle), province_code=province, items=[WindowOut.of(w) for w in windows])
    )


@bp.put(f"{P}/windows")
@openapi.tag("assessment-admin")
@openapi.summary("设置考核时间窗口（报名/自评/考试/补考）")
@openapi.response(200, _ok(WindowOut))
@body(WindowIn)
@require(Role.OFFICE_REVIEWER)
async def set_window(request: Request, principal: Principal, body: WindowIn) -> HTTPResponse:
    window = await cycles.set_window(principal=principal, ip=client_ip(request), **body.model_dump())
    return _out(WindowOut.of(window))


@bp.get(f"{P}/rules")
@openapi.tag("assessment-admin")
@openapi.summary("本省分数线（考生看到并据以评分的分数线，由测评规则保存）")
@openapi.response(200, _ok(RulesOut))
@query(CycleQuery)
@require(Role.OFFICE_REVIEWER)
async def get_rules(request: Request, principal: Principal, query: CycleQuery) -> HTTPResponse:
    cycle, marks = await office.get_rules(principal=principal, cycle_id=query.cycle_id)
    return _out(RulesOut.of(cycle, marks))


@bp.put(f"{P}/rules")
@openapi.tag("assessment-admin")
@openapi.summary("设置分数线")
@openapi.response(200, _ok(RulesOut))
@body(RulesIn)
@require(Role.OFFICE_REVIEWER)
async def set_rules(request: Request, principal: Principal, body: RulesIn) -> HTTPResponse:
    cycle, marks = await office.set_rules(principal=principal, ip=client_ip(request), **body.model_dump())
    return _out(RulesOut.of(cycle, marks))


@bp.get(f"{P}/progress")
@openapi.tag("assessment-admin")
@openapi.summary("各机构考核进度（各步骤人数）")
@openapi.response(200, _ok(ProgressOut))
@query(CycleQuery)
@require(Role.OFFICE_REVIEWER)
async def progress(request: Request, principal: Principal, query: CycleQuery) -> HTTPResponse:
    cycle, rows = await office.progress(principal=principal, cycle_id=query.cycle_id)
    return _out(ProgressOut(cycle=CycleOut.of(cycle), items=[ProgressRowOut(**r) for r in rows]))


@bp.get(f"{P}/progress.xlsx")
@openapi.tag("assessment-admin")
@openapi.summary("导出各机构考核进度（Excel）")
@openapi.response(200, {XLSX: BINARY}, "Excel 工作簿")
@query(CycleQuery)
@require(Role.OFFICE_REVIEWER)
async def progress_xlsx(request: Request, principal: Principal, query: CycleQuery) -> HTTPResponse:
    data, filename = await office.progress_xlsx(principal=principal, cycle_id=query.cycle_id, ip=client_ip(request))
    return _file(data, content_type=XLSX, filename=filename)


# ---------------------------------------------------------------- exams: who may sit which (the assessment decides)


def _exam_kind(exam_kind: str) -> str:
    if exam_kind not in exam_access.EXAM_KINDS:
        raise ValidationFailed("考试类型应为 humanities 或 professional", field="exam_kind")
    return exam_kind


@exams_bp.get("/")
@openapi.tag("exams")
@openapi.summary("我的考试（可参加、进行中、已合格等；各部分合格分与报考专业）")
@openapi.response(200, _ok(MyExamListOut))
@require(PHYSICIAN)
async def my_exams(request: Request, principal: Principal) -> HTTPResponse:
    return _out(MyExamListOut.model_validate({"items": await exam_access.my_exams(user_id=principal.user_id)}))


@exams_bp.post("/<exam_kind:str>/attempts")
@raises(
    assessment_errors.ExamNotAllowed,
    assessment_errors.WindowClosed,
    assessment_errors.WrongStep,
    assessment_errors.NotBound,
    assessment_errors.UserNoticeRequired,
    exams_api.errors.ExamNotAvailable,
    exams_api.errors.ExamAlreadyPassed,
    exams_api.errors.ExamAttemptsExhausted,
    exams_api.errors.MakeUpNotAllowed,
    exams_api.errors.MakeUpUsed,
    exams_api.errors.ExamDeviceMismatch,
    exams_api.errors.BankInsufficient,
    FaceCaptureRequired,
)
@openapi.tag("exams")
@openapi.summary("开始考试（需先通过头像采集）；同一设备重复请求返回进行中的考试")
@openapi.response(201, _ok(AttemptOut))
@body(StartAttemptIn)
@require(PHYSICIAN)
async def start_attempt(request: Request, exam_kind: str, body: StartAttemptIn, principal: Principal) -> HTTPResponse:
    view, created = await exam_access.start_exam(
        user_id=principal.user_id,
        exam_kind=_exam_kind(exam_kind),
        capture_id=body.capture_id,
        device_id=body.device_id,
        ip=client_ip(request),
    )
    return _out(AttemptOut(**view), status=201 if created else 200)


BLUEPRINTS = (bp, exams_bp)
