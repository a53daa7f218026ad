"""Deciding an assessment's result: one place, called from exam results and from review callbacks."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from server.assessment.models import Assessment, AssessmentStatus
from server.common import audit
from server.common.outbox import emit

RESULT_READY_EVENT = "assessment.result_ready"
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_verification_code() -> str:
    """16 characters from 32 symbols (80 bits): cannot be guessed, easy to type from paper."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))


async def decide_result(assessment: Assessment, *, passed: bool, reason: str) -> None:
    """Set passed/failed once, with a verification code, an audit entry and the outbox event (caller's tx)."""
    if assessment.status in (AssessmentStatus.PASSED, AssessmentStatus.FAILED):
        return
    result = AssessmentStatus.PASSED if passed else AssessmentStatus.FAILED
    code = new_verification_code()
    now = datetime.now(UTC)
    await Assessment.filter(id=assessment.id).update(
        status=result, result_decided_at=now, verification_code=code, updated_at=now
    )
    assessment.status = result
    assessment.result_decided_at = now
    assessment.verification_code = code
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
