"""Exam jobs: auto-submit at the deadline (queued at start) and a sweep for attempts whose job was lost."""

from __future__ import annotations

from typing import Any

from arq.cron import cron

from server.exams import attempts
from server.exams.hot import GRACE_S


async def auto_submit_attempt(ctx: dict[str, Any], attempt_ref: str) -> str:
    """Score an attempt left open at its deadline (idempotent: a scored attempt is left alone)."""
    return await attempts.auto_submit(attempt_ref=attempt_ref)


async def sweep_overdue_attempts(ctx: dict[str, Any]) -> int:
    return await attempts.sweep_overdue()


async def sweep_after_outage(ctx: dict[str, Any]) -> int:
    """Score at once every attempt whose deadline and grace period passed while the database or Redis was down."""
    return await attempts.sweep_overdue(overdue_s=GRACE_S)


FUNCTIONS = [auto_submit_attempt, sweep_after_outage]
# Run once by the worker when it has met an outage and the database and Redis answer again (server.worker)
AFTER_OUTAGE = [sweep_after_outage]
CRON_JOBS = [cron(sweep_overdue_attempts, minute=set(range(0, 60, 5)), run_at_startup=False)]
