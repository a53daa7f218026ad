"""The job worker: `python -m server worker` (its own process in production, a child of `run` in development).

arq's worker exits when a Redis command fails in its poll loop, and a job that meets the database down fails for
good. This one survives both (``OutageProofWorker``): it waits for Redis to come back, logs the outage as one
rate-limited line (``server.common.outage``), retries jobs that met an outage later, and once both dependencies
answer again runs each part's ``AFTER_OUTAGE`` jobs, which do what came due meanwhile (scoring the attempts whose
deadline passed, closing proctored attempts). Notifications need no catch-up: the drain runs every second and
delivers whatever the outbox holds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from arq.cron import CronJob
from arq.worker import Retry, Worker

from server import db
from server.common import jobs, outage
from server.config import get_settings
from server.parts import with_
from server.redis import close_redis, create_client, set_redis

log = logging.getLogger(__name__)

JobFunction = Callable[..., Awaitable[Any]]
RETRY_CAP_S = 60


def _outage_proof(fn: JobFunction, *, retry: bool) -> JobFunction:
    """``fn`` that reports an outage as one line instead of failing with a traceback.

    A queued job is retried later (its try counted; arq gives up after ``max_tries``). A cron job is not: its next
    run does the same work, and retries would pile up behind it.
    """

    @wraps(fn)
    async def job(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await fn(ctx, *args, **kwargs)
        except Exception as exc:
            dependency = outage.classify(exc)
            if dependency is None:
                raise
            outage.report(dependency, exc)
            if retry:
                raise Retry(defer=min(RETRY_CAP_S, 5 * int(ctx.get("job_try", 1)))) from exc
            return None

    return job


def _collect() -> tuple[list[Any], list[Any]]:
    """The jobs and crons of every part that has them (``tasks.py``: FUNCTIONS, CRON_JOBS; see server.parts)."""
    functions: list[Any] = []
    crons: list[Any] = []
    for part in with_("tasks"):
        module = part.module("tasks")
        functions.extend(getattr(module, "FUNCTIONS", []))
        crons.extend(getattr(module, "CRON_JOBS", []))
    return functions, crons


def _after_outage() -> list[str]:
    """The names of the jobs to run once after an outage (``tasks.py``: AFTER_OUTAGE, each also in FUNCTIONS)."""
    return [f.__qualname__ for part in with_("tasks") for f in getattr(part.module("tasks"), "AFTER_OUTAGE", [])]


def _outage_proof_jobs() -> tuple[list[Any], list[Any]]:
    functions, crons = _collect()
    return (
        [_outage_proof(f, retry=True) for f in functions],
        [
            dataclasses.replace(c, coroutine=_outage_proof(c.coroutine, retry=False))  # type: ignore[arg-type]
            if isinstance(c, CronJob)
            else c
            for c in crons
        ],
    )


async def _startup(ctx: dict[str, Any]) -> None:
    outage.reset()
    while True:  # a worker started while the database is down waits for it instead of exiting
        try:
            await db.init_db()
            await db.ping_db()
            break
        except Exception as exc:
            dependency = outage.classify(exc)
            if dependency is None:
                raise
            outage.report(dependency, exc, probe=False)  # this loop is the probe: no pool to ping yet
            await db.close_db()
            await asyncio.sleep(1)
    outage.reset()
    set_redis(create_client(get_settings().redis_url))
    log.info("worker started")


async def _shutdown(ctx: dict[str, Any]) -> None:
    await close_redis()  # (nothing to close when stopped while still waiting for the database at start-up)
    await jobs.close_pool()
    await db.close_db()


async def _heartbeat(ctx: dict[str, Any]) -> None:
    """Keeps the worker's function list non-empty; arq refuses to start with none."""


class OutageProofWorker(Worker):
    """arq's worker, kept alive through database and Redis outages (see the module's docstring)."""

    def __init__(self, *args: Any, after_outage: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.after_outage = after_outage or []
        self._backoff = 0.5
        self._recoveries = 0

    async def main(self) -> None:
        await self._wait_for_redis()  # arq's start-up reads Redis first and would exit on a refusal
        await super().main()

    async def _wait_for_redis(self) -> None:
        while True:
            try:
                await self.pool.ping()
                return
            except Exception as exc:
                dependency = outage.classify(exc)
                if dependency is None:
                    raise
                outage.report(dependency, exc)
                await asyncio.sleep(1)

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except Exception as exc:
            dependency = outage.classify(exc)
            if dependency is None:
                raise
            outage.report(dependency, exc)
            await asyncio.sleep(self._backoff)  # the probe drops the dead connections when Redis answers again
            self._backoff = min(self._backoff * 2, 5.0)
            return
        self._backoff = 0.5
        if outage.recoveries() != self._recoveries and not outage.down():
            await self._catch_up()

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        try:
            await super().start_jobs(job_ids)
        except Exception:
            # arq took a slot for the job it was starting and, failing inside Redis, never gave it back: after a
            # few outages the worker would have no slot left and run nothing
            self.job_counter -= 1
            self.sem.release()
            raise

    async def _catch_up(self) -> None:
        self._recoveries = outage.recoveries()
        stamp = int(time.time())
        for name in self.after_outage:
            await self.pool.enqueue_job(name, _job_id=f"after-outage:{name}:{stamp}", _queue_name=self.queue_name)
        log.warning("dependencies answer again: catching up", extra={"jobs": ",".join(self.after_outage)})


def build_worker(**overrides: Any) -> Worker:
    functions, crons = _outage_proof_jobs()
    options: dict[str, Any] = {
        "functions": functions or [_heartbeat],
        "cron_jobs": crons or None,
        # Cron times (e.g. the nightly face-image sweep at 03:30) are Beijing time whatever the host's zone
        "timezone": ZoneInfo("Asia/Shanghai"),
        "redis_settings": jobs.redis_settings(),
        # arq's own pool has no socket time-out: a stalled Redis would hold the poll loop for ever
        "redis_pool": jobs.new_pool(),
        "queue_name": jobs.QUEUE,
        "on_startup": _startup,
        "on_shutdown": _shutdown,
        "max_jobs": 50,
        "job_timeout": 120,
        "keep_result": 3600,
        # A job that met an outage is retried with a growing delay (5 s a try, at most 60 s): 20 tries ride out
        # about a quarter of an hour
        "max_tries": 20,
        "handle_signals": True,
        # On SIGTERM let running jobs finish (the notification drain records provider calls already made)
        "job_completion_wait": 20,
        "after_outage": _after_outage(),
    }
    options.update(overrides)
    return OutageProofWorker(**options)


def run_worker() -> None:
    build_worker().run()
