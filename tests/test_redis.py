"""Issue 20 item 3: Redis run as production runs it (AOF, fsync every second) keeps sessions and queued jobs across
a crash. The test starts a redis-server of its own (its own folder and socket; never the machine's 6379), opens a
log-in session and queues an exam's auto-submit, kills the server with SIGKILL after the fsync window, starts it
again on the same folder, and finds the session still accepted by the access guard and the job still queued."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from arq import create_pool
from arq.jobs import Job, JobStatus

from server import redis as server_redis
from server.accounts import sessions
from server.common import auth, jobs
from server.exams.attempts import AUTO_SUBMIT_JOB
from server.redis import EmbeddedRedis, create_client
from tests.support import factories as f


async def _connect(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point this process's Redis clients (the shared pool and the guard's own connection) at ``url``."""
    monkeypatch.setattr(server_redis, "_client", create_client(url))
    monkeypatch.setattr(server_redis, "_hot", aioredis.Redis.from_url(url, single_connection_client=True))


async def _disconnect() -> None:
    await server_redis.close_redis()


@pytest.mark.parametrize("persist", [True, False], ids=["aof", "no-persistence"])
async def test_sessions_and_queued_jobs_survive_a_crash(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, persist: bool
) -> None:
    server = EmbeddedRedis(tmp_path / "redis", persist=persist)
    url = server.start()
    try:
        await _connect(url, monkeypatch)
        user = await f.physician()
        tokens = await sessions.open_session(user=user, ip="127.0.0.1", user_agent="test")
        pool = await create_pool(jobs.redis_settings(url), default_queue_name=jobs.QUEUE)
        job_id = "exam-auto-submit:persist-test"
        run_at = datetime.now(UTC) + timedelta(hours=1)
        assert await pool.enqueue_job(AUTO_SUBMIT_JOB, "att-persist", _job_id=job_id, _defer_until=run_at)
        await pool.aclose()
        assert await auth.SessionProbe().alive(tokens.session_id)
        await _disconnect()

        time.sleep(1.5)  # past appendfsync everysec: what was written is on disk
        server.kill()
        url = server.start()
        await _connect(url, monkeypatch)

        alive = await auth.SessionProbe().alive(tokens.session_id)
        pool = await create_pool(jobs.redis_settings(url), default_queue_name=jobs.QUEUE)
        status = await Job(job_id, pool, _queue_name=jobs.QUEUE).status()
        info = await Job(job_id, pool, _queue_name=jobs.QUEUE).info()
        await pool.aclose()
        await _disconnect()
        print(f"\n{'AOF' if persist else 'no persistence'}: session alive={alive}, job {status.value}")
        if persist:
            assert alive is True
            assert status == JobStatus.deferred
            assert info is not None and info.function == AUTO_SUBMIT_JOB and info.args == ("att-persist",)
        else:  # the control: without the AOF a crash loses both, so the test above can fail
            assert alive is False and status == JobStatus.not_found
    finally:
        server.stop()
        await asyncio.sleep(0)


async def test_closing_at_shutdown_closes_the_pooled_and_the_hot_client(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the app and the worker call when they stop: both of the process's connections to Redis are gone, and
    the next use of the hot client opens a fresh one instead of reusing a closed one. (The connections are named,
    so that another client of the same server coming or going cannot change the count.)"""
    import redis as sync_redis

    def ours() -> set[str]:
        return {c["name"] for c in watcher.client_list() if c["name"].startswith("close-test-")}

    watcher = sync_redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        await _connect(redis_url, monkeypatch)
        hot = server_redis.hot_redis()
        await hot.client_setname("close-test-hot")
        await server_redis.get_redis().client_setname("close-test-pooled")
        assert ours() == {"close-test-hot", "close-test-pooled"}

        await server_redis.close_redis()

        assert ours() == set()
        with pytest.raises(RuntimeError, match="not connected"):
            server_redis.get_redis()
        fresh = server_redis.hot_redis()
        assert fresh is not hot and await fresh.ping()
        await server_redis.close_redis()
    finally:
        watcher.close()
