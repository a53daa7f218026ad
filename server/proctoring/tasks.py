"""Proctoring jobs: the daily deletion of face images past their retention period, and closing attempts that the
exams part never closed (so their missed snapshots are still flagged)."""

from __future__ import annotations

import logging
from typing import Any

from arq.cron import cron

from server.proctoring import retention, snapshots

log = logging.getLogger(__name__)


async def sweep_face_images(ctx: dict[str, Any]) -> int:
    """Delete face images whose retention period has ended (idempotent: a rerun finds nothing left to do)."""
    deleted = await retention.sweep_retention()
    if deleted:
        log.info("face images deleted at the end of retention", extra={"count": deleted})
    return deleted


async def close_stale_attempts(ctx: dict[str, Any]) -> int:
    """Close proctored attempts left open past any exam's end (idempotent)."""
    return await snapshots.close_stale_attempts()


FUNCTIONS = [sweep_face_images, close_stale_attempts]
AFTER_OUTAGE = [close_stale_attempts]
# 03:30 every night (server time), away from exam hours
CRON_JOBS = [
    cron(sweep_face_images, hour={3}, minute={30}, run_at_startup=False, unique=True),
    cron(close_stale_attempts, minute=set(range(0, 60, 10)), run_at_startup=False, unique=True),
]
