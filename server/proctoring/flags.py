"""The assessment office's flags: the list, one flag with its evidence (audited), and the decision on it."""

from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.expressions import Q

from server.common import audit, events, scope
from server.common.auth import Principal
from server.db import run_atomic
from server.proctoring.access import OFFICE_ONLY, in_scope
from server.proctoring.basics import utcnow
from server.proctoring.errors import FlagAlreadyDecided, FlagNotFound
from server.proctoring.events import FlagInvalidated
from server.proctoring.models import FaceCapture, FaceImage, FlagStatus, ProctoredAttempt, ProctorFlag, Snapshot


def _scope_q(principal: Principal) -> Q:
    return scope.scope_filter(principal, roles=OFFICE_ONLY) or Q(id__lt=0)


async def list_flags(
    *, principal: Principal, status: str | None = None, cursor: int | None = None, limit: int = 20
) -> list[ProctorFlag]:
    """Flags of attempts in the office's region, newest first."""
    qs = ProctorFlag.filter(_scope_q(principal))
    if status:
        qs = qs.filter(status=status)
    if cursor is not None:
        qs = qs.filter(id__lt=cursor)
    return await qs.order_by("-id").limit(limit).prefetch_related("attempt")


@dataclass
class FlagDetail:
    flag: ProctorFlag
    attempt: ProctoredAttempt
    capture: FaceCapture | None  # None when the attempt started the non-face way
    capture_image: FaceImage | None
    snapshots: list[Snapshot] = field(default_factory=list)
    reference_image: FaceImage | None = None  # face_mismatch at the start: the ID photo beside the capture


async def _visible_flag(principal: Principal, flag_id: int) -> ProctorFlag:
    flag = await ProctorFlag.get_or_none(id=flag_id)
    if flag is None or not in_scope(principal, flag.region_code):
        raise FlagNotFound()
    return flag


async def get_flag(*, principal: Principal, flag_id: int, ip: str | None = None) -> FlagDetail:
    """One flag with its attempt, the capture and every snapshot (a read of face data: audited)."""
    flag = await _visible_flag(principal, flag_id)
    await flag.fetch_related("attempt")
    attempt: ProctoredAttempt = flag.attempt
    capture_id = attempt.capture_id  # type: ignore[attr-defined]
    capture = await FaceCapture.get(id=capture_id).prefetch_related("image") if capture_id else None
    reference = await FaceImage.get_or_none(id=flag.reference_image_id) if flag.reference_image_id else None  # type: ignore[attr-defined]
    snapshots = await Snapshot.filter(attempt_id=attempt.id).order_by("id").prefetch_related("image")

    async def tx() -> None:
        await audit.record(
            action="proctoring.flag_viewed",
            actor_id=principal.user_id,
            subject_type="proctor_flag",
            subject_id=str(flag.id),
            ip=ip,
            details={"attempt_ref": attempt.attempt_ref, "candidate_id": attempt.user_id},  # type: ignore[attr-defined]
        )

    await run_atomic(tx)
    return FlagDetail(flag, attempt, capture, capture.image if capture else None, list(snapshots), reference)


async def decide_flag(
    *, principal: Principal, flag_id: int, decision: str, reason: str, ip: str | None = None
) -> ProctorFlag:
    """The office's decision on a flag: cleared (nothing wrong) or invalidated (the attempt does not count)."""
    status = FlagStatus(decision)
    if status == FlagStatus.OPEN:
        raise ValueError("a decision is cleared or invalidated")

    async def tx() -> ProctorFlag:
        flag = await _visible_flag(principal, flag_id)
        now = utcnow()
        updated = await ProctorFlag.filter(id=flag.id, status=FlagStatus.OPEN).update(
            status=status, decided_by_id=principal.user_id, decided_at=now, decision_reason=reason
        )
        if updated != 1:
            raise FlagAlreadyDecided(details={"status": str(flag.status)})
        await audit.record(
            action="proctoring.flag_decided",
            actor_id=principal.user_id,
            subject_type="proctor_flag",
            subject_id=str(flag.id),
            ip=ip,
            details={"decision": status.value, "reason": reason, "attempt_id": flag.attempt_id},  # type: ignore[attr-defined]
        )
        decided = await ProctorFlag.get(id=flag.id).prefetch_related("attempt")
        if status == FlagStatus.INVALIDATED:
            attempt: ProctoredAttempt = decided.attempt
            # The exams part voids the attempt and the assessment recounts, all in this transaction
            await events.publish(
                FlagInvalidated(
                    flag_id=decided.id,
                    attempt_ref=attempt.attempt_ref,
                    user_id=attempt.user_id,  # type: ignore[attr-defined]
                    reason=reason,
                    decided_by=principal.user_id,
                )
            )
        return decided

    return await run_atomic(tx)
