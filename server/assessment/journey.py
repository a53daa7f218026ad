"""The physician's assessment steps: home, enrolment, procedure, self-evaluation and exemption."""

from __future__ import annotations

from typing import Any

from server.assessment.context import (
    NOTICE_VERSION,
    assessment_of,
    context_of,
    require_assessment,
    step_error,
)
from server.assessment.cycles import find_window, require_window, today, utcnow, windows_of
from server.assessment.errors import (
    AccountHidden,
    ProofRequired,
    RegistryDataMissing,
)
from server.assessment.models import (
    Assessment,
    AssessmentAccount,
    AssessmentStatus,
    Cycle,
    ExemptionStatus,
    Procedure,
    WindowKind,
)
from server.assessment.proofs import own_proofs
from server.assessment.reviews import ENROLMENT_KIND, EXEMPTION_KIND, SELF_EVALUATION_KIND, SUBJECT_TYPE
from server.assessment.standing import RESULT_STATES, current_step, tally
from server.common import audit, crypto, scope
from server.common.masking import mask_id_number
from server.db import run_atomic
from server.directory import api as directory_api
from server.errors import AppError, ValidationFailed
from server.registry import api as registry_api
from server.workflow import api as workflow_api

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


async def home(*, user_id: int) -> dict[str, Any]:
    """Where the physician stands: the step, what to do next, the windows and the previous two cycles."""
    account = await AssessmentAccount.get_or_none(user_id=user_id)
    if account is None:
        return {"bound": False, "current_step": "binding", "next_action": "绑定定考账号", "province_code": None}
    if account.is_hidden:
        raise AccountHidden()
    cycle = await Cycle.filter(starts_on__lte=today(), ends_on__gte=today()).order_by("-starts_on").first()
    data: dict[str, Any] = {
        "bound": True,
        "province_code": account.province_code,
        "name": account.name,
        "institution_id": account.institution_id,  # type: ignore[attr-defined]
        "cycle": cycle,
        "windows": await windows_of(cycle.id, account.region_code) if cycle else [],
        "assessment": None,
        "previous": [],
    }
    if account.notice_version != NOTICE_VERSION:
        data.update(current_step="user_notice", next_action="阅读并同意《用户告知书》")
    elif cycle is None:
        data.update(current_step="no_cycle", next_action="当前没有进行中的考核周期")
    assessment = await Assessment.get_or_none(account_id=account.id, cycle_id=cycle.id) if cycle else None
    if "current_step" not in data:
        step, action = current_step(assessment)
        data.update(current_step=step, next_action=action)
    data["assessment"] = assessment
    previous = Assessment.filter(account_id=account.id, status__in=list(RESULT_STATES))
    if cycle is not None:
        previous = previous.exclude(cycle_id=cycle.id).filter(cycle__starts_on__lt=cycle.starts_on)
    rows = await previous.order_by("-cycle__starts_on").limit(2).prefetch_related("cycle")
    names = await institution_names({r.institution_id for r in rows})
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


async def institution_names(ids: set[int]) -> dict[int, str]:
    return await directory_api.institution_names(ids)


class RegistryDataIncorrect(AppError):
    code, status, message = (
        "REGISTRY_DATA_INCORRECT",
        409,
        "信息有误请在“医师电子化注册”中提交信息修改申请（多点执业信息请办理多执业机构备案业务），审核通过后再来报名",
    )


