"""Periodic assessment: binding, user notice, enrolment, procedure, self-evaluation, exemption, exams, results.

Every write checks first (binding, notice, window, step), then changes state in one transaction together with its
audit entry, its review item and its outbox event. Windows are per cycle and province, in Asia/Shanghai time.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.functions import Count

from server.accounts import passwords as pw
from server.accounts import service as accounts_service
from server.accounts import sessions
from server.accounts.errors import OldPasswordWrong, PasswordWeak
from server.accounts.models import User
from server.assessment import documents, outcome, registry_adapter
from server.assessment.errors import (
    AccountHidden,
    AccountNotFound,
    AlreadyBound,
    AssessmentNotFound,
    BindingFailed,
    BindingRateLimited,
    CredentialExpired,
    CycleNotFound,
    CycleOverlaps,
    ExamNotAllowed,
    IdentityMismatch,
    InstitutionOutOfScope,
    NoCurrentCycle,
    NotBound,
    NoticeNotFound,
    NoticeVersionOutdated,
    ProofNotFound,
    ProofRequired,
    RegistryDataMissing,
    ResultNotReady,
    UserNoticeRequired,
    WindowClosed,
    WindowInvalid,
    WrongStep,
)
from server.assessment.models import (
    Assessment,
    AssessmentAccount,
    AssessmentRule,
    AssessmentStatus,
    Cycle,
    CycleWindow,
    ExemptionStatus,
    Procedure,
    Proof,
    WindowKind,
)
from server.assessment.review_kinds import (
    ENROLMENT_KIND,
    EXEMPTION_KIND,
    SELF_EVALUATION_KIND,
    SUBJECT_TYPE,
)
from server.common import audit, crypto, scope
from server.common.auth import Principal
from server.common.enums import Role
from server.common.masking import mask_id_number, mask_name
from server.common.outbox import emit
from server.common.uploads import Upload
from server.db import run_atomic
from server.directory import api as directory_api
from server.directory.api import InstitutionInfo as Institution
from server.errors import AppError, Forbidden, ValidationFailed
from server.exams.hooks import Eligibility
from server.integrations import storage
from server.redis import get_redis
from server.workflow import service as workflow_service
from server.workflow.models import ReviewItem, ReviewStatus
from server.workflow.service import region_covers, region_prefix

CN_TZ = ZoneInfo("Asia/Shanghai")
CREDENTIAL_TTL = timedelta(days=7)
_CREDENTIAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"

NOTICE_VERSION = "2024.1"
NOTICE_TITLE = "医师定期考核用户告知书"
NOTICE_TEXT = (
    "一、本系统用于医师定期考核的报名、信息确认、考核程序申请、自评、测评与结果查询。\n"
    "二、您填报和确认的个人信息、执业信息须与医师电子化注册系统保持一致，并对其真实性负责；信息有误的，"
    "请在医师电子化注册中提交信息修改申请。\n"
    "三、您的信息将依法用于定期考核，由所在卫生机构审核、考核机构复核；身份证件号码加密保存，"
    "审核与查阅均留有记录。\n"
    "四、测评前将采集您的头像用于身份核验，测评过程中请独立作答，不得由他人代考。\n"
    "五、请在规定的报名、自评和测评时间内完成各项操作，逾期系统将不再受理。\n"
    "六、考核结果将通过站内消息告知，您可下载打印考核结果通知书，任何人可凭通知书上的验证码核验其真伪。"
)

WINDOW_LABELS = {
    WindowKind.ENROLMENT: "报名",
    WindowKind.SELF_EVALUATION: "自评",
    WindowKind.EXAM: "考试",
    WindowKind.MAKE_UP: "补考",
}

SIMPLIFIED_CONDITIONS = {
    "good_record_5y": "具有5年以上执业经历，考核周期内有良好行为记录",
    "intermediate_title": "具有中级以上专业技术职务任职资格，考核周期内未发生医疗事故及违法违规行为",
    "no_incident_3y": "考核周期内无不良行为记录，且未发生被投诉属实的医疗纠纷",
}

EXEMPTION_REASONS = {
    "senior_title": "具有高级专业技术职务任职资格",
    "provincial_award": "考核周期内获得省部级以上科技奖励或荣誉称号",
    "core_publication": "考核周期内以第一作者在核心期刊发表本专业论文",
    "chief_physician_teaching": "担任医学院校教学或住院医师规范化培训带教工作",
}

EXAM_KINDS = ("humanities", "professional")

_RESULT_STATES = (AssessmentStatus.PASSED, AssessmentStatus.FAILED)


def _now() -> datetime:
    return datetime.now(UTC)


def _today() -> date:
    return datetime.now(CN_TZ).date()


def _local(dt: datetime) -> str:
    return dt.astimezone(CN_TZ).strftime("%Y-%m-%d %H:%M")


def province_of(region_code: str) -> str:
    return region_code[:2] + "0000"


# ---------------------------------------------------------------- cycles and windows


async def current_cycle() -> Cycle:
    cycle = await Cycle.filter(starts_on__lte=_today(), ends_on__gte=_today()).order_by("-starts_on").first()
    if cycle is None:
        raise NoCurrentCycle()
    return cycle


async def find_window(*, cycle_id: int, province_code: str, kind: WindowKind) -> CycleWindow | None:
    return await CycleWindow.get_or_none(cycle_id=cycle_id, province_code=province_code, kind=kind)


def window_error(kind: WindowKind, window: CycleWindow | None) -> WindowClosed:
    label = WINDOW_LABELS[kind]
    if window is None:
        return WindowClosed(f"{label}时间尚未公布，请留意考核机构通知", details={"window": kind.value})
    return WindowClosed(
        f"当前不在{label}时间内（{label}时间：{_local(window.opens_at)} 至 {_local(window.closes_at)}，北京时间）",
        details={
            "window": kind.value,
            "opens_at": window.opens_at.astimezone(CN_TZ).isoformat(),
            "closes_at": window.closes_at.astimezone(CN_TZ).isoformat(),
        },
    )


async def require_window(*, cycle_id: int, province_code: str, kind: WindowKind) -> CycleWindow:
    """The open window of ``kind``, or WINDOW_CLOSED naming it and its dates."""
    window = await find_window(cycle_id=cycle_id, province_code=province_code, kind=kind)
    now = _now()
    if window is None or not window.opens_at <= now < window.closes_at:
        raise window_error(kind, window)
    return window


# ---------------------------------------------------------------- physician context


@dataclass(frozen=True, slots=True)
class Context:
    account: AssessmentAccount
    cycle: Cycle


async def bound_account(*, user_id: int) -> AssessmentAccount:
    account = await AssessmentAccount.get_or_none(user_id=user_id)
    if account is None:
        raise NotBound()
    if account.is_hidden:
        raise AccountHidden()
    return account


async def physician_account(*, user_id: int) -> AssessmentAccount:
    """The bound account of a physician who has accepted the current user notice."""
    account = await bound_account(user_id=user_id)
    if account.notice_version != NOTICE_VERSION:
        raise UserNoticeRequired(details={"notice_version": NOTICE_VERSION})
    return account


async def _context(user_id: int) -> Context:
    account = await physician_account(user_id=user_id)
    return Context(account=account, cycle=await current_cycle())


async def _assessment_of(ctx: Context) -> Assessment | None:
    assessment = await Assessment.get_or_none(account_id=ctx.account.id, cycle_id=ctx.cycle.id)
    return await _sync_withdrawn(assessment) if assessment is not None else None


_WITHDRAWABLE = {
    AssessmentStatus.ENROLMENT_SUBMITTED: (ENROLMENT_KIND, AssessmentStatus.ENROLMENT_RETURNED),
    AssessmentStatus.SELF_EVALUATION_SUBMITTED: (SELF_EVALUATION_KIND, AssessmentStatus.SELF_EVALUATION_RETURNED),
}


async def _latest_item_withdrawn(kind: str, assessment_id: int) -> bool:
    latest = (
        await ReviewItem.filter(kind=kind, subject_type=SUBJECT_TYPE, subject_id=str(assessment_id))
        .order_by("-id")
        .first()
    )
    return latest is not None and latest.status == ReviewStatus.WITHDRAWN


async def _sync_withdrawn(assessment: Assessment) -> Assessment:
    """The engine has no withdrawal callback: a submission the physician withdrew becomes editable again."""
    if assessment.status in _WITHDRAWABLE:
        kind, back = _WITHDRAWABLE[assessment.status]
        if await _latest_item_withdrawn(kind, assessment.id):
            await Assessment.filter(id=assessment.id, status=assessment.status).update(status=back, updated_at=_now())
            assessment.status = back
    if assessment.exemption_status == ExemptionStatus.PENDING and await _latest_item_withdrawn(
        EXEMPTION_KIND, assessment.id
    ):
        await Assessment.filter(id=assessment.id, exemption_status=ExemptionStatus.PENDING).update(
            exemption_status=ExemptionStatus.RETURNED, updated_at=_now()
        )
        assessment.exemption_status = ExemptionStatus.RETURNED
    return assessment


async def _require_assessment(ctx: Context) -> Assessment:
    assessment = await _assessment_of(ctx)
    if assessment is None:
        raise WrongStep("请先完成报名（信息确认）", details={"step": "enrolment"})
    return assessment


def _step_error(assessment: Assessment, message: str) -> WrongStep:
    return WrongStep(message, details={"status": assessment.status.value})


# ---------------------------------------------------------------- binding


def new_credential() -> str:
    return "".join(secrets.choice(_CREDENTIAL_ALPHABET) for _ in range(10))


BIND_FAILURES_MAX = 10
BIND_FAILURES_WINDOW_S = 3600
_BIND_FAIL_KEY = "assessment:bind:fail:{user_id}"


async def _check_bind_attempts(user_id: int) -> None:
    # Each attempt costs an argon2 verification: cap failures per app account so guessing is slow and cheap to refuse
    failures = await get_redis().get(_BIND_FAIL_KEY.format(user_id=user_id))
    if failures is not None and int(failures) >= BIND_FAILURES_MAX:
        raise BindingRateLimited()


async def _count_bind_failure(user_id: int) -> None:
    key = _BIND_FAIL_KEY.format(user_id=user_id)
    async with get_redis().pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, BIND_FAILURES_WINDOW_S)
        await pipe.execute()


async def bind(
    *,
    user_id: int,
    session_id: str,
    province_code: str,
    id_number: str,
    name: str,
    credential: str,
    new_password: str,
    ip: str | None = None,
) -> AssessmentAccount:
    """Bind the app account to the assessment record with the one-time initial credential; sets a new password."""
    user = await User.get(id=user_id)
    if await AssessmentAccount.filter(user_id=user_id).exists():
        raise AlreadyBound()
    await _check_bind_attempts(user_id)
    id_number = crypto.normalise_id_number(id_number)
    account = await AssessmentAccount.get_or_none(
        province_code=province_code, id_number_index=crypto.blind_index(id_number)
    )
    if account is None or account.name != name.strip() or not account.credential_hash:
        await pw.hash_password(credential)  # same time whether or not the record exists
        await _count_bind_failure(user_id)
        raise BindingFailed()
    if not await pw.verify_password(account.credential_hash, credential):
        await _count_bind_failure(user_id)
        raise BindingFailed()
    if account.is_hidden:
        raise AccountHidden()
    if account.credential_used_at is not None or (
        account.credential_expires_at is not None and account.credential_expires_at <= _now()
    ):
        raise CredentialExpired()
    # Identity re-check: an app account that went through real-name verification must be this very person
    own_id = (
        crypto.normalise_id_number(crypto.decrypt(user.id_number_enc, context="id_number"))
        if user.id_number_enc
        else None
    )
    if own_id is not None and own_id != id_number:
        raise IdentityMismatch(field="id_number")
    try:
        accounts_service.check_password_rules(new_password, phone=user.phone, id_number=id_number)
    except PasswordWeak as exc:
        exc.field = "new_password"
        raise
    new_hash = await pw.hash_password(new_password)
    previous_user_id = account.user_id  # type: ignore[attr-defined]

    async def tx() -> None:
        now = _now()
        changed = await AssessmentAccount.filter(
            id=account.id, credential_hash=account.credential_hash, credential_used_at__isnull=True
        ).update(user_id=user_id, bound_at=now, credential_used_at=now, credential_hash=None, updated_at=now)
        if changed != 1:
            raise CredentialExpired()
        if await AssessmentAccount.filter(user_id=user_id).exclude(id=account.id).exists():
            raise AlreadyBound()
        await Assessment.filter(account_id=account.id).update(user_id=user_id, updated_at=now)
        # Where this physician belongs, until (or unless) the registry has its own answer
        await scope.set_affiliation(
            user_id=user_id,
            institution_id=account.institution_id,  # type: ignore[attr-defined]
            region_code=account.region_code,
            source=scope.ASSESSMENT,
        )
        await User.filter(id=user_id).update(password_hash=new_hash, must_change_password=False, updated_at=now)
        ended = await sessions.end_user_sessions(user_id=user_id, keep_sid=session_id)
        await audit.record(
            action="assessment.bind",
            actor_id=user_id,
            subject_type="assessment_account",
            subject_id=str(account.id),
            ip=ip,
            details={"previous_user_id": previous_user_id, "sessions_ended": ended, "password_changed": True},
        )
        await emit(
            kind="account.security",
            user_id=user_id,
            payload={"action": "assessment_bound", "password_changed": True},
        )

    await run_atomic(tx)
    return await AssessmentAccount.get(id=account.id)


async def unbind(*, user_id: int, id_number: str, name: str, password: str, ip: str | None = None) -> None:
    """Release the binding after re-checking identity (ID number, name) and the account password."""
    account = await AssessmentAccount.get_or_none(user_id=user_id)
    if account is None:
        raise NotBound()
    if account.id_number_index != crypto.blind_index(id_number) or account.name != name.strip():
        raise IdentityMismatch()
    user = await User.get(id=user_id)
    if not user.password_hash or not await pw.verify_password(user.password_hash, password):
        raise OldPasswordWrong("登录密码不正确", field="password")

    async def tx() -> None:
        now = _now()
        await AssessmentAccount.filter(id=account.id, user_id=user_id).update(
            user_id=None, bound_at=None, updated_at=now
        )
        await audit.record(
            action="assessment.unbind",
            actor_id=user_id,
            subject_type="assessment_account",
            subject_id=str(account.id),
            ip=ip,
        )

    await run_atomic(tx)


# ---------------------------------------------------------------- user notice


async def notice_status(*, user_id: int) -> dict[str, Any]:
    account = await AssessmentAccount.get_or_none(user_id=user_id)
    accepted = account is not None and account.notice_version == NOTICE_VERSION
    return {
        "version": NOTICE_VERSION,
        "title": NOTICE_TITLE,
        "text": NOTICE_TEXT,
        "accepted": accepted,
        "accepted_at": account.notice_accepted_at if accepted and account else None,
    }


async def accept_notice(*, user_id: int, version: str, ip: str | None = None) -> dict[str, Any]:
    account = await bound_account(user_id=user_id)
    if version != NOTICE_VERSION:
        raise NoticeVersionOutdated(field="version", details={"current_version": NOTICE_VERSION})

    async def tx() -> None:
        now = _now()
        await AssessmentAccount.filter(id=account.id).update(
            notice_version=NOTICE_VERSION, notice_accepted_at=now, updated_at=now
        )
        await audit.record(
            action="assessment.notice_accepted",
            actor_id=user_id,
            subject_type="assessment_account",
            subject_id=str(account.id),
            ip=ip,
            details={"version": NOTICE_VERSION},
        )

    await run_atomic(tx)
    return await notice_status(user_id=user_id)


# ---------------------------------------------------------------- home


_STEPS: dict[AssessmentStatus, tuple[str, str]] = {
    AssessmentStatus.DRAFT: ("enrolment", "确认个人信息并提交报名"),
    AssessmentStatus.ENROLMENT_SUBMITTED: ("enrolment_review", "报名信息审核中，请等待卫生机构审核、考核机构复核"),
    AssessmentStatus.ENROLMENT_RETURNED: ("enrolment", "报名信息已退回或撤回，请核对后重新提交"),
    AssessmentStatus.ENROLMENT_REJECTED: ("enrolment", "报名信息未通过审核，请核对后重新提交"),
    AssessmentStatus.ENROLLED: ("procedure", "选择考核程序（简易程序或一般程序）"),
    AssessmentStatus.PROCEDURE_CHOSEN: ("self_evaluation", "填写执业行为记录、工作成绩、职业道德自评并提交"),
    AssessmentStatus.SELF_EVALUATION_SUBMITTED: ("self_evaluation_review", "自评审核中，请等待审核结果"),
    AssessmentStatus.SELF_EVALUATION_RETURNED: ("self_evaluation", "自评已退回或撤回，请修改后重新提交"),
    AssessmentStatus.PASSED: ("result", "考核合格，可下载考核结果通知书"),
    AssessmentStatus.FAILED: ("result", "考核不合格，可下载考核结果通知书"),
}


def current_step(assessment: Assessment | None) -> tuple[str, str]:
    if assessment is None:
        return _STEPS[AssessmentStatus.DRAFT]
    if assessment.status != AssessmentStatus.SELF_EVALUATED:
        return _STEPS[assessment.status]
    if assessment.procedure == Procedure.GENERAL and not assessment.professional_passed:
        if assessment.exemption_status == ExemptionStatus.PENDING:
            return ("exemption_review", "免考申请审核中，请等待审核结果")
        if assessment.exemption_status != ExemptionStatus.APPROVED:
            if assessment.professional_score is not None:
                return ("professional_make_up", "业务水平测评未通过，请参加补考")
            return ("professional_exam", "参加业务水平测评，或符合条件的提交免考申请")
    return ("humanities_exam", "参加人文医学测评")


async def _windows(cycle_id: int, province_code: str) -> list[CycleWindow]:
    return await CycleWindow.filter(cycle_id=cycle_id, province_code=province_code).order_by("opens_at")


async def home(*, user_id: int) -> dict[str, Any]:
    """Where the physician stands: the step, what to do next, the windows and the previous two cycles."""
    account = await AssessmentAccount.get_or_none(user_id=user_id)
    if account is None:
        return {"bound": False, "current_step": "binding", "next_action": "绑定定考账号", "province_code": None}
    if account.is_hidden:
        raise AccountHidden()
    cycle = await Cycle.filter(starts_on__lte=_today(), ends_on__gte=_today()).order_by("-starts_on").first()
    data: dict[str, Any] = {
        "bound": True,
        "province_code": account.province_code,
        "name": account.name,
        "institution_id": account.institution_id,  # type: ignore[attr-defined]
        "cycle": cycle,
        "windows": await _windows(cycle.id, account.province_code) if cycle else [],
        "assessment": None,
        "previous": [],
    }
    if account.notice_version != NOTICE_VERSION:
        data.update(current_step="user_notice", next_action="阅读并同意《用户告知书》")
    elif cycle is None:
        data.update(current_step="no_cycle", next_action="当前没有进行中的考核周期")
    assessment = await Assessment.get_or_none(account_id=account.id, cycle_id=cycle.id) if cycle else None
    if assessment is not None:
        assessment = await _sync_withdrawn(assessment)
    if "current_step" not in data:
        step, action = current_step(assessment)
        data.update(current_step=step, next_action=action)
    data["assessment"] = assessment
    previous = Assessment.filter(account_id=account.id, status__in=list(_RESULT_STATES))
    if cycle is not None:
        previous = previous.exclude(cycle_id=cycle.id).filter(cycle__starts_on__lt=cycle.starts_on)
    rows = await previous.order_by("-cycle__starts_on").limit(2).prefetch_related("cycle")
    names = await _institution_names({r.institution_id for r in rows})
    data["previous"] = [
        {
            "cycle_name": r.cycle.name,
            "institution_name": names.get(r.institution_id, ""),
            "result": r.status.value,
            "professional_score": r.professional_score,
            "humanities_score": r.humanities_score,
        }
        for r in rows
    ]
    return data


async def _institution_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return await directory_api.institution_names(ids)


# ---------------------------------------------------------------- enrolment


class RegistryDataIncorrect(AppError):
    code, status, message = (
        "REGISTRY_DATA_INCORRECT",
        409,
        "信息有误请在“医师电子化注册”中提交信息修改申请（多点执业信息请办理多执业机构备案业务），审核通过后再来报名",
    )


async def enrolment_view(*, user_id: int, ip: str | None = None) -> dict[str, Any]:
    """The enrolment form pre-filled from the registry (a read of whole personal data: audited)."""
    ctx = await _context(user_id)
    summary = await registry_adapter.registration_summary(user_id=user_id, id_number_index=ctx.account.id_number_index)
    assessment = await _assessment_of(ctx)
    window = await find_window(
        cycle_id=ctx.cycle.id, province_code=ctx.account.province_code, kind=WindowKind.ENROLMENT
    )
    id_number = crypto.decrypt(ctx.account.id_number_enc, context="id_number")
    await audit.record(
        action="assessment.enrolment_read",
        actor_id=user_id,
        subject_type="assessment_account",
        subject_id=str(ctx.account.id),
        ip=ip,
    )
    practice = (summary or {}).get("practice") or {}
    scopes = practice.get("practice_scopes") or []
    return {
        "cycle": ctx.cycle,
        "window": window,
        "status": assessment.status.value if assessment else AssessmentStatus.DRAFT.value,
        "personal": {
            "name": ctx.account.name,
            "id_number": mask_id_number(id_number),
            "province_code": ctx.account.province_code,
        },
        "registry": summary,
        "specialty": (assessment.specialty if assessment and assessment.specialty else (scopes[0] if scopes else None)),
        "registry_found": summary is not None and summary.get("practice") is not None,
    }


async def submit_enrolment(
    *, user_id: int, data_correct: bool, specialty: str, contact_phone: str | None, ip: str | None = None
) -> Assessment:
    """Confirm the registry data and submit the enrolment for institution review and office re-review."""
    ctx = await _context(user_id)
    await require_window(cycle_id=ctx.cycle.id, province_code=ctx.account.province_code, kind=WindowKind.ENROLMENT)
    if not data_correct:
        raise RegistryDataIncorrect(details={"next": "registry.info_change_request"})
    summary = await registry_adapter.registration_summary(user_id=user_id, id_number_index=ctx.account.id_number_index)
    if summary is None or summary.get("practice") is None:
        raise RegistryDataMissing(details={"next": "registry.info_change_request"})
    allowed = (
        AssessmentStatus.DRAFT,
        AssessmentStatus.ENROLMENT_RETURNED,
        AssessmentStatus.ENROLMENT_REJECTED,
    )
    existing = await _assessment_of(ctx)
    if existing is not None and existing.status not in allowed:
        raise _step_error(existing, "报名信息已提交，不能重复提交")
    account = ctx.account
    payload = {
        "cycle_id": ctx.cycle.id,
        "specialty": specialty,
        "contact_phone": contact_phone,
        "registry": summary,
    }

    async def tx() -> Assessment:
        assessment = existing
        if assessment is None:
            belongs = await scope.affiliation_of(user_id)
            assessment, _ = await Assessment.get_or_create(
                account_id=account.id,
                cycle_id=ctx.cycle.id,
                defaults={
                    "user_id": user_id,
                    "institution_id": belongs.institution_id if belongs else account.institution_id,  # type: ignore[attr-defined]
                    "region_code": belongs.region_code if belongs else account.region_code,
                },
            )
        now = _now()
        changed = await Assessment.filter(id=assessment.id, status__in=list(allowed)).update(
            status=AssessmentStatus.ENROLMENT_SUBMITTED, specialty=specialty, updated_at=now
        )
        if changed != 1:
            raise _step_error(assessment, "报名信息已提交，不能重复提交")
        await workflow_service.create_item(
            kind=ENROLMENT_KIND,
            subject_type=SUBJECT_TYPE,
            subject_id=str(assessment.id),
            applicant_id=user_id,
            institution_id=assessment.institution_id,
            region_code=assessment.region_code,
            payload=payload,
            ip=ip,
        )
        return assessment

    assessment = await run_atomic(tx)
    return await Assessment.get(id=assessment.id)


# ---------------------------------------------------------------- proofs


PROOF_KINDS = ("pdf", "jpg", "png")
PROOF_MAX_BYTES = 4 * 1024 * 1024
PROOF_MAX_FILES = 5
PROOF_MAX_TOTAL = 8 * 1024 * 1024  # under the app-wide request limit (10 MB) with multipart overhead


async def upload_proofs(*, user_id: int, uploads: list[Upload], ip: str | None = None) -> list[Proof]:
    """Store proof documents for the current assessment under server-generated names."""
    ctx = await _context(user_id)
    await require_window(
        cycle_id=ctx.cycle.id, province_code=ctx.account.province_code, kind=WindowKind.SELF_EVALUATION
    )
    assessment = await _require_assessment(ctx)
    if assessment.status in _RESULT_STATES:
        raise _step_error(assessment, "考核结果已产生，不能再上传材料")
    stored = [await storage.save(u.data, purpose="assessment_proof", ext=u.kind) for u in uploads]

    async def tx() -> list[Proof]:
        proofs = [
            await Proof.create(
                owner_id=user_id,
                assessment_id=assessment.id,
                storage_key=s.key,
                kind=u.kind,
                filename=u.filename,
                size=s.size,
            )
            for u, s in zip(uploads, stored, strict=True)
        ]
        await audit.record(
            action="assessment.proof_uploaded",
            actor_id=user_id,
            subject_type="assessment",
            subject_id=str(assessment.id),
            ip=ip,
            details={"proof_ids": [p.id for p in proofs]},
        )
        return proofs

    try:
        return await run_atomic(tx)
    except BaseException:
        for s in stored:
            await storage.delete(s.key)
        raise


def _reviewer_covers(principal: Principal, *, institution_id: int, region_code: str) -> bool:
    if principal.role == Role.INSTITUTION_REVIEWER:
        return principal.institution_id is not None and principal.institution_id == institution_id
    if principal.role == Role.OFFICE_REVIEWER:
        return region_covers(principal.region_code, region_code)
    return False


async def load_proof(*, principal: Principal, proof_id: int, ip: str | None = None) -> tuple[Proof, bytes]:
    """A proof for its owner or a reviewer in scope; anyone else is told it does not exist."""
    proof = await Proof.get_or_none(id=proof_id).prefetch_related("assessment")
    if proof is None:
        raise ProofNotFound()
    a = proof.assessment
    if proof.owner_id != principal.user_id and not _reviewer_covers(
        principal, institution_id=a.institution_id, region_code=a.region_code
    ):
        raise ProofNotFound()
    try:
        data = await storage.load(proof.storage_key)
    except FileNotFoundError:
        raise ProofNotFound() from None
    if proof.owner_id != principal.user_id:
        await audit.record(
            action="assessment.proof_read",
            actor_id=principal.user_id,
            subject_type="assessment_proof",
            subject_id=str(proof.id),
            ip=ip,
        )
    return proof, data


async def _own_proofs(assessment: Assessment, user_id: int, proof_ids: list[int]) -> list[int]:
    ids = list(dict.fromkeys(proof_ids))
    found = await Proof.filter(id__in=ids, owner_id=user_id, assessment_id=assessment.id).count() if ids else 0
    if found != len(ids):
        raise ProofNotFound(field="proof_ids")
    return ids


# ---------------------------------------------------------------- procedure


_PROCEDURE_OPEN = (
    AssessmentStatus.ENROLLED,
    AssessmentStatus.PROCEDURE_CHOSEN,
    AssessmentStatus.SELF_EVALUATION_RETURNED,
)


async def choose_procedure(
    *, user_id: int, procedure: Procedure, conditions: list[str], proof_ids: list[int], ip: str | None = None
) -> Assessment:
    """Simplified (conditions ticked, proof uploaded) or general procedure; changeable until self-evaluation."""
    ctx = await _context(user_id)
    await require_window(
        cycle_id=ctx.cycle.id, province_code=ctx.account.province_code, kind=WindowKind.SELF_EVALUATION
    )
    assessment = await _require_assessment(ctx)
    if assessment.status not in _PROCEDURE_OPEN:
        raise _step_error(assessment, "报名审核通过后、提交自评前才能选择考核程序")
    if procedure == Procedure.SIMPLIFIED:
        if not conditions:
            raise ValidationFailed("conditions：申请简易程序请至少勾选一项符合的条件", field="conditions")
        if not proof_ids:
            raise ProofRequired(field="proof_ids")
        proof_ids = await _own_proofs(assessment, user_id, proof_ids)
    else:
        conditions, proof_ids = [], []

    async def tx() -> None:
        now = _now()
        changed = await Assessment.filter(id=assessment.id, status__in=list(_PROCEDURE_OPEN)).update(
            procedure=procedure,
            simplified_conditions=conditions,
            procedure_proof_ids=proof_ids,
            status=AssessmentStatus.PROCEDURE_CHOSEN
            if assessment.status == AssessmentStatus.ENROLLED
            else assessment.status,
            updated_at=now,
        )
        if changed != 1:
            raise _step_error(assessment, "当前考核进度不允许选择考核程序")
        await audit.record(
            action="assessment.procedure_chosen",
            actor_id=user_id,
            subject_type="assessment",
            subject_id=str(assessment.id),
            ip=ip,
            details={"procedure": procedure.value, "conditions": conditions},
        )

    await run_atomic(tx)
    return await Assessment.get(id=assessment.id)


# ---------------------------------------------------------------- self-evaluation


SELF_EVALUATION_PARTS = ("practice_record", "work_performance", "professional_ethics", "work_report")
_SELF_EVAL_EDITABLE = (AssessmentStatus.PROCEDURE_CHOSEN, AssessmentStatus.SELF_EVALUATION_RETURNED)


async def self_evaluation(*, user_id: int) -> Assessment:
    ctx = await _context(user_id)
    return await _require_assessment(ctx)


async def save_self_evaluation(*, user_id: int, draft: dict[str, str | None]) -> Assessment:
    """Save the draft (any subset of parts); only while editable and inside the self-evaluation window."""
    ctx = await _context(user_id)
    await require_window(
        cycle_id=ctx.cycle.id, province_code=ctx.account.province_code, kind=WindowKind.SELF_EVALUATION
    )
    assessment = await _require_assessment(ctx)
    if assessment.status not in _SELF_EVAL_EDITABLE:
        raise _step_error(assessment, "请先选择考核程序；自评提交后不能再修改")
    merged = {**assessment.self_evaluation, **{k: v for k, v in draft.items() if v is not None}}

    async def tx() -> None:
        changed = await Assessment.filter(id=assessment.id, status__in=list(_SELF_EVAL_EDITABLE)).update(
            self_evaluation=merged, updated_at=_now()
        )
        if changed != 1:
            raise _step_error(assessment, "自评已提交，不能再修改")

    await run_atomic(tx)
    return await Assessment.get(id=assessment.id)


async def submit_self_evaluation(*, user_id: int, ip: str | None = None) -> Assessment:
    """Submit the saved self-evaluation (and, for the simplified procedure, the work report) for two reviews."""
    ctx = await _context(user_id)
    await require_window(
        cycle_id=ctx.cycle.id, province_code=ctx.account.province_code, kind=WindowKind.SELF_EVALUATION
    )
    assessment = await _require_assessment(ctx)
    if assessment.status not in _SELF_EVAL_EDITABLE:
        raise _step_error(assessment, "请先选择考核程序；自评已提交的不能重复提交")
    required = ["practice_record", "work_performance", "professional_ethics"]
    if assessment.procedure == Procedure.SIMPLIFIED:
        required.append("work_report")
    for part in required:
        if not (assessment.self_evaluation.get(part) or "").strip():
            raise ValidationFailed(f"{part}：请先填写并保存此项", field=part, details={"missing": part})
    payload = {
        "procedure": assessment.procedure.value if assessment.procedure else None,
        "simplified_conditions": [
            {"code": c, "label": SIMPLIFIED_CONDITIONS.get(c, c)} for c in assessment.simplified_conditions
        ],
        "self_evaluation": assessment.self_evaluation,
        "specialty": assessment.specialty,
    }
    attachments = [{"proof_id": pid} for pid in assessment.procedure_proof_ids]

    async def tx() -> None:
        changed = await Assessment.filter(id=assessment.id, status__in=list(_SELF_EVAL_EDITABLE)).update(
            status=AssessmentStatus.SELF_EVALUATION_SUBMITTED, updated_at=_now()
        )
        if changed != 1:
            raise _step_error(assessment, "自评已提交，不能重复提交")
        await workflow_service.create_item(
            kind=SELF_EVALUATION_KIND,
            subject_type=SUBJECT_TYPE,
            subject_id=str(assessment.id),
            applicant_id=user_id,
            institution_id=assessment.institution_id,
            region_code=assessment.region_code,
            payload=payload,
            attachments=attachments,
            ip=ip,
        )

    await run_atomic(tx)
    return await Assessment.get(id=assessment.id)


# ---------------------------------------------------------------- exemption


async def request_exemption(*, user_id: int, reason: str, proof_ids: list[int], ip: str | None = None) -> Assessment:
    """General procedure only, after the self-evaluation passed and before a professional exam."""
    ctx = await _context(user_id)
    await require_window(
        cycle_id=ctx.cycle.id, province_code=ctx.account.province_code, kind=WindowKind.SELF_EVALUATION
    )
    assessment = await _require_assessment(ctx)
    if (
        assessment.status != AssessmentStatus.SELF_EVALUATED
        or assessment.procedure != Procedure.GENERAL
        or assessment.professional_score is not None
    ):
        raise _step_error(assessment, "一般程序自评审核通过、参加业务水平测评之前才能申请免考")
    if assessment.exemption_status not in (ExemptionStatus.NONE, ExemptionStatus.RETURNED):
        raise _step_error(assessment, "免考申请已提交或已有审核结果")
    if not proof_ids:
        raise ProofRequired(field="proof_ids")
    proof_ids = await _own_proofs(assessment, user_id, proof_ids)
    allowed = [ExemptionStatus.NONE, ExemptionStatus.RETURNED]

    async def tx() -> None:
        changed = await Assessment.filter(id=assessment.id, exemption_status__in=allowed).update(
            exemption_status=ExemptionStatus.PENDING, exemption_reason=reason, updated_at=_now()
        )
        if changed != 1:
            raise _step_error(assessment, "免考申请已提交")
        await workflow_service.create_item(
            kind=EXEMPTION_KIND,
            subject_type=SUBJECT_TYPE,
            subject_id=str(assessment.id),
            applicant_id=user_id,
            institution_id=assessment.institution_id,
            region_code=assessment.region_code,
            payload={"reason": reason, "reason_label": EXEMPTION_REASONS[reason], "specialty": assessment.specialty},
            attachments=[{"proof_id": pid} for pid in proof_ids],
            ip=ip,
        )

    await run_atomic(tx)
    return await Assessment.get(id=assessment.id)


# ---------------------------------------------------------------- exams (the contract the exams part's hooks define)


async def exam_eligibility(*, user_id: int, exam_kind: str) -> Eligibility:
    """May this physician start ``exam_kind`` now? Raises an error naming the missing step or the window."""
    if exam_kind not in EXAM_KINDS:
        raise ExamNotAllowed("测评类型不存在", field="exam_kind")
    ctx = await _context(user_id)
    assessment = await _require_assessment(ctx)
    if assessment.status in _RESULT_STATES:
        raise _step_error(assessment, "本周期考核结果已产生")
    if assessment.status != AssessmentStatus.SELF_EVALUATED:
        raise ExamNotAllowed(
            "自评（工作成绩、职业道德）审核通过后才能参加测评", details={"step": current_step(assessment)[0]}
        )
    is_make_up = False
    if exam_kind == "professional":
        if assessment.procedure != Procedure.GENERAL:
            raise ExamNotAllowed("简易程序无需参加业务水平测评")
        if assessment.exemption_status in (ExemptionStatus.APPROVED, ExemptionStatus.PENDING):
            raise ExamNotAllowed("已申请业务水平测评免考，无需参加业务水平测评")
        if assessment.professional_passed:
            raise ExamNotAllowed("业务水平测评已通过")
        if assessment.professional_score is not None:
            if assessment.professional_make_up_used:
                raise ExamNotAllowed("本周期补考机会已用完")
            is_make_up = True
    else:
        ready = (
            assessment.procedure == Procedure.SIMPLIFIED
            or assessment.professional_passed
            or assessment.exemption_status == ExemptionStatus.APPROVED
        )
        if not ready:
            raise ExamNotAllowed("请先通过业务水平测评或获准免考，再参加人文医学测评")
        if assessment.humanities_score is not None:
            raise ExamNotAllowed("人文医学测评已完成")
    kind = WindowKind.MAKE_UP if is_make_up else WindowKind.EXAM
    window = await require_window(cycle_id=ctx.cycle.id, province_code=ctx.account.province_code, kind=kind)
    return Eligibility(
        assessment_id=assessment.id,
        cycle_id=ctx.cycle.id,
        province_code=ctx.account.province_code,
        region_code=assessment.region_code,
        institution_id=assessment.institution_id,
        is_make_up=is_make_up,
        window_closes_at=window.closes_at,
    )


async def record_exam_result(
    *,
    user_id: int,
    assessment_id: int | None,
    exam_kind: str,
    attempt_ref: str,
    score: float,
    passed: bool,
    is_make_up: bool,
) -> bool | None:
    """Record a scored attempt in the caller's transaction; decides the result when the last exam is in.

    Returns whether the attempt counts as passed here (the office's pass mark applies on top of the paper's own
    section marks), or None for an attempt outside any assessment: the exams part keeps the attempt in line.
    """
    if assessment_id is None:
        return None  # practice or an exam outside any assessment
    assessment = await Assessment.select_for_update().get_or_none(id=assessment_id, user_id=user_id)
    if assessment is None:
        raise AssessmentNotFound()
    for recorded in assessment.exam_records:
        if recorded.get("attempt_ref") == attempt_ref:
            return bool(recorded.get("passed"))
    cycle_id: int = assessment.cycle_id  # type: ignore[attr-defined]
    rule = await AssessmentRule.get_or_none(cycle_id=cycle_id, province_code=province_of(assessment.region_code))
    if rule is not None:
        mark = rule.professional_pass_mark if exam_kind == "professional" else rule.humanities_pass_mark
        # the office's mark is on top of the paper's section marks (a failed law section stays failed)
        passed = passed and score >= mark
    records = [
        *assessment.exam_records,
        {
            "exam_kind": exam_kind,
            "attempt_ref": attempt_ref,
            "score": score,
            "passed": passed,
            "is_make_up": is_make_up,
            "recorded_at": _now().isoformat(),
        },
    ]
    values: dict[str, Any] = {"exam_records": records, "updated_at": _now()}
    if exam_kind == "professional":
        best = max(score, assessment.professional_score or 0) if assessment.professional_score is not None else score
        values.update(professional_score=best, professional_passed=passed or bool(assessment.professional_passed))
        if is_make_up:
            values["professional_make_up_used"] = True
    else:
        values.update(humanities_score=score, humanities_passed=passed)
    await Assessment.filter(id=assessment.id).update(**values)
    for key, value in values.items():
        setattr(assessment, key, value)
    await audit.record(
        action="assessment.exam_recorded",
        actor_id=user_id,
        subject_type="assessment",
        subject_id=str(assessment.id),
        details={"exam_kind": exam_kind, "attempt_ref": attempt_ref, "score": score, "passed": passed},
    )
    if assessment.status in _RESULT_STATES:
        return passed
    if exam_kind == "professional" and not passed and is_make_up:
        await outcome.decide_result(assessment, passed=False, reason="professional_make_up_failed")
    elif exam_kind == "humanities":
        await outcome.decide_result(assessment, passed=passed, reason="humanities_exam")
    return passed


# ---------------------------------------------------------------- results


async def my_result(*, user_id: int) -> tuple[Assessment, Cycle]:
    """The current cycle's assessment with its result (or RESULT_NOT_READY)."""
    ctx = await _context(user_id)
    assessment = await _require_assessment(ctx)
    if assessment.status not in _RESULT_STATES:
        raise ResultNotReady(details={"step": current_step(assessment)[0]})
    return assessment, ctx.cycle


