"""Proctoring services: consent, the pre-exam face capture, snapshots during the attempt, flags for the assessment
office, access to face images, and their deletion at the end of the retention period.

Face images are checked off the event loop (OpenCV in a thread pool), stored encrypted outside any web root, never
logged, and seen only by their owner and the assessment office of their region; every view is audited.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from server.common import audit, events, scope
from server.common.auth import Principal
from server.common.enums import Role
from server.config import get_settings
from server.db import run_atomic
from server.integrations import storage
from server.proctoring.errors import (
    AttemptClosed,
    AttemptNotFound,
    ConsentVersionMismatch,
    FaceCaptureRequired,
    FaceConsentRequired,
    FaceImageDeleted,
    FaceImageNotFound,
    FaceMultiple,
    FaceNotFound,
    FlagAlreadyDecided,
    FlagNotFound,
    ImageInvalid,
    ImageRejected,
    ImageTooBright,
    ImageTooDark,
    ImageTooLarge,
)
from server.proctoring.events import FlagInvalidated
from server.proctoring.image import (
    FaceCheck,
    FaceThresholds,
    IdPhotoCheck,
    check_face_capture,
    check_id_photo,
    sniff_format,
)
from server.proctoring.models import (
    FaceCapture,
    FaceConsent,
    FaceImage,
    FlagReason,
    FlagStatus,
    ImageKind,
    ProctoredAttempt,
    ProctorFlag,
    Snapshot,
)

log = logging.getLogger(__name__)

EXAM_KINDS: Final = ("humanities", "professional")
CONSENT_PATH: Final = "/api/v1/proctoring/consent"
SNAPSHOT_EARLY_S: Final = 30  # a snapshot this early still answers its slot; a slot is missed this long after it
STORAGE_PURPOSE: Final = "face"
_SWEEP_BATCH: Final = 200
STALE_ATTEMPT_HOURS: Final = 2  # beyond the snapshot window: no exam lasts this long after its last snapshot

CONSENT_VERSION: Final = "2026-01"
CONSENT_VIEWERS: Final = ("本人", "您所在地区的医师定期考核机构（考核办公室）")


@dataclass(frozen=True)
class ConsentTerms:
    """The consent text a person is asked to accept, with its version."""

    version: str
    purpose: str
    retention: str
    retention_days: int
    viewers: tuple[str, ...]
    text: str


def consent_terms() -> ConsentTerms:
    days = get_settings().face_retention_days
    purpose = "在医师定期考核线上测评开始前及测评过程中核验参加测评者为医师本人，防止替考。"
    retention = (
        f"自所在考核周期考核结果确定之日起保存 {days} 天（结果日期未知时自采集之日起 {days} 天），期满自动删除。"
    )
    viewers = "、".join(CONSENT_VIEWERS)
    text = (
        "《人脸信息处理告知同意书》\n"
        f"一、处理目的：{purpose}\n"
        "二、处理方式：测评开始前采集一张人脸照片，测评过程中按随机时间拍摄照片，由系统自动检测照片中的人脸"
        "（不进行人脸识别比对以外的用途），照片加密存储。\n"
        f"三、保存期限：{retention}\n"
        f"四、可查看人员：{viewers}；每次查看均被记录。\n"
        "五、您可以不同意，但不同意将无法参加需要人脸采集的线上测评。"
    )
    return ConsentTerms(CONSENT_VERSION, purpose, retention, days, CONSENT_VIEWERS, text)


def _now() -> datetime:
    return datetime.now(UTC)


def _token() -> str:
    return secrets.token_urlsafe(24)


# ---------------------------------------------------------------- consent


async def get_consent(*, user_id: int) -> tuple[ConsentTerms, datetime | None]:
    """The current consent terms and when the user accepted this version (None when not yet)."""
    terms = consent_terms()
    row = await FaceConsent.get_or_none(user_id=user_id, version=terms.version)
    return terms, (row.accepted_at if row else None)


async def give_consent(*, user_id: int, version: str, ip: str | None = None) -> datetime:
    """Record the user's consent to the current version (idempotent: a repeat keeps the first time)."""
    terms = consent_terms()
    if version != terms.version:
        raise ConsentVersionMismatch(details={"current_version": terms.version, "given_version": version})

    async def tx() -> datetime:
        row = await FaceConsent.get_or_none(user_id=user_id, version=version)
        if row is not None:
            return row.accepted_at
        row = await FaceConsent.create(user_id=user_id, version=version, accepted_at=_now(), ip=ip)
        await audit.record(
            action="proctoring.consent_given",
            actor_id=user_id,
            subject_type="face_consent",
            subject_id=str(row.id),
            ip=ip,
            details={"version": version},
        )
        return row.accepted_at

    return await run_atomic(tx)


