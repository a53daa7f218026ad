"""Worker jobs of the notifications part: drain the outbox every second.

The emitting request cannot enqueue a job after its commit (``emit`` runs inside the caller's transaction), so
delivery does not depend on one: a cron job runs every second in every worker and drains whatever is due. Two
workers draining at once is safe (leases, unique keys: see ``drain``); within one process a run that finds the
previous one still busy returns at once.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from arq.cron import cron

from server.notifications import drain

log = logging.getLogger(__name__)

_running = asyncio.Lock()


async def drain_notifications(ctx: dict[str, Any]) -> None:
    """Deliver everything due; a no-op while this process is already draining."""
    if _running.locked():
        return
    async with _running:
        stats = await drain.drain(max_seconds=50)
    if stats.dispatched or stats.delivered or stats.recovered:
        log.info(
            "notifications drained",
            extra={"dispatched": stats.dispatched, "delivered": stats.delivered, "recovered": stats.recovered},
        )


FUNCTIONS: list[Any] = [drain_notifications]
CRON_JOBS: list[Any] = [
    cron(
        drain_notifications,
        name="notifications:drain",
        second=set(range(60)),
        run_at_startup=True,
        unique=True,
        timeout=120,
        keep_result=0,
    )
]
