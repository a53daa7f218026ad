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
from server.proctoring.models import FaceImage

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