async def result_notice_pdf(*, user_id: int) -> tuple[bytes, str]:
    assessment, cycle = await my_result(user_id=user_id)
    account = await AssessmentAccount.get(id=assessment.account_id)  # type: ignore[attr-defined]
    names = await _institution_names({assessment.institution_id})
    data = await asyncio.get_running_loop().run_in_executor(
        None,
        documents.render_result_notice,
        documents.NoticeData(
            name=account.name,
            id_number=mask_id_number(crypto.decrypt(account.id_number_enc, context="id_number")) or "",
            institution_name=names.get(assessment.institution_id, ""),
            cycle_name=cycle.name,
            specialty=assessment.specialty or "",
            procedure="简易程序" if assessment.procedure == Procedure.SIMPLIFIED else "一般程序",
            passed=assessment.status == AssessmentStatus.PASSED,
            decided_on=(assessment.result_decided_at or _now()).astimezone(CN_TZ).date(),
            verification_code=assessment.verification_code or "",
        ),
    )
    return data, f"result-notice-{assessment.verification_code}.pdf"


async def verify_result_notice(*, verification_code: str) -> dict[str, Any]:
    """Public check of a notice: valid or not, the masked name, the result and the cycle, nothing else."""
    code = verification_code.strip().upper()
    assessment = (
        await Assessment.get_or_none(verification_code=code).prefetch_related("account", "cycle") if code else None
    )
    if assessment is None or assessment.status not in _RESULT_STATES:
        raise NoticeNotFound()
    return {
        "valid": True,
        "name": mask_name(assessment.account.name),
        "result": assessment.status.value,
        "cycle_name": assessment.cycle.name,
    }