async def _require_consent(user_id: int) -> None:
    if not await FaceConsent.exists(user_id=user_id, version=CONSENT_VERSION):
        raise FaceConsentRequired(
            details={
                "consent_version": CONSENT_VERSION,
                "how_to": f"先 GET {CONSENT_PATH} 阅读告知同意书，再 POST {CONSENT_PATH} 提交 version 表示同意",
                "consent_url": CONSENT_PATH,
            }
        )


# ---------------------------------------------------------------- image check

_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=get_settings().face_check_threads, thread_name_prefix="face-check")
    return _executor


def face_thresholds() -> FaceThresholds:
    """The capture limits from the settings (FACE_* environment variables)."""
    s = get_settings()
    return FaceThresholds(
        max_bytes=s.face_max_bytes,
        min_face_ratio=s.face_min_face_ratio,
        edge_margin=s.face_edge_margin,
        max_center_offset=s.face_max_center_offset,
        min_brightness=s.face_min_brightness,
        max_brightness=s.face_max_brightness,
        min_sharpness=s.face_min_sharpness,
    )


async def check_frame(data: bytes) -> FaceCheck:
    """Run the OpenCV face check in the thread pool, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_pool(), check_face_capture, data, face_thresholds())


async def check_id_photo_off_loop(data: bytes) -> IdPhotoCheck:
    """The registry's ID-photo rules (image.check_id_photo), run in the same thread pool."""
    return await asyncio.get_running_loop().run_in_executor(_pool(), check_id_photo, data)


async def _store(data: bytes, fmt: str) -> storage.StoredFile:
    return await storage.save(data, purpose=STORAGE_PURPOSE, ext="png" if fmt == "png" else "jpg", encrypt=True)


def _content_type(fmt: str) -> str:
    return "image/png" if fmt == "png" else "image/jpeg"


async def _discard(key: str) -> None:
    try:
        await storage.delete(key)
    except Exception:  # noqa: BLE001 - the sweep finds no row for it; an orphan file is the lesser harm
        log.exception("could not remove a face image after a failed write")


