"""The assessment's three reviewed kinds (institution review, then office re-review), and what each decision does.

The review engine publishes every final decision and every withdrawal; here they move the assessment on, inside
the engine's transaction. A decision that finds the assessment no longer where it expects it (changed by
something else meanwhile) raises ``SubjectChanged``: the engine's decision is undone with it, and the reviewer
is told to refresh.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from server.assessment import appeals
from server.assessment.cycles import utcnow
from server.assessment.errors import AppealNoteRequired
from server.assessment.models import Assessment, AssessmentStatus, ExemptionStatus
from server.assessment.outcome import decide_result
from server.common.apidoc import raises
from server.workflow import api as workflow_api

ENROLMENT_KIND = "assessment_enrolment"
SELF_EVALUATION_KIND = "assessment_self_evaluation"
EXEMPTION_KIND = "assessment_exemption"
SUBJECT_TYPE = "assessment"
APPEAL_KIND = appeals.APPEAL_KIND
KINDS = (ENROLMENT_KIND, SELF_EVALUATION_KIND, EXEMPTION_KIND, APPEAL_KIND)

_ENROLMENT_OPEN = (AssessmentStatus.ENROLMENT_SUBMITTED,)
_SELF_EVAL_OPEN = (AssessmentStatus.SELF_EVALUATION_SUBMITTED,)


async def _move(event: workflow_api.ReviewEvent, allowed: tuple[AssessmentStatus, ...], **values: Any) -> None:
    changed = await Assessment.filter(id=int(event.subject_id), status__in=list(allowed)).update(
        **values, updated_at=utcnow()
    )
    if changed != 1:
        raise workflow_api.SubjectChanged(details={"assessment_id": int(event.subject_id), "kind": event.kind})


async def _move_exemption(event: workflow_api.ReviewEvent, status: ExemptionStatus) -> None:
    changed = await Assessment.filter(id=int(event.subject_id), exemption_status=ExemptionStatus.PENDING).update(
        exemption_status=status, updated_at=utcnow()
    )
    if changed != 1:
        raise workflow_api.SubjectChanged(details={"assessment_id": int(event.subject_id), "kind": event.kind})


# ---------------------------------------------------------------- decisions


async def _enrolment(event: workflow_api.ReviewDecided) -> None:
    if event.decision == "approved":
        specialty = event.payload.get("specialty")
        await _move(
            event, _ENROLMENT_OPEN, status=AssessmentStatus.ENROLLED, enrolment=event.payload, specialty=specialty
        )
    elif event.decision == "rejected":
        await _move(event, _ENROLMENT_OPEN, status=AssessmentStatus.ENROLMENT_REJECTED)
    else:
        await _move(event, _ENROLMENT_OPEN, status=AssessmentStatus.ENROLMENT_RETURNED)


async def _self_evaluation(event: workflow_api.ReviewDecided) -> None:
    if event.decision == "approved":
        await _move(event, _SELF_EVAL_OPEN, status=AssessmentStatus.SELF_EVALUATED)
    elif event.decision == "rejected":
        # 工作成绩、职业道德评定不合格: the assessment fails (a correctable mistake is returned, not rejected)
        assessment = await Assessment.get_or_none(id=int(event.subject_id), status__in=list(_SELF_EVAL_OPEN))
        if assessment is None:
            raise workflow_api.SubjectChanged(details={"assessment_id": int(event.subject_id), "kind": event.kind})
        await decide_result(assessment, passed=False, reason="self_evaluation_rejected")
    else:
        await _move(event, _SELF_EVAL_OPEN, status=AssessmentStatus.SELF_EVALUATION_RETURNED)


async def _exemption(event: workflow_api.ReviewDecided) -> None:
    status = {
        "approved": ExemptionStatus.APPROVED,
        "rejected": ExemptionStatus.REJECTED,
        "returned": ExemptionStatus.RETURNED,
    }[event.decision]
    await _move_exemption(event, status)


_DECIDERS: dict[str, Callable[[workflow_api.ReviewDecided], Awaitable[None]]] = {
    ENROLMENT_KIND: _enrolment,
    SELF_EVALUATION_KIND: _self_evaluation,
    EXEMPTION_KIND: _exemption,
    APPEAL_KIND: appeals.apply_decision,
}


@raises(AppealNoteRequired)  # upholding an appeal without saying what happens next
async def apply_decision(event: workflow_api.ReviewDecided) -> None:
    decide = _DECIDERS.get(event.kind)
    if decide is not None:
        await decide(event)
    elif workflow_api.KINDS[event.kind].owner == "assessment":
        raise RuntimeError(f"the assessment owns review kind {event.kind!r} but does not apply it")


# ---------------------------------------------------------------- withdrawals


async def apply_withdrawal(event: workflow_api.ReviewWithdrawn) -> None:
    """The physician took a submission back: it becomes editable again (nothing else changes)."""
    if event.kind == ENROLMENT_KIND:
        await _move(event, _ENROLMENT_OPEN, status=AssessmentStatus.ENROLMENT_RETURNED)
    elif event.kind == SELF_EVALUATION_KIND:
        await _move(event, _SELF_EVAL_OPEN, status=AssessmentStatus.SELF_EVALUATION_RETURNED)
    elif event.kind == EXEMPTION_KIND:
        await _move_exemption(event, ExemptionStatus.RETURNED)
    elif event.kind == APPEAL_KIND:
        await appeals.apply_withdrawal(event)
