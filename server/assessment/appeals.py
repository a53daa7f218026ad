"""成绩申诉: a physician questions a published result; the assessment office decides through the review engine.

One open appeal per result (a unique column the database keeps), only within ``appeal_period_days`` of the result.
The review engine queues it for the office of the institution's district (and the offices above it), with the
usual approve / reject-with-reason / return, history and scope; its decision comes back here as ``ReviewDecided``
and the physician is told through the outbox (``assessment.appeal_decided``). Upholding an appeal changes no
result by itself: the office writes down what it will do (its decision's comment), then corrects the result
through its own tools.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from server.assessment.context import physician_account
from server.assessment.cycles import CN_TZ, utcnow
from server.assessment.errors import (
    AppealAlreadyOpen,
    AppealNoteRequired,
    AppealNotFound,
    AppealPeriodOver,
    AssessmentNotFound,
    ResultNotReady,
)
from server.assessment.models import Appeal, AppealStatus, Assessment
from server.assessment.standing import RESULT_STATES
from server.common import audit
from server.common.auth import Principal
from server.common.outbox import emit
from server.common.uploads import Upload
from server.config import get_settings
from server.db import run_atomic
from server.integrations import storage
from server.workflow import api as workflow_api

APPEAL_KIND = "assessment_appeal"
SUBJECT_TYPE = "assessment_appeal"
DECIDED_EVENT = "assessment.appeal_decided"
FILE_KINDS = ("pdf", "jpg", "png")
FILE_MAX_BYTES = 4 * 1024 * 1024
REASON_MAX = 1000
RESULT_LABELS = {"passed": "合格", "failed": "不合格"}
STATUS_LABELS = {
    AppealStatus.PENDING: "待考核机构处理",
    AppealStatus.UPHELD: "申诉成立，考核机构将按处理意见更正",
    AppealStatus.DISMISSED: "申诉不成立",
    AppealStatus.RETURNED: "已退回，可补充后重新申诉",
    AppealStatus.WITHDRAWN: "已撤回",
}
_DECIDED = {
    "approved": AppealStatus.UPHELD,
    "rejected": AppealStatus.DISMISSED,
    "returned": AppealStatus.RETURNED,
}


def deadline_of(assessment: Assessment) -> datetime | None:
    """Until when the result may be appealed; None while there is no result."""
    if assessment.status not in RESULT_STATES or assessment.result_decided_at is None:
        return None
    return assessment.result_decided_at + timedelta(days=get_settings().appeal_period_days)


def may_appeal(assessment: Assessment, *, open_appeal: bool) -> bool:
    deadline = deadline_of(assessment)
    return deadline is not None and utcnow() < deadline and not open_appeal


async def _own_assessment(user_id: int, assessment_id: int) -> Assessment:
    account = await physician_account(user_id=user_id)
    assessment = await Assessment.get_or_none(id=assessment_id, account_id=account.id).prefetch_related("cycle")
    if assessment is None:
        raise AssessmentNotFound(field="assessment_id")
    return assessment


async def file_appeal(
    *, user_id: int, assessment_id: int, reason: str, upload: Upload | None, ip: str | None = None
) -> Appeal:
    """State what is wrong with a result (and attach one file) for the office to decide."""
    assessment = await _own_assessment(user_id, assessment_id)
    if assessment.status not in RESULT_STATES:
        raise ResultNotReady()
    deadline = deadline_of(assessment)
    if deadline is None or utcnow() >= deadline:
        raise AppealPeriodOver(
            details={
                "deadline": deadline.astimezone(CN_TZ).isoformat() if deadline else None,
                "period_days": get_settings().appeal_period_days,
            }
        )
    if await Appeal.filter(open_for=assessment.id).exists():
        raise AppealAlreadyOpen()
    stored = await storage.save(upload.data, purpose="assessment_appeal", ext=upload.kind) if upload else None
    result = assessment.status.value
    cycle = assessment.cycle

    async def tx() -> Appeal:
        try:
            appeal = await Appeal.create(
                assessment_id=assessment.id,
                user_id=user_id,
                institution_id=assessment.institution_id,
                region_code=assessment.region_code,
                reason=reason,
                open_for=assessment.id,
                file_key=stored.key if stored else None,
                file_kind=upload.kind if upload else None,
                file_name=upload.filename if upload else "",
                file_size=stored.size if stored else None,
            )
        except IntegrityError:  # a second device filed one a moment ago
            raise AppealAlreadyOpen() from None
        item = await workflow_api.submit_item(
            kind=APPEAL_KIND,
            subject_type=SUBJECT_TYPE,
            subject_id=str(appeal.id),
            applicant_id=user_id,
            institution_id=assessment.institution_id,
            region_code=assessment.region_code,
            payload={
                "appeal_id": appeal.id,
                "assessment_id": assessment.id,
                "cycle_name": cycle.name,
                "result": result,
                "result_label": RESULT_LABELS.get(result, result),
                "result_decided_at": assessment.result_decided_at.astimezone(CN_TZ).isoformat()
                if assessment.result_decided_at
                else None,
                "specialty": assessment.specialty,
                "professional_score": assessment.professional_score,
                "humanities_score": assessment.humanities_score,
                "verification_code": assessment.verification_code,
                "reason": reason,
            },
            attachments=[{"appeal_id": appeal.id, "filename": appeal.file_name, "kind": appeal.file_kind}]
            if stored
            else [],
            ip=ip,
        )
        await Appeal.filter(id=appeal.id).update(review_item_id=item.id)
        appeal.review_item_id = item.id
        await audit.record(
            action="assessment.appeal_filed",
            actor_id=user_id,
            subject_type="assessment",
            subject_id=str(assessment.id),
            ip=ip,
            details={"appeal_id": appeal.id, "result": result, "with_file": stored is not None},
        )
        return appeal

    try:
        return await run_atomic(tx)
    except BaseException:
        if stored is not None:
            await storage.delete(stored.key)
        raise


async def my_appeals(*, user_id: int, assessment_ids: list[int] | None = None) -> list[Appeal]:
    """The physician's appeals, newest first (of the given assessments only, when given)."""
    qs = Appeal.filter(user_id=user_id)
    if assessment_ids is not None:
        qs = qs.filter(assessment_id__in=assessment_ids)
    return await qs.order_by("-id").prefetch_related("assessment__cycle")


