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
from server.integrations import storage
from server.proctoring import identity, matching
from server.proctoring.basics import new_token, utcnow
from server.proctoring.checks import check_frame, discard_image, image_content_type, store_image
from server.proctoring.consent import compares, require_consent
from server.proctoring.errors import FaceCaptureRequired
from server.proctoring.models import (
    FaceCapture,
    FaceImage,
    FaceReference,
    FlagReason,
    IdentityCheck,
    IdentityVia,
    ImageKind,
    MatchStatus,
    ProctoredAttempt,
    ProctorFlag,
)

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
    match_status: MatchStatus
    match_distance: float | None
    match_threshold: float
    guidance: tuple[str, ...]


_GUIDANCE: dict[MatchStatus, tuple[str, ...]] = {
    MatchStatus.MISMATCH: matching.RETAKE_GUIDANCE,
    MatchStatus.NO_REFERENCE: matching.NO_REFERENCE_GUIDANCE,
    MatchStatus.REFERENCE_UNUSABLE: matching.REFERENCE_UNUSABLE_GUIDANCE,
    MatchStatus.NOT_COMPARED: (
        "您未同意人脸比对：可在同意书页面改为同意，或申请由考核机构人工核验身份；"
        "未比对且未经人工核验开始的测评将提交考核机构复核",
    ),
}


def _capture_result(capture: FaceCapture, image: FaceImage) -> CaptureResult:
    settings = get_settings()
    valid = timedelta(minutes=settings.face_capture_valid_minutes)
    status = capture.match_status or MatchStatus.NOT_COMPARED
    return CaptureResult(
        capture.capture_id,
        image.public_id,
        capture.measurements,
        capture.created_at,
        capture.created_at + valid,
        status,
        capture.match_distance,
        settings.face_match_threshold,
        _GUIDANCE.get(status, ()),
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
    comparison = None
    if await compares(user_id):
        hint = matching.hint_of(check.to_dict())
        comparison = await matching.compare_with_reference(user_id=user_id, data=data, hint=hint)
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
            match_status=comparison.status if comparison else MatchStatus.NOT_COMPARED,
            match_distance=comparison.distance if comparison else None,
            embedding=list(comparison.embedding) if comparison and comparison.embedding else None,
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


async def claim_capture(*, user_id: int, capture_id: str | None, attempt_ref: str, exam_kind: str) -> None:
    """Bind an accepted capture to an exam attempt (joins the caller's transaction) or raise FACE_CAPTURE_REQUIRED.

    Refused when the capture is missing, not accepted, someone else's, taken for another exam, older than the
    validity period or already used. The claim is one conditional UPDATE, so two attempts racing for one capture
    cannot both win. Without a capture, only an identity confirmed by the office (the non-face way) lets the attempt
    start. The attempt records how identity was established; a mismatch, or a start with neither comparison nor
    confirmation, flags it for the office (assistive: never a refusal).
    """
    if not capture_id:
        confirmed = await identity.valid_check(user_id)
        if confirmed is None:
            raise FaceCaptureRequired(
                details={
                    "reason": "missing",
                    "other_way": "不便人脸采集或比对时，可申请由考核机构人工核验身份："
                    "POST /api/v1/proctoring/identity-checks",
                }
            )
        await ProctoredAttempt.create(
            attempt_ref=attempt_ref,
            user_id=user_id,
            capture_id=None,
            identity_via=IdentityVia.IDENTITY_CONFIRMED,
            identity_check_id=confirmed.id,
            exam_kind=exam_kind,
            snapshot_offsets=[],
            institution_id=confirmed.institution_id,
            region_code=confirmed.region_code,
            started_at=utcnow(),
        )
        return
    settings = get_settings()
    now = utcnow()
    capture = await FaceCapture.get_or_none(capture_id=capture_id)
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
    via, confirmed_check = await _identity_via(user_id, capture.match_status or MatchStatus.NOT_COMPARED)
    attempt = await ProctoredAttempt.create(
        attempt_ref=attempt_ref,
        user_id=user_id,
        capture_id=capture.id,
        identity_via=via,
        identity_check_id=confirmed_check.id if confirmed_check else None,
        exam_kind=capture.exam_kind,
        snapshot_offsets=_schedule(settings.face_snapshot_count, settings.face_snapshot_window_s),
        institution_id=capture.institution_id,
        region_code=capture.region_code,
        started_at=now,
    )
    if via is IdentityVia.FACE_MISMATCH:
        await ProctorFlag.create(
            attempt_id=attempt.id,
            reason=FlagReason.FACE_MISMATCH,
            distance=capture.match_distance,
            reference_image=await _reference_copy(user_id, capture),
            institution_id=capture.institution_id,
            region_code=capture.region_code,
        )
    elif via is IdentityVia.NOT_COMPARED:
        await ProctorFlag.create(
            attempt_id=attempt.id,
            reason=FlagReason.IDENTITY_UNVERIFIED,
            institution_id=capture.institution_id,
            region_code=capture.region_code,
        )


async def _identity_via(user_id: int, status: MatchStatus) -> tuple[IdentityVia, IdentityCheck | None]:
    if status is MatchStatus.MATCH:
        return IdentityVia.FACE_MATCH, None
    if status in (MatchStatus.NO_REFERENCE, MatchStatus.REFERENCE_UNUSABLE):
        return IdentityVia.NO_REFERENCE, None  # told how to get an ID photo; never held against the physician
    confirmed = await identity.valid_check(user_id)
    if confirmed is not None:
        return IdentityVia.IDENTITY_CONFIRMED, confirmed
    return (IdentityVia.FACE_MISMATCH if status is MatchStatus.MISMATCH else IdentityVia.NOT_COMPARED), None


async def _reference_copy(user_id: int, capture: FaceCapture) -> FaceImage | None:
    """A copy of the ID photo the capture was compared with, kept beside it for the office under the face-image
    retention (the registry's own file may change or go before the office looks)."""
    reference = await FaceReference.get_or_none(user_id=user_id)
    if reference is None:
        return None
    try:
        data = await storage.load(reference.storage_key)
    except FileNotFoundError:
        return None
    fmt = "png" if data[:4] == b"\x89PNG" else "jpg"
    stored = await store_image(data, fmt)
    return await FaceImage.create(
        public_id=new_token(),
        user_id=user_id,
        kind=ImageKind.REFERENCE,
        storage_key=stored.key,
        content_type=image_content_type(fmt),
        size_bytes=stored.size,
        institution_id=capture.institution_id,
        region_code=capture.region_code,
    )
