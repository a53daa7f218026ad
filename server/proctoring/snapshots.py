"""Snapshots during the attempt: its schedule, the check of each snapshot, and closing the attempt."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from server.config import get_settings
from server.db import run_atomic
from server.proctoring import matching
from server.proctoring.basics import new_token, utcnow
from server.proctoring.checks import check_frame, discard_image, image_content_type, store_image
from server.proctoring.errors import (
    AttemptClosed,
    AttemptNotFound,
    FaceMultiple,
    FaceNotFound,
    ImageInvalid,
    ImageRejected,
    ImageTooBright,
    ImageTooDark,
    ImageTooLarge,
)
from server.proctoring.image import FaceCheck, sniff_format
from server.proctoring.models import (
    FaceCapture,
    FaceImage,
    FlagReason,
    ImageKind,
    ProctoredAttempt,
    ProctorFlag,
    Snapshot,
)

log = logging.getLogger(__name__)

SNAPSHOT_EARLY_S: Final = 30  # a snapshot this early still answers its slot; a slot is missed this long after it
STALE_ATTEMPT_HOURS: Final = 2  # beyond the snapshot window: no exam lasts this long after its last snapshot


async def _own_attempt(user_id: int, attempt_ref: str) -> ProctoredAttempt:
    attempt = await ProctoredAttempt.get_or_none(attempt_ref=attempt_ref, user_id=user_id)
    if attempt is None:
        raise AttemptNotFound()
    return attempt


async def _taken_slots(attempt_id: int) -> set[int]:
    rows: list[Any] = await Snapshot.filter(attempt_id=attempt_id, slot__isnull=False).values_list("slot", flat=True)
    return {int(s) for s in rows}


@dataclass(frozen=True)
class Schedule:
    attempt: ProctoredAttempt
    taken_slots: list[int]
    grace_s: int


async def get_schedule(*, user_id: int, attempt_ref: str) -> Schedule:
    """When the client takes its snapshots: offsets after the start, and which slots are answered already."""
    attempt = await _own_attempt(user_id, attempt_ref)
    taken = await _taken_slots(attempt.id)
    return Schedule(attempt, sorted(taken), get_settings().face_snapshot_grace_s)


@dataclass(frozen=True)
class SnapshotResult:
    snapshot: Snapshot
    accepted: bool
    flagged: bool
    message: str | None
    image_id: str | None


def _classify(error: ImageRejected) -> FlagReason | None:
    """Which refusals mean "not one person in front of the camera" (flag), and which are only poor frames."""
    if isinstance(error, FaceMultiple):
        return FlagReason.FACE_MULTIPLE
    if isinstance(error, FaceNotFound):
        return FlagReason.FACE_MISSING
    # A covered lens or a lamp in the camera reads as too dark / too bright before any face is found.
    if isinstance(error, ImageTooDark | ImageTooBright) and "face" not in (error.details or {}):
        return FlagReason.FACE_MISSING
    return None


def _slot_for(attempt: ProctoredAttempt, taken: set[int], now: datetime) -> int | None:
    elapsed = (now - attempt.started_at).total_seconds()
    grace = get_settings().face_snapshot_grace_s
    for index, offset in enumerate(attempt.snapshot_offsets):
        if index not in taken and offset - SNAPSHOT_EARLY_S <= elapsed <= offset + grace:
            return index
    return None


def _message_for(code: str) -> str | None:
    """The Chinese instruction of a refusal code (to answer a replayed upload as the first time)."""
    pending: list[type[ImageRejected]] = [ImageRejected]
    while pending:
        cls = pending.pop()
        if cls.code == code:
            return cls.message
        pending.extend(cls.__subclasses__())
    return None


async def _replayed_snapshot(attempt_id: int, client_key: str | None) -> SnapshotResult | None:
    if not client_key:
        return None
    snap = await Snapshot.get_or_none(attempt_id=attempt_id, client_key=client_key).prefetch_related("image")
    if snap is None:
        return None
    flagged = await ProctorFlag.exists(snapshot_id=snap.id)
    accepted = snap.outcome == "ok"
    image_id = snap.image.public_id if snap.image is not None else None
    return SnapshotResult(snap, accepted, flagged, None if accepted else _message_for(snap.outcome), image_id)


async def add_snapshot(
    *,
    user_id: int,
    attempt_ref: str,
    data: bytes,
    now: datetime | None = None,
    client_key: str | None = None,
) -> SnapshotResult:
    """Check a snapshot taken during the attempt; a missing or second face flags the attempt for the office.

    A retry with the same ``client_key`` (the Idempotency-Key header) gets the first answer and flags only once.
    """
    attempt = await _own_attempt(user_id, attempt_ref)
    if (replay := await _replayed_snapshot(attempt.id, client_key)) is not None:
        return replay
    if attempt.closed_at is not None:
        raise AttemptClosed()
    check: FaceCheck | None = None
    refusal: ImageRejected | None = None
    try:
        check = await check_frame(data)
    except (ImageInvalid, ImageTooLarge):
        raise  # not a camera frame at all: bad input, nothing recorded
    except ImageRejected as exc:
        refusal = exc
    reason = _classify(refusal) if refusal is not None else None
    distance = await _distance_from_capture(attempt, data, check) if check is not None else None
    if distance is not None and distance > get_settings().face_match_threshold:
        reason = FlagReason.FACE_MISMATCH  # one face, well lit, but not the face of the capture
    keep_image = check is not None or reason is not None  # evidence for the office; poor frames are not kept
    fmt = sniff_format(data)  # jpeg or png: anything else was refused as ImageInvalid
    stored = await store_image(data, fmt) if keep_image else None
    measurements = check.to_dict() if check is not None else dict(refusal.details or {}) if refusal else {}
    if distance is not None:
        measurements["match_distance"] = distance
    outcome = "ok" if refusal is None else refusal.code
    moment = now or utcnow()

    async def tx() -> SnapshotResult:
        current = await ProctoredAttempt.get(id=attempt.id)
        if current.closed_at is not None:
            raise AttemptClosed()
        image = None
        if stored is not None:
            image = await FaceImage.create(
                public_id=new_token(),
                user_id=user_id,
                kind=ImageKind.SNAPSHOT,
                storage_key=stored.key,
                content_type=image_content_type(fmt),
                size_bytes=stored.size,
                institution_id=attempt.institution_id,
                region_code=attempt.region_code,
            )
        taken = await _taken_slots(attempt.id)
        slot = _slot_for(current, taken, moment)
        try:
            async with in_transaction():
                snap = await Snapshot.create(
                    attempt_id=attempt.id,
                    slot=slot,
                    outcome=outcome,
                    measurements=measurements,
                    image=image,
                    client_key=client_key or None,
                )
        except IntegrityError:  # the same slot answered by a concurrent upload: this one is an extra
            snap = await Snapshot.create(
                attempt_id=attempt.id,
                slot=None,
                outcome=outcome,
                measurements=measurements,
                image=image,
                client_key=client_key or None,
            )
        if reason is not None:
            await ProctorFlag.create(
                attempt_id=attempt.id,
                reason=reason,
                snapshot=snap,
                slot=snap.slot,
                distance=distance if reason is FlagReason.FACE_MISMATCH else None,
                institution_id=attempt.institution_id,
                region_code=attempt.region_code,
            )
        return SnapshotResult(
            snap,
            accepted=refusal is None,
            flagged=reason is not None,
            message=refusal.text if refusal is not None else None,
            image_id=image.public_id if image is not None else None,
        )

    try:
        return await run_atomic(tx)
    except IntegrityError:  # the same key uploaded twice at once: the other one won
        if stored is not None:
            await discard_image(stored.key)
        if (replay := await _replayed_snapshot(attempt.id, client_key)) is not None:
            return replay
        raise
    except BaseException:
        if stored is not None:
            await discard_image(stored.key)
        raise


async def _distance_from_capture(attempt: ProctoredAttempt, data: bytes, check: FaceCheck) -> float | None:
    """How far the snapshot's face is from the capture's, when the capture was compared (consent) and kept."""
    capture_id = attempt.capture_id  # type: ignore[attr-defined]
    if capture_id is None:
        return None
    embedding = await FaceCapture.filter(id=capture_id).values_list("embedding", flat=True)
    if not embedding or not embedding[0]:
        return None
    hint = matching.hint_of(check.to_dict())
    return await matching.snapshot_distance(capture_embedding=list(embedding[0]), data=data, hint=hint)


async def close_attempt(*, attempt_ref: str, now: datetime | None = None) -> list[ProctorFlag]:
    """End the attempt's proctoring: flag every scheduled snapshot that never came. Idempotent.

    Joins the caller's transaction when there is one (the exams part calls it on submit / auto-submit).
    """
    moment = now or utcnow()
    async with in_transaction():
        attempt = await ProctoredAttempt.get_or_none(attempt_ref=attempt_ref)
        if attempt is None:
            log.warning("close_attempt for an attempt without a face capture", extra={"attempt_ref": attempt_ref})
            return []
        closed = await ProctoredAttempt.filter(id=attempt.id, closed_at__isnull=True).update(closed_at=moment)
        if closed != 1:
            return []
        elapsed = (moment - attempt.started_at).total_seconds()
        taken = await _taken_slots(attempt.id)
        flags = []
        for index, offset in enumerate(attempt.snapshot_offsets):
            if index in taken or offset + SNAPSHOT_EARLY_S > elapsed:
                continue
            flags.append(
                await ProctorFlag.create(
                    attempt_id=attempt.id,
                    reason=FlagReason.SNAPSHOT_MISSED,
                    slot=index,
                    institution_id=attempt.institution_id,
                    region_code=attempt.region_code,
                )
            )
        return flags


async def close_stale_attempts(*, now: datetime | None = None) -> int:
    """Close attempts left open long after any exam could have ended (a missed close_attempt call). Count."""
    moment = now or utcnow()
    limit = timedelta(seconds=get_settings().face_snapshot_window_s) + timedelta(hours=STALE_ATTEMPT_HOURS)
    refs = await ProctoredAttempt.filter(closed_at__isnull=True, started_at__lt=moment - limit).values_list(
        "attempt_ref", flat=True
    )
    for ref in refs:
        await run_atomic(close_attempt, attempt_ref=str(ref), now=moment)
    return len(refs)
