"""Outages of the database or Redis: recognised, answered 503, logged as one line, probed until they end.

A dependency that is down (refused, reset, killed) or not answering (stalled past its timeout) is not a bug of ours:
a request that meets it answers 503 ``SERVICE_UNAVAILABLE`` with ``Retry-After`` (``server.common.http``), not a 500
with a traceback. The first failure marks the dependency down; from then on

- every request is refused at once (``refuse_while_down``, a request middleware), so that a stalled Redis does not
  hold each request for its full timeout, one behind the other;
- one warning line says so, then at most one line every ``LOG_EVERY_S`` with the number of failures in between
  (an outage under load is thousands of failures: one traceback each drowned the log);
- a probe pings the dependency every ``outage_probe_interval_s``; when it answers, the stale connections are
  dropped (so the next request does not meet a dead socket), one line says it is back, and requests pass again.

The job worker (``server.worker``) uses the same recognition and the same log line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal

import asyncpg
import redis.exceptions as redis_errors
from tortoise.exceptions import DBConnectionError

from server import db
from server import redis as redis_mod
from server.common import jobs, metrics
from server.config import get_settings
from server.errors import ServiceUnavailable

log = logging.getLogger("server.outage")

Dependency = Literal["database", "redis"]
DATABASE: Dependency = "database"
REDIS: Dependency = "redis"
LOG_EVERY_S = 10.0
# Paths answered whatever is down: liveness, readiness (it reports the outage), metrics and the API's document.
# Every other operation may answer 503 SERVICE_UNAVAILABLE, and the OpenAPI document says so (server.common.apidoc).
ALWAYS_ANSWERED = ("/healthz", "/readyz", "/metrics", "/docs")

# Libraries whose frames tell who raised a plain socket error or time-out (an OSError carries no other mark)
_OWNERS: tuple[tuple[str, Dependency], ...] = (
    ("asyncpg", DATABASE),
    ("tortoise.backends", DATABASE),
    ("redis", REDIS),
    ("arq", REDIS),
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _raised_in(tb: TracebackType | None) -> Dependency | None:
    """The dependency whose client code is the innermost frame of ``tb`` that belongs to one."""
    frames = []
    while tb is not None:
        frames.append(str(tb.tb_frame.f_globals.get("__name__", "")))
        tb = tb.tb_next
    for module in reversed(frames):
        for prefix, dependency in _OWNERS:
            if module == prefix or module.startswith(prefix + "."):
                return dependency
    return None


def classify(exc: BaseException) -> Dependency | None:
    """Which dependency ``exc`` says is down or not answering; None for anything else (a bug, bad data)."""
    for e in _chain(exc):
        if isinstance(e, redis_errors.ConnectionError | redis_errors.TimeoutError):
            return REDIS
        if isinstance(
            e,
            DBConnectionError
            | asyncpg.PostgresConnectionError
            | asyncpg.exceptions.OperatorInterventionError
            | asyncpg.exceptions.TooManyConnectionsError,
        ):
            return DATABASE
        if isinstance(e, asyncpg.InterfaceError) and ("closed" in str(e) or "closing" in str(e)):
            return DATABASE
        # "cannot switch to state …; another operation is in progress": what asyncpg says about a connection whose
        # server died under a statement (seen killing PostgreSQL under load)
        if isinstance(e, asyncpg.exceptions.InternalClientError) and "another operation" in str(e):
            return DATABASE
        # redis-py's connection closed under a command by a concurrent time-out (its writer is gone: "'NoneType' object
        # has no attribute 'writelines'"; seen at 5,000 candidates on 2 cores): the connection failed, not our code
        if isinstance(e, AttributeError) and "NoneType" in str(e) and _raised_in(e.__traceback__) == REDIS:
            return REDIS
        if isinstance(e, OSError | TimeoutError):
            found = _raised_in(e.__traceback__)
            if found is not None:
                return found
    return None


@dataclass
class _State:
    down_since: float | None = None
    last_logged: float = 0.0
    suppressed: int = 0
    probe: asyncio.Task[None] | None = field(default=None, repr=False)


_states: dict[Dependency, _State] = {DATABASE: _State(), REDIS: _State()}
_recoveries = 0


async def _ping_database() -> None:
    await db.ping_db()


async def _ping_redis() -> None:
    await redis_mod.get_redis().ping()


async def _reset_database() -> None:
    await db.drop_stale_connections()


async def _reset_redis() -> None:
    await redis_mod.drop_stale_connections()
    await jobs.drop_stale_connections()


PROBES: dict[Dependency, Callable[[], Awaitable[None]]] = {DATABASE: _ping_database, REDIS: _ping_redis}
RESETS: dict[Dependency, Callable[[], Awaitable[None]]] = {DATABASE: _reset_database, REDIS: _reset_redis}


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    return text if len(text) <= 200 else text[:197] + "…"


def report(dependency: Dependency, exc: BaseException, *, probe: bool = True) -> None:
    """Record a failure caused by ``dependency``: marks it down, logs (rate-limited), starts its probe (unless the
    caller is itself retrying, like the worker waiting for the database at start-up, before it has a pool)."""
    state = _states[dependency]
    now = time.monotonic()
    metrics.DEPENDENCY_FAILURES.labels(dependency).inc()
    newly = state.down_since is None
    if newly:
        state.down_since = now
        metrics.DEPENDENCY_UP.labels(dependency).set(0)
    if newly or now - state.last_logged >= LOG_EVERY_S:
        log.warning(
            "dependency unavailable",
            extra={"dependency": dependency, "error": _describe(exc), "failures_since_last_line": state.suppressed},
        )
        state.last_logged, state.suppressed = now, 0
    else:
        state.suppressed += 1
    if probe:
        _start_probe(dependency)


def down() -> list[Dependency]:
    """The dependencies currently marked down (in this process)."""
    return [name for name, state in _states.items() if state.down_since is not None]


def unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(headers={"Retry-After": str(get_settings().outage_retry_after_s)})


def refuse_while_down() -> None:
    """Raise 503 at once while a dependency is marked down (the probe clears the mark when it answers again)."""
    if down():
        raise unavailable()


def _start_probe(dependency: Dependency) -> None:
    state = _states[dependency]
    if state.probe is not None and not state.probe.done():
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no loop (a synchronous caller): the next failure in a loop starts it
        return
    state.probe = loop.create_task(_probe(dependency), name=f"outage-probe-{dependency}")


async def _probe(dependency: Dependency) -> None:
    settings = get_settings()
    state = _states[dependency]
    while state.down_since is not None:
        await asyncio.sleep(settings.outage_probe_interval_s)
        try:
            await asyncio.wait_for(PROBES[dependency](), timeout=max(settings.redis_timeout_s, 1.0))
        except Exception as exc:  # noqa: BLE001 - still down, whatever it says; counted, logged rate-limited
            state.suppressed += 1
            now = time.monotonic()
            if classify(exc) is None and now - state.last_logged >= LOG_EVERY_S:
                log.warning("outage probe failed", extra={"dependency": dependency, "error": _describe(exc)})
                state.last_logged = now
            continue
        try:
            await RESETS[dependency]()
        except Exception as exc:  # noqa: BLE001 - stale connections then fail once each; nothing else to do
            log.warning("dropping stale connections failed", extra={"dependency": dependency, "error": repr(exc)})
        seconds = round(time.monotonic() - (state.down_since or time.monotonic()), 1)
        log.warning(
            "dependency available again",
            extra={"dependency": dependency, "down_s": seconds, "failures_since_last_line": state.suppressed},
        )
        state.down_since, state.suppressed, state.last_logged = None, 0, 0.0
        metrics.DEPENDENCY_UP.labels(dependency).set(1)
        global _recoveries
        _recoveries += 1


def recoveries() -> int:
    """How many outages have ended in this process (the worker catches up after each)."""
    return _recoveries


async def wait_until_up(timeout: float) -> bool:
    """Wait for every dependency marked down to answer again (tests, the worker's catch-up); True when all did."""
    deadline = time.monotonic() + timeout
    while down():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


def reset() -> None:
    """Forget every outage (process start-up, tests)."""
    for state in _states.values():
        if state.probe is not None and not state.probe.done():
            state.probe.cancel()
    for name in list(_states):
        _states[name] = _State()