async def enrolment_view(*, user_id: int, ip: str | None = None) -> dict[str, Any]:
    """The enrolment form pre-filled from the registry (a read of whole personal data: audited)."""
    ctx = await context_of(user_id)
    summary = await registry_api.registration_summary(user_id=user_id, id_number_index=ctx.account.id_number_index)
    assessment = await assessment_of(ctx)
    window = await find_window(cycle_id=ctx.cycle.id, region_code=ctx.account.region_code, kind=WindowKind.ENROLMENT)
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
    ctx = await context_of(user_id)
    await require_window(cycle_id=ctx.cycle.id, region_code=ctx.account.region_code, kind=WindowKind.ENROLMENT)
    if not data_correct:
        raise RegistryDataIncorrect(details={"next": "registry.info_change_request"})
    summary = await registry_api.registration_summary(user_id=user_id, id_number_index=ctx.account.id_number_index)
    if summary is None or summary.get("practice") is None:
        raise RegistryDataMissing(details={"next": "registry.info_change_request"})
    allowed = (
        AssessmentStatus.DRAFT,
        AssessmentStatus.ENROLMENT_RETURNED,
        AssessmentStatus.ENROLMENT_REJECTED,
    )
    existing = await assessment_of(ctx)
    if existing is not None and existing.status not in allowed:
        raise step_error(existing, "报名信息已提交，不能重复提交")
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
        await _move_and_submit(
            assessment,
            user_id=user_id,
            guard={"status__in": list(allowed)},
            changes={"status": AssessmentStatus.ENROLMENT_SUBMITTED, "specialty": specialty},
            already="报名信息已提交，不能重复提交",
            kind=ENROLMENT_KIND,
            payload=payload,
            ip=ip,
        )
        return assessment

    assessment = await run_atomic(tx)
    return await Assessment.get(id=assessment.id)


_PROCEDURE_OPEN = (
    AssessmentStatus.ENROLLED,
    AssessmentStatus.PROCEDURE_CHOSEN,
    AssessmentStatus.SELF_EVALUATION_RETURNED,
)


async def choose_procedure(
    *, user_id: int, procedure: Procedure, conditions: list[str], proof_ids: list[int], ip: str | None = None
) -> Assessment:
    """Simplified (conditions ticked, proof uploaded) or general procedure; changeable until self-evaluation."""
    ctx = await context_of(user_id)
    await require_window(cycle_id=ctx.cycle.id, region_code=ctx.account.region_code, kind=WindowKind.SELF_EVALUATION)
    assessment = await require_assessment(ctx)
    if assessment.status not in _PROCEDURE_OPEN:
        raise step_error(assessment, "报名审核通过后、提交自评前才能选择考核程序")
    if procedure == Procedure.SIMPLIFIED:
        if not conditions:
            raise ValidationFailed("conditions：申请简易程序请至少勾选一项符合的条件", field="conditions")
        if not proof_ids:
            raise ProofRequired(field="proof_ids")
        proof_ids = await own_proofs(assessment, user_id, proof_ids)
    else:
        conditions, proof_ids = [], []

    async def tx() -> None:
        now = utcnow()
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
            raise step_error(assessment, "当前考核进度不允许选择考核程序")
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


SELF_EVALUATION_PARTS = ("practice_record", "work_performance", "professional_ethics", "work_report")

_SELF_EVAL_EDITABLE = (AssessmentStatus.PROCEDURE_CHOSEN, AssessmentStatus.SELF_EVALUATION_RETURNED)


async def self_evaluation(*, user_id: int) -> Assessment:
    ctx = await context_of(user_id)
    return await require_assessment(ctx)


async def save_self_evaluation(*, user_id: int, draft: dict[str, str | None]) -> Assessment:
    """Save the draft (any subset of parts); only while editable and inside the self-evaluation window."""
    ctx = await context_of(user_id)
    await require_window(cycle_id=ctx.cycle.id, region_code=ctx.account.region_code, kind=WindowKind.SELF_EVALUATION)
    assessment = await require_assessment(ctx)
    if assessment.status not in _SELF_EVAL_EDITABLE:
        raise step_error(assessment, "请先选择考核程序；自评提交后不能再修改")
    merged = {**assessment.self_evaluation, **{k: v for k, v in draft.items() if v is not None}}

    async def tx() -> None:
        changed = await Assessment.filter(id=assessment.id, status__in=list(_SELF_EVAL_EDITABLE)).update(
            self_evaluation=merged, updated_at=utcnow()
        )
        if changed != 1:
            raise step_error(assessment, "自评已提交，不能再修改")

    await run_atomic(tx)
    return await Assessment.get(id=assessment.id)


