"""Who may sit which exam, and when: the assessment decides, the exams part runs the attempt.

``POST /api/v1/exams/{exam_kind}/attempts`` and ``GET /api/v1/exams/`` are served here because the decision is
the assessment's (step, procedure, exemption, make-up, window, specialty); the exams part receives it as an
``Eligibility`` and knows nothing of assessments.
"""

from __future__ import annotations

from typing import Any

from server.assessment.context import context_of, require_assessment, step_error
from server.assessment.cycles import require_window
from server.assessment.errors import ExamNotAllowed
from server.assessment.models import AssessmentStatus, ExemptionStatus, Procedure, WindowKind
from server.assessment.standing import RESULT_STATES, current_step, tally
from server.config import get_settings
from server.directory import api as directory_api
from server.errors import AppError
from server.exams import api as exams_api
from server.exams.api import Eligibility

EXAM_KINDS = exams_api.EXAM_KINDS


async def exam_eligibility(*, user_id: int, exam_kind: str) -> Eligibility:
    """May this physician start ``exam_kind`` now? Raises an error naming the missing step or the window."""
    if exam_kind not in EXAM_KINDS:
        raise ExamNotAllowed("测评类型不存在", field="exam_kind")
    ctx = await context_of(user_id)
    assessment = await require_assessment(ctx)
    if assessment.status in RESULT_STATES:
        raise step_error(assessment, "本周期考核结果已产生")
    if assessment.status != AssessmentStatus.SELF_EVALUATED:
        raise ExamNotAllowed(
            "自评（工作成绩、职业道德）审核通过后才能参加测评", details={"step": current_step(assessment)[0]}
        )
    t = tally(assessment.exam_records)
    is_make_up = False
    if exam_kind == "professional":
        if assessment.procedure != Procedure.GENERAL:
            raise ExamNotAllowed("简易程序无需参加业务水平测评")
        if assessment.exemption_status in (ExemptionStatus.APPROVED, ExemptionStatus.PENDING):
            raise ExamNotAllowed("已申请业务水平测评免考，无需参加业务水平测评")
        if t.professional_passed:
            raise ExamNotAllowed("业务水平测评已通过")
        if t.professional_sat:
            if t.professional_make_up_sat:
                raise ExamNotAllowed("本周期补考机会已用完")
            is_make_up = True
    else:
        ready = (
            assessment.procedure == Procedure.SIMPLIFIED
            or t.professional_passed
            or assessment.exemption_status == ExemptionStatus.APPROVED
        )
        if not ready:
            raise ExamNotAllowed("请先通过业务水平测评或获准免考，再参加人文医学测评")
        if t.humanities_sat:
            raise ExamNotAllowed("人文医学测评已完成")
    kind = WindowKind.MAKE_UP if is_make_up else WindowKind.EXAM
    window = await require_window(cycle_id=ctx.cycle.id, region_code=ctx.account.region_code, kind=kind)
    return Eligibility(
        assessment_id=assessment.id,
        cycle_id=ctx.cycle.id,
        province_code=ctx.account.province_code,
        region_code=assessment.region_code,
        institution_id=assessment.institution_id,
        is_make_up=is_make_up,
        window_closes_at=window.closes_at,
        specialty=directory_api.specialty_of(assessment.specialty),  # the enrolled scope's exam specialty
        practice_scope=assessment.specialty,
    )


def _open_to_all() -> Eligibility | None:
    """The load benchmark's candidates sit exams outside any assessment (a setting refused in production)."""
    if not get_settings().exams_open_to_all:
        return None
    return Eligibility(
        assessment_id=None,
        cycle_id=None,
        province_code="110000",
        region_code=None,
        institution_id=None,
        is_make_up=False,
        window_closes_at=None,
        capture_required=False,
    )


async def _eligibility(user_id: int, exam_kind: str) -> Eligibility:
    return _open_to_all() or await exam_eligibility(user_id=user_id, exam_kind=exam_kind)


async def start_exam(
    *, user_id: int, exam_kind: str, capture_id: str, device_id: str, session_id: str, ip: str | None
) -> tuple[dict[str, Any], bool]:
    """Start (or resume on the same device) the exam this physician may sit now."""
    eligibility = await _eligibility(user_id, exam_kind)
    attempt, created = await exams_api.start_attempt(
        user_id=user_id,
        exam_kind=exam_kind,
        eligibility=eligibility,
        capture_id=capture_id,
        device_id=device_id,
        session_id=session_id,
        ip=ip,
    )
    return await exams_api.attempt_view(attempt), created


async def my_exams(*, user_id: int) -> list[dict[str, Any]]:
    """Both exams with whether each may be sat now, and why not."""
    decided: dict[str, Eligibility | AppError] = {}
    for kind in EXAM_KINDS:
        try:
            decided[kind] = await _eligibility(user_id, kind)
        except AppError as exc:
            decided[kind] = exc
    return await exams_api.list_my_exams(user_id=user_id, eligibilities=decided)
