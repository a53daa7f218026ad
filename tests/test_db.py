"""The two faults the foundation closes: cancelled transactions, and SQLite under concurrent writes."""

from __future__ import annotations

import asyncio
import random
from urllib.parse import urlsplit

import httpx
import pytest
from tortoise import connections

from server.db import run_atomic
from server.directory.models import Region, RegionLevel


async def _idle_in_transaction() -> int:
    conn = connections.get("default")
    rows = await conn.execute_query_dict(
        "SELECT count(*) AS n FROM pg_stat_activity "
        "WHERE datname = current_database() AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
    )
    return int(rows[0]["n"])


async def _settled_leaks(is_postgres: bool) -> int:
    """Give shielded transactions time to finish, then count connections left inside a transaction."""
    if not is_postgres:
        return 0
    for _ in range(40):
        leaked = await _idle_in_transaction()
        if leaked == 0:
            return 0
        await asyncio.sleep(0.05)
    return leaked


async def _disconnecting_burst(base_url: str, path: str, n: int) -> None:
    """n clients that send a request and hang up at once: Sanic cancels each handler mid-flight."""
    parts = urlsplit(base_url)

    async def one() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        writer.write(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".encode())
        await writer.drain()
        await asyncio.sleep(random.uniform(0, 0.02))
        writer.transport.abort()

    await asyncio.gather(*(one() for _ in range(n)))


async def test_disconnects_mid_transaction_leave_no_connection_inside_a_transaction(
    client: httpx.AsyncClient, server: str, is_postgres: bool
) -> None:
    for _ in range(10):
        await _disconnecting_burst(server, "/_test/slow-write", 20)
    assert await _settled_leaks(is_postgres) == 0
    # Every transaction that started ran to its end: rows come in whole groups of three.
    assert await Region.filter(province_code="990000").count() % 3 == 0
    # And the database still takes writes (SQLite: the write lock was released).
    r = await client.post("/_test/write")
    assert r.status_code == 200


async def test_cancelling_callers_at_random_points_never_cuts_a_transaction(db: None, is_postgres: bool) -> None:
    async def work() -> None:
        for i in range(2):
            await Region.create(
                code=f"c{random.getrandbits(40)}{i}", name="x", level=RegionLevel.COUNTY, province_code="990001"
            )
            await asyncio.sleep(0)

    tasks = []
    for _ in range(60):
        task = asyncio.ensure_future(run_atomic(work))
        tasks.append(task)
        await asyncio.sleep(random.uniform(0, 0.003))
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert await _settled_leaks(is_postgres) == 0
    await asyncio.sleep(0.2)
    assert await Region.filter(province_code="990001").count() % 2 == 0


async def test_concurrent_writes_all_succeed(client: httpx.AsyncClient) -> None:
    """On SQLite one worker in WAL mode with a busy timeout: 50 concurrent writers, no 'database is locked'."""
    responses = await asyncio.gather(*(client.post("/_test/write") for _ in range(50)))
    assert [r.status_code for r in responses] == [200] * 50
    assert await Region.filter(province_code="990000").count() == 100


async def test_failed_transaction_rolls_back_whole(db: None) -> None:
    async def half() -> None:
        await Region.create(code="r1", name="x", level=RegionLevel.COUNTY, province_code="990002")
        raise ValueError("boom")

    with pytest.raises(ValueError):
        await run_atomic(half)
    assert not await Region.filter(province_code="990002").exists()


async def test_read_then_write_transaction_waits_for_another_process_writer(db: None, is_postgres: bool) -> None:
    """On SQLite the job worker is another process writing the same file: a transaction that read before the
    worker's commit must still be able to write (it waits for the lock instead of failing 'database is locked')."""
    if is_postgres:
        pytest.skip("SQLite locking; PostgreSQL has row locks")
    import sqlite3
    import threading

    from server.config import get_settings

    path = get_settings().effective_database_url.removeprefix("sqlite://").split("?")[0]
    await Region.create(code="990101", name="甲", level=RegionLevel.COUNTY, province_code="990000")
    other_done = threading.Event()
    failures: list[BaseException] = []

    def other_process_writes() -> None:
        try:
            conn = sqlite3.connect(path, timeout=10)
            conn.execute("UPDATE region SET name = '乙' WHERE code = '990101'")
            conn.commit()
            conn.close()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
        finally:
            other_done.set()

    async def read_then_write() -> None:
        await Region.get(code="990101")
        threading.Thread(target=other_process_writes, daemon=True).start()
        await asyncio.sleep(0.3)  # the other writer commits now unless this transaction holds the lock
        await Region.create(code="990102", name="丙", level=RegionLevel.COUNTY, province_code="990000")

    await run_atomic(read_then_write)
    await asyncio.get_running_loop().run_in_executor(None, other_done.wait, 15)
    assert not failures
    assert await Region.filter(code__in=["990101", "990102"]).count() == 2
    assert (await Region.get(code="990101")).name == "乙"


async def test_time_filters_compare_moments_not_text(db: None) -> None:
    """An auto_now time (written in Asia/Shanghai) compared with a UTC moment: SQLite compares stored text, so both
    must be written in one zone (on PostgreSQL timestamptz does it). Eight hours of wrong answers otherwise."""
    from datetime import UTC, datetime, timedelta

    from server.common.models import AuditEntry

    entry = await AuditEntry.create(action="test.moment", actor_id=None)
    after = datetime.now(UTC) + timedelta(seconds=1)
    before = datetime.now(UTC) - timedelta(hours=1)
    assert await AuditEntry.filter(id=entry.id, created_at__lte=after).exists()
    assert await AuditEntry.filter(id=entry.id, created_at__gte=before).exists()
    assert not await AuditEntry.filter(id=entry.id, created_at__gt=after).exists()


def test_postgres_connects_and_statements_are_bounded_but_not_migrations() -> None:
    from server.config import Settings
    from server.db import _database_url

    settings = Settings(app_env="test", database_url="postgres://u@h:5432/d", redis_url="redis://x")
    assert _database_url(settings).endswith("&timeout=3&command_timeout=30.0")
    assert "command_timeout" not in _database_url(settings, statement_timeout=False)
    own = Settings(app_env="test", database_url="postgres://u@h/d?timeout=9&command_timeout=5", redis_url="redis://x")
    assert _database_url(own).count("timeout=") == 2  # what the URL says is kept


async def _indexed_columns(is_postgres: bool) -> dict[str, set[str]]:
    """Table → the columns that lead an index, as the migrated database has them."""
    conn = connections.get("default")
    found: dict[str, set[str]] = {}
    if is_postgres:
        _, rows = await conn.execute_query(
            "SELECT t.relname AS tbl, a.attname AS col FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0] "
            "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()"
        )
        for row in rows:
            found.setdefault(row["tbl"], set()).add(row["col"])
        return found
    _, tables = await conn.execute_query("SELECT name FROM sqlite_master WHERE type = 'table'")
    for table in tables:
        _, indexes = await conn.execute_query(f'PRAGMA index_list("{table["name"]}")')
        for index in indexes:
            _, cols = await conn.execute_query(f'PRAGMA index_info("{index["name"]}")')
            lead = [c["name"] for c in cols if c["seqno"] == 0]
            found.setdefault(table["name"], set()).update(lead)
    return found


async def test_every_index_the_models_declare_exists_after_migrating(db: None, is_postgres: bool) -> None:
    # A field's db_index must become an index: one added by a field operation once made only the column
    # (outbox_event.dispatched_at), so the drain scanned the whole outbox every second.
    from tortoise import Tortoise

    indexed = await _indexed_columns(is_postgres)
    missing = []
    for models in Tortoise.apps.values():
        for model in models.values():
            table = model._meta.db_table
            for name, field in model._meta.fields_map.items():
                if getattr(field, "index", False) and not field.pk:
                    column = field.source_field or name
                    if column not in indexed.get(table, set()):
                        missing.append(f"{table}.{column}")
    assert missing == [], " ".join(missing)
    assert "event_id" in indexed["notification_delivery"]  # deliveries by event: completing an event's deliveries


async def test_pooled_connections_come_back_without_a_reset_statement_yet_never_inside_a_transaction(
    db: None, is_postgres: bool
) -> None:
    """PostgreSQL connections skip asyncpg's reset query (server.db.SessionlessConnection): a released connection
    that was left inside a transaction is still rolled back, and the server leaves no session state behind."""
    if not is_postgres:
        pytest.skip("SQLite has no connection pool")
    from server.db import SessionlessConnection

    pool = connections.get("default")._pool
    async with pool.acquire() as raw:
        assert isinstance(raw._con, SessionlessConnection) and raw.get_reset_query() == ""
        await raw.execute("BEGIN")
        await raw.execute(
            "INSERT INTO region (code, name, level, province_code) VALUES ('990000', '遗留', 'province', '990000')"
        )
    async with pool.acquire() as raw:
        assert not raw.is_in_transaction()
    assert not await Region.filter(code="990000").exists()


def test_the_server_keeps_no_postgres_session_state() -> None:
    """What skipping the reset relies on: no session-level SET, LISTEN, advisory lock or cursor anywhere."""
    import re
    from pathlib import Path

    # a statement that starts with SET (not SET LOCAL), RESET or LISTEN; an advisory lock; a cursor
    forbidden = re.compile(r"[\"'](SET (?!LOCAL\b)|RESET |LISTEN )|pg_advisory_(xact_)?lock|DECLARE \w+ CURSOR")
    found = [
        f"{path}:{n}"
        for path in Path(__file__).resolve().parents[1].joinpath("server").rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if forbidden.search(line) and "forbidden" not in line
    ]
    assert found == []
