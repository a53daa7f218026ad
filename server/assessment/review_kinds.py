"""The three assessment kinds reviewed by the one engine: institution review, then office re-review.

Callbacks run inside the engine's deciding transaction and move the assessment on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server.assessment.models import Assessment, AssessmentStatus, ExemptionStatus
from server.assessment.outcome import decide_result
from server.common.enums import Role
from server.workflow.kinds import KindSpec, Step, register_kind
from server.workflow.models import ReviewItem

ENROLMENT_KIND = "assessment_enrolment"
SELF_EVALUATION_KIND = "assessment_self_evaluation"
EXEMPTION_KIND = "assessment_exemption"
SUBJECT_TYPE = "assessment"

CHAIN = [Step(Role.INSTITUTION_REVIEWER, "institution"), Step(Role.OFFICE_REVIEWER, "region")]


async def _set(item: ReviewItem, allowed: tuple[AssessmentStatus, ...], **values: Any) -> None:
    now = datetime.now(UTC)
    await Assessment.filter(id=int(item.subject_id), status__in=list(allowed)).update(**values, updated_at=now)


_ENROLMENT_OPEN = (AssessmentStatus.ENROLMENT_SUBMITTED, AssessmentStatus.ENROLMENT_RETURNED)
_SELF_EVAL_OPEN = (AssessmentStatus.SELF_EVALUATION_SUBMITTED, AssessmentStatus.SELF_EVALUATION_RETURNED)


async def _enrolment_approved(item: ReviewItem) -> None:
    await _set(
        item,
        _ENROLMENT_OPEN,
        status=AssessmentStatus.ENROLLED,
        enrolment=item.payload,
        specialty=item.payload.get("specialty"),
    )


async def _enrolment_rejected(item: ReviewItem) -> None:
    await _set(item, _ENROLMENT_OPEN, status=AssessmentStatus.ENROLMENT_REJECTED)


async def _enrolment_returned(item: ReviewItem) -> None:
    await _set(item, _ENROLMENT_OPEN, status=AssessmentStatus.ENROLMENT_RETURNED)


async def _self_evaluation_approved(item: ReviewItem) -> None:
    await _set(item, _SELF_EVAL_OPEN, status=AssessmentStatus.SELF_EVALUATED)


async def _self_evaluation_rejected(item: ReviewItem) -> None:
    # 工作成绩、职业道德评定不合格: the assessment fails (a correctable mistake is returned, not rejected)
    assessment = await Assessment.get_or_none(id=int(item.subject_id), status__in=list(_SELF_EVAL_OPEN))
    if assessment is not None:
        await decide_result(assessment, passed=False, reason="self_evaluation_rejected")


async def _self_evaluation_returned(item: ReviewItem) -> None:
    await _set(item, _SELF_EVAL_OPEN, status=AssessmentStatus.SELF_EVALUATION_RETURNED)


async def _exemption(item: ReviewItem, status: ExemptionStatus) -> None:
    now = datetime.now(UTC)
    await Assessment.filter(
        id=int(item.subject_id), exemption_status__in=[ExemptionStatus.PENDING, ExemptionStatus.RETURNED]
    ).update(exemption_status=status, updated_at=now)


async def _exemption_approved(item: ReviewItem) -> None:
    await _exemption(item, ExemptionStatus.APPROVED)


async def _exemption_rejected(item: ReviewItem) -> None:
    await _exemption(item, ExemptionStatus.REJECTED)


async def _exemption_returned(item: ReviewItem) -> None:
    await _exemption(item, ExemptionStatus.RETURNED)


def register() -> None:
    register_kind(
        KindSpec(
            name=ENROLMENT_KIND,
            title="定期考核报名（信息确认）",
            chain=CHAIN,
            on_approved=_enrolment_approved,
            on_rejected=_enrolment_rejected,
            on_returned=_enrolment_returned,
        ),
        replace=True,
    )
    register_kind(
        KindSpec(
            name=SELF_EVALUATION_KIND,
            title="定期考核自评（工作成绩、职业道德）",
            chain=CHAIN,
            on_approved=_self_evaluation_approved,
            on_rejected=_self_evaluation_rejected,
            on_returned=_self_evaluation_returned,
        ),
        replace=True,
    )
    register_kind(
        KindSpec(
            name=EXEMPTION_KIND,
            title="业务水平测评免考申请",
            chain=CHAIN,
            on_approved=_exemption_approved,
            on_rejected=_exemption_rejected,
            on_returned=_exemption_returned,
        ),
        replace=True,
    )


register()
