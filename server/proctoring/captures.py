"""The pre-exam face capture: check and store it, then claim it for an attempt with a random snapshot schedule."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from tortoise.exceptions import IntegrityError

from server.common import scope
from server.config import get_settings
from server.db import run_atomic
from server.proctoring.basics import new_token, utcnow
from server.proctoring.checks import check_frame, discard_image, image_content_type, store_image
from server.proctoring.consent import require_consent
from server.proctoring.errors import FaceCaptureRequired
from server.proctoring.models import FaceCapture, FaceImage, ImageKind, ProctoredAttempt

EXAM_KINDS: Final = ("humanities", "professional")


async def _scope_of(user_id: int) -> tuple[int | None, str | None]:
    """The office scope of a person: where the scope policy says they belong."""
    affiliation = await scope.affiliation_of(user_id)
    if affiliation is None:
        return None, None
    return affiliation.institution_id, affiliation.region_code


@dataclass(frozen=True)
class CaptureResult:
    capture_id: str
    image_id: str
    measurements: dict[str, Any]
    created_at: datetime
    expires_at: datetime


def _capture_result(capture: FaceCapture, image: FaceImage) -> CaptureResult:
    valid = timedelta(minutes=get_settings().face_capture_valid_minutes)
    return CaptureResult(
        capture.capture_id, image.public_id, capture.measurements, capture.created_at, capture.created_at + valid
    )


async def _replayed_capture(user_id: int, client_key: str | None) -> CaptureResult | None:
    if not client_key:
        return None
    capture = await FaceCapture.get_or_none(user_id=user_id, client_key=client_key).prefetch_related("image")
    return _capture_result(capture, capture.image) if capture is not None else None


async def create_capture(
    *, user_id: int, exam_kind: str, data: bytes, ip: str | None = None, client_key: str | None = None
) -> CaptureResult:
    """Check one camera frame; when it passes, store it encrypted and return an unguessable capture id.

    A retry with the same ``client_key`` (the Idempotency-Key header) gets the first capture back.
    """
    await require_consent(user_id)
    if (replay := await _replayed_capture(user_id, client_key)) is not None:
        return replay
    check = await check_frame(data)  # raises the ImageRejected that says what to fix; nothing stored
    institution_id, region_code = await _scope_of(user_id)
    stored = await store_image(data, check.format)

    async def tx() -> CaptureResult:
        image = await FaceImage.create(
            public_id=new_token(),
            user_id=user_id,
            kind=ImageKind.CAPTURE,
            storage_key=stored.key,
            content_type=image_content_type(check.format),
            size_bytes=stored.size,
            institution_id=institution_id,
            region_code=region_code,
        )
        capture = await FaceCapture.create(
            capture_id=new_token(),
            user_id=user_id,
            image=image,
            exam_kind=exam_kind,
            accepted=True,
            measurements=check.to_dict(),
            institution_id=institution_id,
            region_code=region_code,
            client_key=client_key or None,
        )
        return _capture_result(capture, image)

    try:
        return await run_atomic(tx)
    except IntegrityError:  # the same key uploaded twice at once: the other one won
        await discard_image(stored.key)
        if (replay := await _replayed_capture(user_id, client_key)) is not None:
            return replay
        raise
    except BaseException:
        await discard_image(stored.key)
        raise


def _schedule(count: int, window_s: int) -> list[int]:
    """``count`` distinct random offsets (seconds) in [60, window_s], sorted; unpredictable to the client."""
    rng = secrets.SystemRandom()
    low = 60
    population = range(low, max(window_s, low + count) + 1)
    return sorted(rng.sample(population, count))


async def claim_capture(*, user_id: int, capture_id: str, attempt_ref: str, exam_kind: str) -> None:
    """Bind an accepted capture to an exam attempt (joins the caller's transaction) or raise FACE_CAPTURE_REQUIRED.

    Refused when the capture is missing, not accepted, someone else's, taken for another exam, older than the
    validity period or already used. The claim is one conditional UPDATE, so two attempts racing for one capture
    cannot both win.
    """
    settings = get_settings()
    now = utcnow()
    capture = await FaceCapture.get_or_none(capture_id=capture_id) if capture_id else None
    if capture is None or capture.user_id != user_id:  # type: ignore[attr-defined]
        raise FaceCaptureRequired(details={"reason": "missing"})
    if not capture.accepted:
        raise FaceCaptureRequired(details={"reason": "not_accepted"})
    if capture.exam_kind != exam_kind:
        raise FaceCaptureRequired(
            "该人脸采集结果是为另一场测评采集的，请为本场测评重新采集",
            details={"reason": "other_exam", "captured_for": capture.exam_kind},
        )
    if capture.attempt_ref is not None:
        raise FaceCaptureRequired("该人脸采集结果已用于一场考试，请重新采集", details={"reason": "used"})
    valid = timedelta(minutes=settings.face_capture_valid_minutes)
    if capture.created_at + valid < now:
        raise FaceCaptureRequired(
            "人脸采集结果已过期，请重新采集",
            details={"reason": "expired", "valid_minutes": settings.face_capture_valid_minutes},
        )
    claimed = await FaceCapture.filter(id=capture.id, attempt_ref__isnull=True).update(
        attempt_ref=attempt_ref, claimed_at=now
    )
    if claimed != 1:
        raise FaceCaptureRequired("该人脸采集结果已用于一场考试，请重新采集", details={"reason": "used"})
    await ProctoredAttempt.create(
        attempt_ref=attempt_ref,
        user_id=user_id,
        capture_id=capture.id,
        exam_kind=capture.exam_kind,
        snapshot_offsets=_schedule(settings.face_snapshot_count, settings.face_snapshot_window_s),
        institution_id=capture.institution_id,
        region_code=capture.region_code,
        started_at=now,
    )
