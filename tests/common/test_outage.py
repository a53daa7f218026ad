"""Outages of the database or Redis are recognised, answered 503 with Retry-After at once while they last, logged as
one line, and forgotten when the dependency answers again (server.common.outage). The whole system under a real
outage: tests/test_faults.py."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
from arq.worker import Retry

from server import redis as redis_mod
from server.common import outage
from server.directory.models import Region
from server.redis import bounded


async def _raised(coro: Any) -> BaseException:
    try:
        await coro
    except BaseException as exc:  # noqa: BLE001 - the test inspects whatever it was
        return exc
    raise AssertionError("no error")


async def test_redis_refused_or_silent_is_a_redis_outage(closed_port: str, black_hole: str) -> None:
    host, port = closed_port.split(":")
    refused = aioredis.Redis(host=host, port=int(port), socket_connect_timeout=1)
    assert outage.classify(await _raised(refused.ping())) == "redis"
    host, port = black_hole.split(":")
    silent = aioredis.Redis(host=host, port=int(port), socket_timeout=0.3, socket_connect_timeout=0.3)
    started = time.monotonic()
    assert outage.classify(await _raised(silent.ping())) == "redis"
    assert time.monotonic() - started < 2
    await refused.aclose()
    await silent.aclose()


async def test_postgres_refused_is_a_database_outage_other_errors_are_not(closed_port: str) -> None:
    host, port = closed_port.split(":")
    exc = await _raised(asyncpg.connect(host=host, port=int(port), user="x", timeout=2))
    assert isinstance(exc, OSError) and outage.classify(exc) == "database"
    # the same socket error from another client (WeChat, SMS, mail go through httpx) is not an outage of ours
    async with httpx.AsyncClient() as client:
        assert outage.classify(await _raised(client.get(f"http://{closed_port}/"))) is None
    assert outage.classify(ValueError("bad data")) is None
    assert outage.classify(RuntimeError("a bug")) is None


async def test_a_hot_command_waiting_behind_a_stalled_one_gives_up_after_the_time_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(redis_mod, "_hot_timed_out_at", float("-inf"))  # undone after: later tests read Redis
    started = time.monotonic()
    exc = await _raised(bounded(asyncio.sleep(30)))
    assert outage.classify(exc) == "redis"
    assert time.monotonic() - started < 3
    # the next one, right after, does not wait a second time
    started = time.monotonic()
    assert outage.classify(await _raised(bounded(asyncio.sleep(30)))) == "redis"
    assert time.monotonic() - started < 0.1


async def test_a_hot_connection_lost_by_the_redis_client_is_an_outage_and_the_client_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Seen at 5,000 candidates on 2 cores: after a cancelled command, redis-py's single-connection client fails to
    # give a connection back (KeyError in ConnectionPool.release), which reached the handler as a 500.
    monkeypatch.setattr(redis_mod, "_hot_timed_out_at", float("-inf"))
    before = redis_mod.hot_redis()

    async def lost() -> None:
        raise KeyError("<redis.asyncio.connection.Connection>")

    exc = await _raised(bounded(lost()))
    assert outage.classify(exc) == "redis"  # answered 503 with Retry-After, the client retries
    after = redis_mod.hot_redis()
    assert after is not before
    assert await bounded(after.ping()) is True


async def test_while_redis_is_down_every_request_answers_503_at_once_and_nothing_is_stored(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    before = await Region.all().count()
    with caplog.at_level(logging.WARNING, logger="server.outage"):
        for _ in range(5):
            outage.report("redis", ConnectionError("Error 111 connecting"))
        refused = await client.post("/_test/write")
        page = await client.get("/api/v1/auth/agreements")
        ready = await client.get("/readyz")
        assert await outage.wait_until_up(10), "the probe never saw Redis answer"
    assert refused.status_code == 503 and page.status_code == 503
    body = page.json()["error"]
    assert body["code"] == "SERVICE_UNAVAILABLE" and body["message"] == "服务暂时不可用，请稍后再试"
    assert page.headers["retry-after"] == "5"
    assert await Region.all().count() == before
    assert ready.status_code == 200  # readiness asks the servers themselves: Redis answers
    lines = [r for r in caplog.records if r.getMessage() == "dependency unavailable"]
    assert len(lines) == 1 and lines[0].dependency == "redis"  # type: ignore[attr-defined]
    assert [r.getMessage() for r in caplog.records].count("dependency available again") == 1
    assert (await client.get("/api/v1/auth/agreements")).status_code == 200


async def test_a_job_that_meets_an_outage_is_retried_and_a_cron_waits_for_its_next_run() -> None:
    from server.worker import _outage_proof

    async def needs_redis(ctx: dict[str, Any]) -> None:
        raise aioredis.ConnectionError("Connection refused")

    async def buggy(ctx: dict[str, Any]) -> None:
        raise KeyError("a bug")

    with pytest.raises(Retry):
        await _outage_proof(needs_redis, retry=True)({"job_try": 2})
    assert await _outage_proof(needs_redis, retry=False)({"job_try": 1}) is None
    with pytest.raises(KeyError):
        await _outage_proof(buggy, retry=True)({"job_try": 1})
    assert await outage.wait_until_up(10)


async def test_a_redis_connection_closed_under_a_command_is_a_redis_outage_not_a_bug(redis_url: str) -> None:
    """What redis-py raises when a concurrent time-out closed the connection a command is writing to (seen at 5,000
    candidates on 2 cores, each then a 500): reproduced on a real connection whose writer is gone."""
    client = aioredis.from_url(redis_url)
    conn = client.connection_pool.make_connection()  # (a TCP or a Unix-socket connection, as the URL says)
    await conn.connect()
    try:
        conn._writer = None  # what a concurrent disconnect leaves behind  # noqa: SLF001
        with pytest.raises(AttributeError) as raised:
            await conn._send_packed_command([b"*1\r\n$4\r\nPING\r\n"])  # noqa: SLF001
        assert outage.classify(raised.value) == outage.REDIS
    finally:
        await conn.disconnect()
        await client.aclose()
    try:  # the same error from our own code is a bug, not an outage
        None.writelines  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as ours:
        assert outage.classify(ours) is None
