"""Database set-up shared by the app, the worker, migrations and tests.

Each part of the design that owns tables (``server.parts``) is one tortoise "app" with its own committed migrations
package (``server/<part>/migrations``; core's in ``server/common/migrations``). Schema changes go through
``python -m server migrate``; ``generate_schemas`` is never used outside tests.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
from tortoise import Tortoise, connections
from tortoise.transactions import in_transaction

from server.config import Settings, get_settings
from server.parts import with_

log = logging.getLogger(__name__)


P = ParamSpec("P")
T = TypeVar("T")


POSTGRES_SCHEMES = ("postgres://", "postgresql://")


def _database_url(settings: Settings, *, statement_timeout: bool = True) -> str:
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        # One writer at a time: WAL lets readers proceed and busy_timeout makes a second writer wait instead of
        # failing with "database is locked" (which would surface as a 500).
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        query.setdefault("journal_mode", "WAL")
        query.setdefault("busy_timeout", "10000")
        query.setdefault("synchronous", "NORMAL")
        return urlunsplit(parts._replace(query=urlencode(query)))
    if url.startswith(POSTGRES_SCHEMES) and "maxsize" not in url:
        sep = "&" if "?" in url else "?"
        # Every connection is opened at start-up: a pool that grows during a burst opens its connections right when
        # the loop is busiest (200 simultaneous log-ins held it ~120 ms that way; tests/bench/login_burst.py).
        minsize = min(settings.db_pool_min or settings.db_pool_max, settings.db_pool_max)
        url = f"{url}{sep}minsize={minsize}&maxsize={settings.db_pool_max}"
    if url.startswith(POSTGRES_SCHEMES):
        # A server that does not answer fails the connect (and a statement) after a bounded time, so the request
        # answers 503 instead of waiting on asyncpg's 60 s default (or for ever, for a statement).
        query = dict(parse_qsl(urlsplit(url).query))
        extra = {"timeout": str(max(1, round(settings.db_connect_timeout_s)))}
        if statement_timeout:  # not for migrations: rewriting a big table may rightly take longer
            extra["command_timeout"] = str(settings.db_command_timeout_s)
        missing = {k: v for k, v in extra.items() if k not in query}
        if missing:
            url += ("&" if "?" in url else "?") + urlencode(missing)
    return url


class SessionlessConnection(asyncpg.connection.Connection):
    """A pooled PostgreSQL connection returned to the pool without asyncpg's reset statement.

    asyncpg resets every connection it takes back (``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET
    ALL``): one more round trip and four statements after every query tortoise runs, a quarter of the database's
    work on the answer-save path. The server keeps no session state: no session-level ``SET`` (only ``SET LOCAL``
    and the start-up settings), no ``LISTEN``, no advisory locks, no open cursors (``tests/test_db.py`` holds it to
    that). An open transaction is still rolled back on release: asyncpg does that before the reset query.
    """

    def get_reset_query(self) -> str:
        return ""


def _connection(url: str) -> str | dict[str, Any]:
    """The URL as tortoise takes it; for PostgreSQL its expanded form with :class:`SessionlessConnection`."""
    if not url.startswith(POSTGRES_SCHEMES):
        return url
    from tortoise.backends.base.config_generator import expand_db_url

    config = expand_db_url(url)
    config["credentials"]["connection_class"] = SessionlessConnection
    return config


def tortoise_config(
    settings: Settings | None = None, *, url: str | None = None, statement_timeout: bool = True
) -> dict[str, Any]:
    """The tortoise config dict: one connection, one app per part with its migrations package."""
    settings = settings or get_settings()
    return {
        "connections": {"default": _connection(url or _database_url(settings, statement_timeout=statement_timeout))},
        "apps": {
            part.name: {
                "models": [f"{part.package}.models"],
                "default_connection": "default",
                "migrations": f"{part.package}.migrations",
            }
            for part in with_("models")
        },
        "use_tz": True,
        "timezone": "Asia/Shanghai",
    }


def __getattr__(name: str) -> Any:
    # `tortoise` CLI entry (pyproject [tool.tortoise]): computed on access so importing this module reads no env.
    if name == "TORTOISE_ORM":
        return tortoise_config()
    raise AttributeError(name)


def _sqlite_transactions_take_the_write_lock_first() -> None:
    """SQLite: begin every transaction IMMEDIATE.

    A deferred transaction that has read and then wants to write, while another process (the job worker) has
    written meanwhile, cannot wait for the lock: SQLite answers "database is locked" at once, busy_timeout or not,
    and the request fails with a 500. Taking the write lock at BEGIN lets busy_timeout make it wait its turn.
    """
    from tortoise.backends.sqlite.client import SqliteTransactionWrapper
    from tortoise.exceptions import TransactionManagementError

    if getattr(SqliteTransactionWrapper.begin, "__immediate__", False):
        return

    async def begin(self: Any) -> None:
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc

    begin.__immediate__ = True  # type: ignore[attr-defined]
    SqliteTransactionWrapper.begin = begin  # type: ignore[method-assign]


def _sqlite_datetimes_in_utc() -> None:
    """SQLite: store every aware datetime in UTC.

    SQLite keeps a datetime as text and compares text. tortoise writes an aware value with the offset it came with:
    its auto_now fields in Asia/Shanghai (``+08:00``), values the code passes in UTC (``+00:00``). A filter such as
    ``created_at <= <a UTC moment>`` then compares "…04:21+08:00" with "…20:22+00:00" as strings and is wrong for
    the eight hours in between. Written in one zone, the texts order like the moments they stand for.
    """

    import tortoise.backends.sqlite.executor  # noqa: F401 - registers its own adapter at import: ours must come after

    def adapt(value: datetime) -> str:
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat(" ")

    sqlite3.register_adapter(datetime, adapt)


async def init_db(settings: Settings | None = None, *, url: str | None = None) -> None:
    _sqlite_transactions_take_the_write_lock_first()
    _sqlite_datetimes_in_utc()
    await Tortoise.init(config=tortoise_config(settings, url=url), _enable_global_fallback=True)


async def close_db() -> None:
    """Close every connection and release the global context, so that a later init_db in this process works."""
    await Tortoise.close_connections()


async def migrate_db(settings: Settings | None = None, *, url: str | None = None) -> None:
    """Apply every committed migration (idempotent)."""
    from tortoise.migrations.api import migrate

    await migrate(config=tortoise_config(settings, url=url, statement_timeout=False))
    await connections.close_all()


async def ping_db() -> None:
    # Shielded: a cancelled caller (client gone, probe time-out) must not cut a query in half, which can leave
    # tortoise's SQLite client holding its connection lock for good.
    await asyncio.shield(connections.get("default").execute_query("SELECT 1"))


async def drop_stale_connections() -> None:
    """After an outage: close the pooled connections opened before it (PostgreSQL; SQLite has none to drop)."""
    pool = getattr(connections.get("default"), "_pool", None)
    if pool is not None:
        await pool.expire_connections()


def _log_orphan_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        exc = task.exception()
        log.error("transaction finished after its caller went away and failed", exc_info=exc)


async def run_atomic(fn: Callable[P, Awaitable[T]], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``fn`` in one transaction that a cancelled caller cannot cut in half.

    Sanic cancels a handler when its client disconnects. If that cancellation lands inside tortoise's
    transaction set-up or commit, the connection is returned to the pool "idle in transaction" (PostgreSQL) or
    the SQLite write lock is never released. Running the transaction as its own shielded task lets it finish
    (commit or roll back) whatever happens to the caller; the caller still sees the cancellation.
    """

    async def body() -> T:
        async with in_transaction():
            return await fn(*args, **kwargs)

    task = asyncio.ensure_future(body())
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        task.add_done_callback(_log_orphan_failure)
        raise


