"""The job worker: `python -m server worker` (its own process in production, a child of `run` in development)."""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from arq.worker import Worker

from server import db
from server.common import jobs
from server.config import get_settings
from server.parts import with_
from server.redis import create_client, get_redis, set_redis

log = logging.getLogger(__name__)


def _collect() -> tuple[list[Any], list[Any]]:
    """The jobs and crons of every part that has them (``tasks.py``: FUNCTIONS, CRON_JOBS; see server.parts)."""
    functions: list[Any] = []
    crons: list[Any] = []
    for part in with_("tasks"):
        module = part.module("tasks")
        functions.extend(getattr(module, "FUNCTIONS", []))
        crons.extend(getattr(module, "CRON_JOBS", []))
    return functions, crons


async def _startup(ctx: dict[str, Any]) -> None:
    await db.init_db()
    set_redis(create_client(get_settings().redis_url))
    log.info("worker started")


async def _shutdown(ctx: dict[str, Any]) -> None:
    await get_redis().aclose()
    set_redis(None)
    await jobs.close_pool()
    await db.close_db()


async def _heartbeat(ctx: dict[str, Any]) -> None:
    """Keeps the worker's function list non-empty; arq refuses to start with none."""


def build_worker(**overrides: Any) -> Worker:
    functions, crons = _collect()
    options: dict[str, Any] = {
        "functions": functions or [_heartbeat],
        "cron_jobs": crons or None,
        # Cron times (e.g. the nightly face-image sweep at 03:30) are Beijing time whatever the host's zone
        "timezone": ZoneInfo("Asia/Shanghai"),
        "redis_settings": jobs.redis_settings(),
        "queue_name": jobs.QUEUE,
        "on_startup": _startup,
        "on_shutdown": _shutdown,
        "max_jobs": 50,
        "job_timeout": 120,
        "keep_result": 3600,
        "handle_signals": True,
        # On SIGTERM let running jobs finish (the notification drain records provider calls already made)
        "job_completion_wait": 20,
    }
    options.update(overrides)
    return Worker(**options)


def run_worker() -> None:
    build_worker().run()
