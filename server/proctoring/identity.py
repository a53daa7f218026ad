"""The non-face way through: identity confirmed by the assessment office (in person or by video call).

Face comparison must not be the only way into an exam (人脸识别技术应用安全管理办法, in force 2025-06-01). A
physician who declines the comparison, or whom the comparison cannot match after retakes, asks for a confirmation;
the office reviews it through the one review engine (kind ``proctoring_identity``) and, once it is approved, exams
start without a capture for ``FACE_IDENTITY_VALID_DAYS``; each such attempt records that it came this way.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final, Literal

from server.common import scope
from server.config import get_settings
from server.db import run_atomic
from server.proctoring.basics import utcnow
from server.proctoring.errors import IdentityCheckPending
from server.proctoring.models import IdentityCheck, IdentityCheckStatus
from server.workflow import api as workflow_api

REVIEW_KIND: Final = "proctoring_identity"
Reason = Literal["declined", "unmatched", "no_photo", "other"]
REASON_LABELS: Final[dict[str, str]] = {
    "declined": "不同意人脸比对",
    "unmatched": "多次采集仍与证件照不一致",
    "no_photo": "没有可用的证件照",
    "other": "其他原因",
}
_STATUS_OF: Final = {
    "approved": IdentityCheckStatus.APPROVED,
    "rejected": IdentityCheckStatus.REJECTED,
    "returned": IdentityCheckStatus.RETURNED,
}


async def request_check(*, user_id: int, reason: Reason, note: str, ip: str | None = None) -> IdentityCheck:
    """Ask the assessment office to confirm my identity without face comparison (one request waits at a time)."""
    affiliation = await scope.affiliation_of(user_id)
    institution_id = affiliation.institution_id if affiliation else None
    region_code = affiliation.region_code if affiliation else None

    async def tx() -> IdentityCheck:
        if await IdentityCheck.exists(user_id=user_id, status=IdentityCheckStatus.PENDING):
            raise IdentityCheckPending()
        check = await IdentityCheck.create(
            user_id=user_id, reason=reason, note=note, institution_id=institution_id, region_code=region_code
        )
        item = await workflow_api.submit_item(
            kind=REVIEW_KIND,
            subject_type="identity_check",
            subject_id=str(check.id),
            applicant_id=user_id,
            institution_id=institution_id,
            region_code=region_code,
            payload={"reason": reason, "reason_label": REASON_LABELS[reason], "note": note},
            ip=ip,
        )
        check.review_item_id = item.id
        await check.save(update_fields=["review_item_id"])
        return check

    return await run_atomic(tx)


async def my_checks(*, user_id: int) -> list[IdentityCheck]:
    return await IdentityCheck.filter(user_id=user_id).order_by("-id").limit(20)


async def valid_check(user_id: int) -> IdentityCheck | None:
    """The approved confirmation that lets an exam start without face comparison now, if any."""
    return (
        await IdentityCheck.filter(user_id=user_id, status=IdentityCheckStatus.APPROVED, valid_until__gt=utcnow())
        .order_by("-valid_until")
        .first()
    )


async def apply_decision(event: workflow_api.ReviewDecided) -> None:
    """The office decided (inside its transaction): an approval opens the non-face way for a limited time."""
    status = _STATUS_OF[event.decision]
    now = utcnow()
    valid_until = (
        now + timedelta(days=get_settings().face_identity_valid_days)
        if status is IdentityCheckStatus.APPROVED
        else None
    )
    await IdentityCheck.filter(id=int(event.subject_id)).update(status=status, decided_at=now, valid_until=valid_until)


async def apply_withdrawal(event: workflow_api.ReviewWithdrawn) -> None:
    await IdentityCheck.filter(id=int(event.subject_id)).update(
        status=IdentityCheckStatus.WITHDRAWN, decided_at=utcnow()
    )