# ---------------------------------------------------------------- institution and office


async def _institution_in_scope(principal: Principal, institution_id: int | None) -> Institution:
    if principal.role == Role.INSTITUTION_REVIEWER:
        institution_id = principal.institution_id
    if institution_id is None:
        raise ValidationFailed("institution_id：不能为空", field="institution_id")
    institution = await directory_api.institution(institution_id)
    if institution is None or not _reviewer_covers(
        principal, institution_id=institution.id, region_code=institution.region_code
    ):
        raise InstitutionOutOfScope(field="institution_id")
    return institution


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    account_id: int
    credential: str
    expires_at: datetime
    reset: bool
    name: str
    id_number_masked: str


async def issue_credential(
    *, principal: Principal, id_number: str, name: str, institution_id: int | None, ip: str | None = None
) -> IssuedCredential:
    """Issue (or reset) a physician's random, single-use, expiring initial credential; shown once, stored hashed."""
    institution = await _institution_in_scope(principal, institution_id)
    id_number = crypto.normalise_id_number(id_number)
    index = crypto.blind_index(id_number)
    account = await AssessmentAccount.get_or_none(province_code=institution.province_code, id_number_index=index)
    if account is not None:
        if not _reviewer_covers(principal, institution_id=account.institution_id, region_code=account.region_code):  # type: ignore[attr-defined]
            raise AccountNotFound()
        if account.name != name.strip():
            raise IdentityMismatch("姓名与定考账号登记的姓名不一致", field="name")
    credential = new_credential()
    credential_hash = await pw.hash_password(credential)
    expires_at = _now() + CREDENTIAL_TTL

    async def tx() -> AssessmentAccount:
        values: dict[str, Any] = {
            "credential_hash": credential_hash,
            "credential_expires_at": expires_at,
            "credential_used_at": None,
            "credential_issued_by_id": principal.user_id,
        }
        if account is None:
            created = await AssessmentAccount.create(
                province_code=institution.province_code,
                name=name.strip(),
                id_number_enc=crypto.encrypt(id_number, context="id_number"),
                id_number_index=index,
                institution_id=institution.id,
                region_code=institution.region_code,
                **values,
            )
        else:
            await AssessmentAccount.filter(id=account.id).update(**values, updated_at=_now())
            created = account
        await audit.record(
            action="assessment.credential_issued",
            actor_id=principal.user_id,
            subject_type="assessment_account",
            subject_id=str(created.id),
            ip=ip,
            details={"reset": account is not None, "expires_at": expires_at.isoformat()},
        )
        return created

    saved = await run_atomic(tx)
    return IssuedCredential(
        account_id=saved.id,
        credential=credential,
        expires_at=expires_at,
        reset=account is not None,
        name=saved.name,
        id_number_masked=mask_id_number(id_number) or "",
    )