# ---------------------------------------------------------------- capture


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
    await _require_consent(user_id)
    if (replay := await _replayed_capture(user_id, client_key)) is not None:
        return replay
    check = await check_frame(data)  # raises the ImageRejected that says what to fix; nothing stored
    institution_id, region_code = await _scope_of(user_id)
    stored = await _store(data, check.format)

    async def tx() -> CaptureResult:
        image = await FaceImage.create(
            public_id=_token(),
            user_id=user_id,
            kind=ImageKind.CAPTURE,
            storage_key=stored.key,
            content_type=_content_type(check.format),
            size_bytes=stored.size,
            institution_id=institution_id,
            region_code=region_code,
        )
        capture = await FaceCapture.create(
            capture_id=_token(),
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
        await _discard(stored.key)
        if (replay := await _replayed_capture(user_id, client_key)) is not None:
            return replay
        raise
    except BaseException:
        await _discard(stored.key)
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
    now = _now()
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


# ---------------------------------------------------------------- during the attempt


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
    keep_image = check is not None or reason is not None  # evidence for the office; poor frames are not kept
    fmt = sniff_format(data)  # jpeg or png: anything else was refused as ImageInvalid
    stored = await _store(data, fmt) if keep_image else None
    measurements = check.to_dict() if check is not None else dict(refusal.details or {}) if refusal else {}
    outcome = "ok" if refusal is None else refusal.code
    moment = now or _now()

    async def tx() -> SnapshotResult:
        current = await ProctoredAttempt.get(id=attempt.id)
        if current.closed_at is not None:
            raise AttemptClosed()
        image = None
        if stored is not None:
            image = await FaceImage.create(
                public_id=_token(),
                user_id=user_id,
                kind=ImageKind.SNAPSHOT,
                storage_key=stored.key,
                content_type=_content_type(fmt),
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
            await _discard(stored.key)
        if (replay := await _replayed_snapshot(attempt.id, client_key)) is not None:
            return replay
        raise
    except BaseException:
        if stored is not None:
            await _discard(stored.key)
        raise


async def close_attempt(*, attempt_ref: str, now: datetime | None = None) -> list[ProctorFlag]:
    """End the attempt's proctoring: flag every scheduled snapshot that never came. Idempotent.

    Joins the caller's transaction when there is one (the exams part calls it on submit / auto-submit).
    """
    moment = now or _now()
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
    moment = now or _now()
    limit = timedelta(seconds=get_settings().face_snapshot_window_s) + timedelta(hours=STALE_ATTEMPT_HOURS)
    refs = await ProctoredAttempt.filter(closed_at__isnull=True, started_at__lt=moment - limit).values_list(
        "attempt_ref", flat=True
    )
    for ref in refs:
        await run_atomic(close_attempt, attempt_ref=str(ref), now=moment)
    return len(refs)


# ---------------------------------------------------------------- the assessment office


OFFICE_ONLY = (Role.OFFICE_REVIEWER,)  # face data is for the assessment office of the region, nobody else


def _in_scope(principal: Principal, region_code: str | None) -> bool:
    return scope.may_see(principal, scope.Subject(region_code=region_code), roles=OFFICE_ONLY)


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
    capture: FaceCapture
    capture_image: FaceImage
    snapshots: list[Snapshot] = field(default_factory=list)


async def _visible_flag(principal: Principal, flag_id: int) -> ProctorFlag:
    flag = await ProctorFlag.get_or_none(id=flag_id)
    if flag is None or not _in_scope(principal, flag.region_code):
        raise FlagNotFound()
    return flag


async def get_flag(*, principal: Principal, flag_id: int, ip: str | None = None) -> FlagDetail:
    """One flag with its attempt, the capture and every snapshot (a read of face data: audited)."""
    flag = await _visible_flag(principal, flag_id)
    await flag.fetch_related("attempt")
    attempt: ProctoredAttempt = flag.attempt
    capture = await FaceCapture.get(id=attempt.capture_id).prefetch_related("image")  # type: ignore[attr-defined]
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
    return FlagDetail(flag, attempt, capture, capture.image, list(snapshots))


async def decide_flag(
    *, principal: Principal, flag_id: int, decision: str, reason: str, ip: str | None = None
) -> ProctorFlag:
    """The office's decision on a flag: cleared (nothing wrong) or invalidated (the attempt does not count)."""
    status = FlagStatus(decision)
    if status == FlagStatus.OPEN:
        raise ValueError("a decision is cleared or invalidated")

    async def tx() -> ProctorFlag:
        flag = await _visible_flag(principal, flag_id)
        now = _now()
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


# ---------------------------------------------------------------- images


@dataclass(frozen=True)
class ImageFile:
    data: bytes
    content_type: str
    public_id: str


async def fetch_image(*, principal: Principal, image_id: str, ip: str | None = None) -> ImageFile:
    """A face image for its owner or the office of its region; each fetch is audited."""
    image = await FaceImage.get_or_none(public_id=image_id) if image_id else None
    if image is None:
        raise FaceImageNotFound()
    own = principal.role == Role.PHYSICIAN and image.user_id == principal.user_id  # type: ignore[attr-defined]
    if not own and not _in_scope(principal, image.region_code):
        raise FaceImageNotFound()
    if image.deleted_at is not None:
        raise FaceImageDeleted(details={"deleted_at": image.deleted_at.isoformat()})
    try:
        data = await storage.load(image.storage_key, encrypted=True)
    except FileNotFoundError:
        raise FaceImageDeleted() from None

    async def tx() -> None:
        await audit.record(
            action="proctoring.image_viewed",
            actor_id=principal.user_id,
            subject_type="face_image",
            subject_id=image.public_id,
            ip=ip,
            details={"owner_id": image.user_id, "kind": str(image.kind), "as": "owner" if own else "office"},  # type: ignore[attr-defined]
        )

    await run_atomic(tx)
    return ImageFile(data, image.content_type, image.public_id)


# ---------------------------------------------------------------- retention


async def record_result_date(*, user_id: int, result_at: datetime) -> int:
    """Note the cycle's result date on the user's face images taken before it (retention counts from it)."""
    return await FaceImage.filter(
        user_id=user_id, result_at__isnull=True, deleted_at__isnull=True, created_at__lte=result_at
    ).update(result_at=result_at)


async def sweep_retention(*, now: datetime | None = None) -> int:
    """Delete every face image past its retention period (file first, then the row is marked); audited. Count."""
    moment = now or _now()
    cutoff = moment - timedelta(days=get_settings().face_retention_days)
    due = Q(result_at__lt=cutoff) | Q(result_at__isnull=True, created_at__lt=cutoff)
    deleted = 0
    while True:
        batch = await FaceImage.filter(due, deleted_at__isnull=True).order_by("id").limit(_SWEEP_BATCH)
        if not batch:
            return deleted
        for image in batch:
            await storage.delete(image.storage_key)  # False when already gone: a retry of a half-done sweep
            await run_atomic(_mark_deleted, image, moment)
            deleted += 1


async def _mark_deleted(image: FaceImage, moment: datetime) -> None:
    await FaceImage.filter(id=image.id).update(deleted_at=moment)
    await audit.record(
        action="proctoring.image_deleted",
        actor_id=None,
        subject_type="face_image",
        subject_id=image.public_id,
        details={
            "reason": "retention",
            "owner_id": image.user_id,  # type: ignore[attr-defined]
            "kind": str(image.kind),
            "created_at": image.created_at.isoformat(),
            "result_at": image.result_at.isoformat() if image.result_at else None,
            "retention_days": get_settings().face_retention_days,
        },
    )
