"""Background jobs on arq (a Redis-backed queue): enqueue from services, run by `python -m server worker`.

Jobs are enqueued only after the transaction that caused them has committed, with a deterministic ``job_id``
where a retry of the same request must not queue the same work twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from arq import ArqRedis
from arq.connections import RedisSettings
from arq.jobs import Job
from redis.asyncio import ConnectionPool

from server.config import get_settings
from server.redis import timeouts

QUEUE = "yishi:jobs"
_pool: ArqRedis | None = None


def redis_settings(url: str | None = None) -> RedisSettings:
    return RedisSettings.from_dsn(url or get_settings().redis_url)


def new_pool(url: str | None = None) -> ArqRedis:
    """An arq client with the project's socket time-outs (arq's own ``create_pool`` sets only a connect time-out,
    so a stalled Redis held the enqueuing request, or the worker's poll, for ever). Connects on first use."""
    connections = ConnectionPool.from_url(url or get_settings().redis_url, **timeouts())
    return ArqRedis(connections, default_queue_name=QUEUE)


async def get_pool() -> ArqRedis:
    global _pool
    if _pool is None:
        _pool = new_pool()
    return _pool


async def drop_stale_connections() -> None:
    if _pool is not None:
        await _pool.connection_pool.disconnect(inuse_connections=False)


async def close_pool() -> None:
    global _pool
    if _pool is not None:
        await _pool.aclose()
        _pool = None


async def enqueue(
    function: str, *args: Any, job_id: str | None = None, run_at: datetime | None = None, **kwargs: Any
) -> Job | None:
    """Queue ``function`` (a name registered in server.worker); None when a job with ``job_id`` already exists."""
    pool = await get_pool()
    return await pool.enqueue_job(function, *args, _job_id=job_id, _defer_until=run_at, **kwargs)