async def _account_in_scope(principal: Principal, account_id: int) -> AssessmentAccount:
    account = await AssessmentAccount.get_or_none(id=account_id)
    if account is None or not _reviewer_covers(
        principal,
        institution_id=account.institution_id,  # type: ignore[attr-defined]
        region_code=account.region_code,
    ):
        raise AccountNotFound()
    return account


async def find_accounts(*, principal: Principal, id_number: str, ip: str | None = None) -> list[AssessmentAccount]:
    """Assessment accounts of one ID number within the reviewer's scope (to reset, un-hide or correct)."""
    rows = await AssessmentAccount.filter(id_number_index=crypto.blind_index(id_number))
    found = [
        a
        for a in rows
        if _reviewer_covers(principal, institution_id=a.institution_id, region_code=a.region_code)  # type: ignore[attr-defined]
    ]
    await run_atomic(
        audit.record,
        action="assessment.account_lookup",
        actor_id=principal.user_id,
        subject_type="assessment_account",
        subject_id=",".join(str(a.id) for a in found)[:64] or None,
        ip=ip,
    )
    return found


async def set_hidden(
    *, principal: Principal, account_id: int, hidden: bool, ip: str | None = None
) -> AssessmentAccount:
    """Hide an account, or un-hide one hidden by mistake."""
    account = await _account_in_scope(principal, account_id)

    async def tx() -> None:
        await AssessmentAccount.filter(id=account.id).update(is_hidden=hidden, updated_at=_now())
        await audit.record(
            action="assessment.account_hidden" if hidden else "assessment.account_unhidden",
            actor_id=principal.user_id,
            subject_type="assessment_account",
            subject_id=str(account.id),
            ip=ip,
        )

    await run_atomic(tx)
    return await AssessmentAccount.get(id=account.id)