async def my_appeal(*, user_id: int, appeal_id: int) -> Appeal:
    appeal = await Appeal.get_or_none(id=appeal_id, user_id=user_id).prefetch_related("assessment__cycle")
    if appeal is None:
        raise AppealNotFound()
    return appeal


async def load_file(*, principal: Principal, appeal_id: int, ip: str | None = None) -> tuple[Appeal, bytes]:
    """The appeal's file, for its physician or a reviewer the engine lets see the appeal; others: not found."""
    appeal = await Appeal.get_or_none(id=appeal_id)
    if appeal is None:
        raise AppealNotFound()
    mine = appeal.user_id == principal.user_id
    if not mine and not (appeal.review_item_id and await workflow_api.visible_to(principal, appeal.review_item_id)):
        raise AppealNotFound()
    if not appeal.file_key:
        raise AppealNotFound("该申诉没有附件")
    try:
        data = await storage.load(appeal.file_key)
    except FileNotFoundError:
        raise AppealNotFound("附件不存在") from None
    if not mine:
        await run_atomic(
            audit.record,
            action="assessment.appeal_file_read",
            actor_id=principal.user_id,
            subject_type="assessment_appeal",
            subject_id=str(appeal.id),
            ip=ip,
        )
    return appeal, data


# ---------------------------------------------------------------- the engine's decisions (inside its transaction)


async def _close(event: workflow_api.ReviewEvent, status: AppealStatus, note: str | None) -> Appeal:
    now = utcnow()
    changed = await Appeal.filter(id=int(event.subject_id), status=AppealStatus.PENDING).update(
        status=status, open_for=None, decision_note=note, decided_at=now, updated_at=now
    )
    if changed != 1:
        raise workflow_api.SubjectChanged(details={"appeal_id": int(event.subject_id), "kind": event.kind})
    return await Appeal.get(id=int(event.subject_id)).prefetch_related("assessment__cycle")


async def apply_decision(event: workflow_api.ReviewDecided) -> None:
    """Close the appeal with the office's words and tell the physician (the engine sends no notice of its own)."""
    status = _DECIDED[event.decision]
    note = (event.comment if status == AppealStatus.UPHELD else event.reason) or ""
    if status == AppealStatus.UPHELD and not note.strip():
        raise AppealNoteRequired(field="comment")
    appeal = await _close(event, status, note.strip())
    payload: dict[str, Any] = {
        "appeal_id": appeal.id,
        "assessment_id": appeal.assessment.id,
        "cycle_name": appeal.assessment.cycle.name,
        "decision": event.decision,
        "note": appeal.decision_note,
    }
    await emit(kind=DECIDED_EVENT, user_id=appeal.user_id, payload=payload, dedupe_key=f"{DECIDED_EVENT}:{appeal.id}")


async def apply_withdrawal(event: workflow_api.ReviewWithdrawn) -> None:
    await _close(event, AppealStatus.WITHDRAWN, None)