async def submit_self_evaluation(*, user_id: int, ip: str | None = None) -> Assessment:
    """Submit the saved self-evaluation (and, for the simplified procedure, the work report) for two reviews."""
    ctx = await context_of(user_id)
    await require_window(cycle_id=ctx.cycle.id, region_code=ctx.account.region_code, kind=WindowKind.SELF_EVALUATION)
    assessment = await require_assessment(ctx)
    if assessment.status not in _SELF_EVAL_EDITABLE:
        raise step_error(assessment, "请先选择考核程序；自评已提交的不能重复提交")
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
        await _move_and_submit(
            assessment,
            user_id=user_id,
            guard={"status__in": list(_SELF_EVAL_EDITABLE)},
            changes={"status": AssessmentStatus.SELF_EVALUATION_SUBMITTED},
            already="自评已提交，不能重复提交",
            kind=SELF_EVALUATION_KIND,
            payload=payload,
            attachments=attachments,
            ip=ip,
        )

    await run_atomic(tx)
    return await Assessment.get(id=assessment.id)


async def request_exemption(*, user_id: int, reason: str, proof_ids: list[int], ip: str | None = None) -> Assessment:
    """General procedure only, after the self-evaluation passed and before a professional exam."""
    ctx = await context_of(user_id)
    await require_window(cycle_id=ctx.cycle.id, region_code=ctx.account.region_code, kind=WindowKind.SELF_EVALUATION)
    assessment = await require_assessment(ctx)
    if (
        assessment.status != AssessmentStatus.SELF_EVALUATED
        or assessment.procedure != Procedure.GENERAL
        or tally(assessment.exam_records).professional_sat
    ):
        raise step_error(assessment, "一般程序自评审核通过、参加业务水平测评之前才能申请免考")
    if assessment.exemption_status not in (ExemptionStatus.NONE, ExemptionStatus.RETURNED):
        raise step_error(assessment, "免考申请已提交或已有审核结果")
    if not proof_ids:
        raise ProofRequired(field="proof_ids")
    proof_ids = await own_proofs(assessment, user_id, proof_ids)
    allowed = [ExemptionStatus.NONE, ExemptionStatus.RETURNED]

    async def tx() -> None:
        await _move_and_submit(
            assessment,
            user_id=user_id,
            guard={"exemption_status__in": allowed},
            changes={"exemption_status": ExemptionStatus.PENDING, "exemption_reason": reason},
            already="免考申请已提交",
            kind=EXEMPTION_KIND,
            payload={"reason": reason, "reason_label": EXEMPTION_REASONS[reason], "specialty": assessment.specialty},
            attachments=[{"proof_id": pid} for pid in proof_ids],
            ip=ip,
        )

    await run_atomic(tx)
    return await Assessment.get(id=assessment.id)


async def _move_and_submit(
    assessment: Assessment,
    *,
    user_id: int,
    guard: dict[str, Any],
    changes: dict[str, Any],
    already: str,
    kind: str,
    payload: dict[str, Any],
    attachments: list[Any] | None = None,
    ip: str | None,
) -> None:
    """Inside the caller's transaction: move the assessment on only if it is still where ``guard`` says (else the
    step error ``already``: a double tap or a second device), then hand the step to the review engine."""
    changed = await Assessment.filter(id=assessment.id, **guard).update(**changes, updated_at=utcnow())
    if changed != 1:
        raise step_error(assessment, already)
    await workflow_api.submit_item(
        kind=kind,
        subject_type=SUBJECT_TYPE,
        subject_id=str(assessment.id),
        applicant_id=user_id,
        institution_id=assessment.institution_id,
        region_code=assessment.region_code,
        payload=payload,
        attachments=attachments,
        ip=ip,
    )
