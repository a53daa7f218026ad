"""An assessment's result: recorded exam scores, invalidated attempts, and the one place the result is decided.

The exams part reports each scored and each invalidated attempt (events, inside its transaction); the result
follows from the records every time (``settle``), so an invalidation can turn a pass into a fail, or reopen an
assessment for its make-up, with the physician told and the change audited.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from server.assessment.cycles import utcnow
from server.assessment.models import Assessment, AssessmentStatus
from server.assessment.standing import RESULT_STATES, Tally, needs_professional, tally
from server.common import audit
from server.common.outbox import emit
from server.exams import api as exams_api
from server.proctoring import api as proctoring_api

log = logging.getLogger(__name__)

RESULT_READY_EVENT = "assessment.result_ready"
RESULT_CHANGED_EVENT = "assessment.result_changed"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_verification_code() -> str:
    """16 characters from 32 symbols (80 bits): cannot be guessed, easy to type from paper."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))


async def decide_result(assessment: Assessment, *, passed: bool, reason: str) -> None:
    """Set passed/failed once, with a verification code, an audit entry and the outbox event (caller's tx)."""
    if assessment.status in RESULT_STATES:
        return
    result = AssessmentStatus.PASSED if passed else AssessmentStatus.FAILED
    code = new_verification_code()
    now = utcnow()
    await Assessment.filter(id=assessment.id).update(
        status=result, result_decided_at=now, verification_code=code, updated_at=now
    )
    assessment.status, assessment.result_decided_at, assessment.verification_code = result, now, code
    await audit.record(
        action="assessment.result_decided",
        actor_id=None,
        subject_type="assessment",
        subject_id=str(assessment.id),
        details={"result": result.value, "reason": reason},
    )
    await emit(
        kind=RESULT_READY_EVENT,
        user_id=assessment.user_id,
        payload={"assessment_id": assessment.id, "result": result.value, "verification_code": code},
        dedupe_key=f"{RESULT_READY_EVENT}:{assessment.id}",
    )
    # The face images' retention counts from the result
    await proctoring_api.record_result_date(user_id=assessment.user_id, result_at=now)


def exam_outcome(assessment: Assessment, t: Tally) -> tuple[bool, str] | None:
    """(passed, reason) when the exams decide the assessment now, None while an exam is still to come."""
    if needs_professional(assessment) and t.professional_failed_for_good:
        return False, "professional_make_up_failed"
    if not t.humanities_sat:
        return None
    if not t.humanities_passed:
        return False, "humanities_exam"
    if needs_professional(assessment) and not t.professional_passed:
        return None  # the professional exam no longer counts (invalidated): the make-up decides
    return True, "humanities_exam"


async def _project(assessment: Assessment, records: list[dict[str, Any]]) -> Tally:
    """Store the records and what they add up to (the fields clients and office lists read)."""
    t = tally(records)
    values: dict[str, Any] = {
        "exam_records": records,
        "professional_score": t.professional_score,
        "professional_passed": t.professional_passed if t.professional_sat else None,
        "professional_make_up_used": t.professional_make_up_sat,
        "humanities_score": t.humanities_score,
        "humanities_passed": t.humanities_passed if t.humanities_sat else None,
        "updated_at": utcnow(),
    }
    await Assessment.filter(id=assessment.id).update(**values)
    for key, value in values.items():
        setattr(assessment, key, value)
    return t


async def _settle(assessment: Assessment, t: Tally, *, why: str) -> None:
    """Make the result what the exam records now say: decide it, change it, or reopen the assessment."""
    decided = exam_outcome(assessment, t)
    if assessment.status not in RESULT_STATES:
        if decided is not None:
            await decide_result(assessment, passed=decided[0], reason=decided[1])
        return
    was = assessment.status
    now_is = None if decided is None else (AssessmentStatus.PASSED if decided[0] else AssessmentStatus.FAILED)
    if now_is == was:
        return
    values: dict[str, Any] = {"updated_at": utcnow()}
    if now_is is None:  # an exam must be sat again (the make-up): no result, and the old notice is void
        values.update(status=AssessmentStatus.SELF_EVALUATED, result_decided_at=None, verification_code=None)
    else:
        values.update(status=now_is, result_decided_at=utcnow(), verification_code=new_verification_code())
    await Assessment.filter(id=assessment.id).update(**values)
    for key, value in values.items():
        setattr(assessment, key, value)
    await audit.record(
        action="assessment.result_changed",
        actor_id=None,
        subject_type="assessment",
        subject_id=str(assessment.id),
        details={"from": was.value, "to": assessment.status.value, "why": why},
    )
    await emit(
        kind=RESULT_CHANGED_EVENT,
        user_id=assessment.user_id,
        payload={
            "assessment_id": assessment.id,
            "previous_result": was.value,
            "result": now_is.value if now_is else None,
            "verification_code": assessment.verification_code,
            "why": why,
        },
        dedupe_key=f"{RESULT_CHANGED_EVENT}:{assessment.id}:{assessment.status.value}:{utcnow().timestamp()}",
    )


async def _locked(assessment_id: int, user_id: int) -> Assessment | None:
    return await Assessment.select_for_update().get_or_none(id=assessment_id, user_id=user_id)


async def record_scored(event: exams_api.AttemptScored) -> None:
    """A scored attempt of this assessment (inside the scoring transaction); idempotent per attempt."""
    if event.assessment_id is None:
        return  # practice, or an exam outside any assessment
    assessment = await _locked(event.assessment_id, event.user_id)
    if assessment is None:
        # The record moved to another app account since the start: the attempt stands on its own
        log.warning("scored attempt of a record this user no longer holds", extra={"ref": event.attempt_ref})
        return
    if any(r.get("attempt_ref") == event.attempt_ref for r in assessment.exam_records):
        return
    record = {
        "exam_kind": event.exam_kind,
        "attempt_ref": event.attempt_ref,
        "score": event.score,
        "passed": event.passed,
        "is_make_up": event.is_make_up,
        "specialty": event.specialty,
        "recorded_at": utcnow().isoformat(),
    }
    t = await _project(assessment, [*assessment.exam_records, record])
    await audit.record(
        action="assessment.exam_recorded",
        actor_id=event.user_id,
        subject_type="assessment",
        subject_id=str(assessment.id),
        details={
            "exam_kind": event.exam_kind,
            "attempt_ref": event.attempt_ref,
            "score": event.score,
            "passed": event.passed,
        },
    )
    await _settle(assessment, t, why="exam_scored")


async def record_invalidated(event: exams_api.AttemptInvalidated) -> None:
    """The office voided an attempt: it no longer counts (a failed sitting); the result follows."""
    if event.assessment_id is None:
        return
    assessment = await _locked(event.assessment_id, event.user_id)
    if assessment is None:
        return
    records = [
        {**r, "invalidated": True, "passed": False, "invalidated_reason": event.reason}
        if r.get("attempt_ref") == event.attempt_ref
        else r
        for r in assessment.exam_records
    ]
    t = await _project(assessment, records)
    await audit.record(
        action="assessment.exam_invalidated",
        actor_id=event.decided_by,
        subject_type="assessment",
        subject_id=str(assessment.id),
        details={"exam_kind": event.exam_kind, "attempt_ref": event.attempt_ref, "reason": event.reason},
    )
    await _settle(assessment, t, why="exam_invalidated")