async def insert_rows(model: Any, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows given as plain values, a row already there (same unique key) left as it is.

    What ``Model.bulk_create(objs, ignore_conflicts=True)`` does, without building a model object per row: for the
    notification fan-out, three objects an event cost more than writing them. Each column is converted exactly as the
    ORM converts it (``to_db_value``); a column the rows leave out takes its default, an ``auto_now`` time the moment
    of the call. One prepared statement run for every row (``ON CONFLICT DO NOTHING``: SQLite ≥ 3.24, PostgreSQL).
    """
    if not rows:
        return
    meta = model._meta
    conn = model._choose_db(for_write=True)
    at = datetime.now(UTC)
    names = [name for name in meta.fields_db_projection if not meta.fields_map[name].generated]
    fields = [meta.fields_map[name] for name in names]

    def given(field: Any, row: dict[str, Any]) -> Any:
        if field.model_field_name in row:
            return row[field.model_field_name]
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return at
        default = field.default
        return default() if callable(default) else default

    marks = ["?"] * len(names) if conn.capabilities.dialect == "sqlite" else [f"${n + 1}" for n in range(len(names))]
    columns = ", ".join(f'"{meta.fields_db_projection[name]}"' for name in names)
    sql = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES ({", ".join(marks)}) ON CONFLICT DO NOTHING'
    await conn.execute_many(sql, [[f.to_db_value(given(f, row), None) for f in fields] for row in rows])


def atomic(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Decorator form of :func:`run_atomic` for service functions that own a transaction."""

    @wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        return await run_atomic(fn, *args, **kwargs)

    return wrapper
