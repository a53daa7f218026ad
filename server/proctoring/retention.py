"""The retention of face images: the result date they count from, and the sweep that deletes them after it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from tortoise.expressions import Q

from server.common import audit
from server.config import get_settings
from server.db import run_atomic
from server.integrations import storage
from server.proctoring.basics import utcnow
from server.proctoring.models import FaceCapture, FaceImage, ImageKind, ProctoredAttempt, ProctorFlag, Snapshot

_SWEEP_BATCH: Final = 200


async def record_result_date(*, user_id: int, result_at: datetime) -> int:
    """Note the cycle's result date on the user's face images taken before it (retention counts from it)."""
    return await FaceImage.filter(
        user_id=user_id, result_at__isnull=True, deleted_at__isnull=True, created_at__lte=result_at
    ).update(result_at=result_at)


async def sweep_retention(*, now: datetime | None = None) -> int:
    """Delete every face image past its retention period (file first, then the row is marked); audited. Count."""
    moment = now or utcnow()
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


async def _forget_comparisons(image: FaceImage) -> None:
    """Comparison results and embeddings go with the image they were computed from."""
    if image.kind == ImageKind.CAPTURE:
        capture_ids = await FaceCapture.filter(image_id=image.id).values_list("id", flat=True)
        await FaceCapture.filter(id__in=capture_ids).update(embedding=None, match_distance=None)
        attempt_ids = await ProctoredAttempt.filter(capture_id__in=capture_ids).values_list("id", flat=True)
        await ProctorFlag.filter(attempt_id__in=attempt_ids, snapshot_id__isnull=True).update(distance=None)
    elif image.kind == ImageKind.SNAPSHOT:
        for snap in await Snapshot.filter(image_id=image.id):
            if snap.measurements.pop("match_distance", None) is not None:
                await snap.save(update_fields=["measurements"])
            await ProctorFlag.filter(snapshot_id=snap.id).update(distance=None)


async def _mark_deleted(image: FaceImage, moment: datetime) -> None:
    await FaceImage.filter(id=image.id).update(deleted_at=moment)
    await _forget_comparisons(image)
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