async def correct_specialty(
    *, principal: Principal, assessment_id: int, specialty: str, reason: str, ip: str | None = None
) -> Assessment:
    """Correct the enrolled specialty (报考专业) before the result, with an audit entry of old and new."""
    assessment = await Assessment.get_or_none(id=assessment_id)
    if assessment is None or not _reviewer_covers(
        principal, institution_id=assessment.institution_id, region_code=assessment.region_code
    ):
        raise AssessmentNotFound()
    if assessment.status in _RESULT_STATES:
        raise _step_error(assessment, "考核结果已产生，不能再修改报考专业")
    old = assessment.specialty

    async def tx() -> None:
        await Assessment.filter(id=assessment.id).update(specialty=specialty, updated_at=_now())
        await audit.record(
            action="assessment.specialty_corrected",
            actor_id=principal.user_id,
            subject_type="assessment",
            subject_id=str(assessment.id),
            ip=ip,
            details={"old": old, "new": specialty, "reason": reason},
        )

    await run_atomic(tx)
    return await Assessment.get(id=assessment.id)


async def list_cycles() -> list[Cycle]:
    return await Cycle.all().order_by("-starts_on")


async def create_cycle(
    *, principal: Principal, name: str, starts_on: date, ends_on: date, ip: str | None = None
) -> Cycle:
    """A new three-year cycle (admin); cycles may not overlap, so "the current cycle" is always one."""
    if ends_on <= starts_on:
        raise WindowInvalid("结束日期应晚于开始日期", field="ends_on")
    if await Cycle.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        raise CycleOverlaps(field="starts_on")

    async def tx() -> Cycle:
        cycle = await Cycle.create(name=name, starts_on=starts_on, ends_on=ends_on)
        await audit.record(
            action="assessment.cycle_created",
            actor_id=principal.user_id,
            subject_type="cycle",
            subject_id=str(cycle.id),
            ip=ip,
            details={"name": name, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
        )
        return cycle

    return await run_atomic(tx)


def _office_province(principal: Principal) -> str:
    if principal.role != Role.OFFICE_REVIEWER or not principal.region_code:
        raise Forbidden()
    if not principal.region_code.endswith("0000"):
        raise Forbidden("仅省级考核机构可设置考核时间与分数线")
    return principal.region_code


async def _cycle(cycle_id: int | None) -> Cycle:
    if cycle_id is None:
        return await current_cycle()
    cycle = await Cycle.get_or_none(id=cycle_id)
    if cycle is None:
        raise CycleNotFound(field="cycle_id")
    return cycle


async def list_windows(*, principal: Principal, cycle_id: int | None) -> tuple[Cycle, list[CycleWindow]]:
    cycle = await _cycle(cycle_id)
    province = province_of(principal.region_code or "")
    return cycle, await _windows(cycle.id, province)


async def set_window(
    *,
    principal: Principal,
    cycle_id: int | None,
    kind: WindowKind,
    opens_at: datetime,
    closes_at: datetime,
    ip: str | None = None,
) -> CycleWindow:
    """Set (create or move) one window of the office's province; naive times are Asia/Shanghai."""
    province = _office_province(principal)
    cycle = await _cycle(cycle_id)
    opens_at = opens_at if opens_at.tzinfo else opens_at.replace(tzinfo=CN_TZ)
    closes_at = closes_at if closes_at.tzinfo else closes_at.replace(tzinfo=CN_TZ)
    if closes_at <= opens_at:
        raise WindowInvalid(field="closes_at")

    async def tx() -> CycleWindow:
        window, created = await CycleWindow.get_or_create(
            cycle_id=cycle.id,
            province_code=province,
            kind=kind,
            defaults={"opens_at": opens_at, "closes_at": closes_at},
        )
        if not created:
            window.opens_at, window.closes_at = opens_at, closes_at
            await window.save(update_fields=["opens_at", "closes_at"])
        await audit.record(
            action="assessment.window_set",
            actor_id=principal.user_id,
            subject_type="cycle_window",
            subject_id=str(window.id),
            ip=ip,
            details={"kind": kind.value, "opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat()},
        )
        return window

    return await run_atomic(tx)


async def get_rules(*, principal: Principal, cycle_id: int | None) -> tuple[Cycle, AssessmentRule | None]:
    cycle = await _cycle(cycle_id)
    return cycle, await AssessmentRule.get_or_none(
        cycle_id=cycle.id, province_code=province_of(principal.region_code or "")
    )


async def set_rules(
    *,
    principal: Principal,
    cycle_id: int | None,
    professional_pass_mark: float,
    humanities_pass_mark: float,
    ip: str | None = None,
) -> tuple[Cycle, AssessmentRule]:
    province = _office_province(principal)
    cycle = await _cycle(cycle_id)

    async def tx() -> AssessmentRule:
        rule, _ = await AssessmentRule.get_or_create(cycle_id=cycle.id, province_code=province)
        rule.professional_pass_mark = professional_pass_mark
        rule.humanities_pass_mark = humanities_pass_mark
        rule.updated_by_id = principal.user_id
        await rule.save()
        await audit.record(
            action="assessment.rules_set",
            actor_id=principal.user_id,
            subject_type="assessment_rule",
            subject_id=str(rule.id),
            ip=ip,
            details={"professional": professional_pass_mark, "humanities": humanities_pass_mark},
        )
        return rule

    return cycle, await run_atomic(tx)


PROGRESS_STEPS = (
    "enrolment",
    "enrolment_review",
    "procedure",
    "self_evaluation",
    "self_evaluation_review",
    "exams",
    "passed",
    "failed",
)
_PROGRESS_OF_STATUS = {
    AssessmentStatus.DRAFT: "enrolment",
    AssessmentStatus.ENROLMENT_RETURNED: "enrolment",
    AssessmentStatus.ENROLMENT_REJECTED: "enrolment",
    AssessmentStatus.ENROLMENT_SUBMITTED: "enrolment_review",
    AssessmentStatus.ENROLLED: "procedure",
    AssessmentStatus.PROCEDURE_CHOSEN: "self_evaluation",
    AssessmentStatus.SELF_EVALUATION_RETURNED: "self_evaluation",
    AssessmentStatus.SELF_EVALUATION_SUBMITTED: "self_evaluation_review",
    AssessmentStatus.SELF_EVALUATED: "exams",
    AssessmentStatus.PASSED: "passed",
    AssessmentStatus.FAILED: "failed",
}


async def progress(*, principal: Principal, cycle_id: int | None) -> tuple[Cycle, list[dict[str, Any]]]:
    """Counts at each step per institution in the office's region (one grouped query)."""
    if principal.role != Role.OFFICE_REVIEWER or not principal.region_code:
        raise Forbidden()
    cycle = await _cycle(cycle_id)
    rows = (
        await Assessment.filter(cycle_id=cycle.id, region_code__startswith=region_prefix(principal.region_code))
        .annotate(n=Count("id"))
        .group_by("institution_id", "status")
        .values("institution_id", "status", "n")
    )
    per: dict[int, dict[str, int]] = {}
    for row in rows:
        counts = per.setdefault(int(row["institution_id"]), dict.fromkeys(PROGRESS_STEPS, 0))
        counts[_PROGRESS_OF_STATUS[AssessmentStatus(row["status"])]] += int(row["n"])
    names = await _institution_names(set(per))
    result = [
        {
            "institution_id": inst_id,
            "institution_name": names.get(inst_id, ""),
            "total": sum(counts.values()),
            "counts": counts,
        }
        for inst_id, counts in sorted(per.items())
    ]
    return cycle, result


async def progress_xlsx(*, principal: Principal, cycle_id: int | None, ip: str | None = None) -> tuple[bytes, str]:
    cycle, rows = await progress(principal=principal, cycle_id=cycle_id)
    data = await asyncio.get_running_loop().run_in_executor(None, documents.render_progress_xlsx, cycle.name, rows)
    await run_atomic(
        audit.record,
        action="assessment.progress_exported",
        actor_id=principal.user_id,
        subject_type="cycle",
        subject_id=str(cycle.id),
        ip=ip,
    )
    return data, f"assessment-progress-{cycle.id}.xlsx"
