"""Benchmark: a burst of concurrent password log-ins must never stall the server's event loop.

Run from the repository root::

    .venv/bin/python tests/bench/login_burst.py [--users 200] [--rounds 3]

The app is served in this process, exactly as in production (argon2id verification in the executor, the session
row and audit entry in the database, the session key in Redis), on a temporary SQLite file and an embedded Redis,
or on ``BENCH_DATABASE_URL`` / ``BENCH_REDIS_URL`` when set. The load comes from a separate process, so the
loop being measured does only the server's work. The load process first opens its ``--users`` connections (as nginx
keeps its upstream connections alive; the cost of that accept storm is printed separately), then sends ``--users``
simultaneous log-ins while the app's loop-lag monitor wakes every 5 ms and records how late it was woken.
Ends with one summary line::

    logins_per_s=… max_loop_lag_ms=…
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

PASSWORD = "Bench#Login2026"
LAG_TARGET_MS = 50.0


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ---- the load generator (a child process) --------------------------------------------------------------------------
async def _burst(base_url: str, phones: list[str]) -> dict[str, object]:
    import httpx

    limits = httpx.Limits(max_connections=len(phones), max_keepalive_connections=len(phones))
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:
        # Open every connection first (as a proxy keeps its upstream connections alive), then wait for "go"
        await asyncio.gather(*(client.get("/healthz") for _ in phones))
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

        async def one(phone: str) -> tuple[int, float]:
            started = time.perf_counter()
            r = await client.post("/api/v1/auth/login", json={"login": phone, "password": PASSWORD})
            return r.status_code, time.perf_counter() - started

        started = time.perf_counter()
        results = await asyncio.gather(*(one(p) for p in phones))
        elapsed = time.perf_counter() - started
    return {
        "ok": sum(1 for status, _ in results if status == 200),
        "errors": sum(1 for status, _ in results if status != 200),
        "statuses": sorted({status for status, _ in results}),
        "seconds": elapsed,
        "latencies": [lat for _, lat in results],
    }


def client_main(base_url: str, phones: list[str]) -> None:
    sys.stdout.write(json.dumps(asyncio.run(_burst(base_url, phones))) + "\n")


# ---- the server side (this process) --------------------------------------------------------------------------------
def _configure(tmp: Path) -> None:
    os.environ["APP_ENV"] = "test"
    os.environ["DATA_DIR"] = str(tmp)
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["LOOP_LAG_INTERVAL_S"] = "0.005"
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL") or f"sqlite://{tmp / 'bench.sqlite3'}"
    os.environ["EMULATORS_ENABLED"] = "false"


async def _prepare_database(n: int) -> list[str]:
    from tortoise import Tortoise

    from server import db
    from server.accounts import passwords as pw
    from server.accounts.models import User
    from server.config import get_settings

    settings = get_settings()
    url = settings.effective_database_url
    if url.startswith("postgres"):
        import asyncpg

        conn = await asyncpg.connect(url)
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await conn.close()
    await db.migrate_db(settings)
    await db.init_db(settings)
    password_hash = pw.hash_password_sync(PASSWORD)  # one hash for all: the bench measures log-ins, not set-up
    phones = [f"186{i:08d}" for i in range(n)]
    await User.bulk_create([User(phone=p, password_hash=password_hash) for p in phones])
    await Tortoise.close_connections()
    return phones


async def _run(args: argparse.Namespace) -> int:
    from server.app import create_app

    phones = await _prepare_database(args.users)
    if args.debug_slow:  # name every callback that holds the loop for more than 30 ms
        import logging

        logging.basicConfig(level=logging.WARNING)
        loop = asyncio.get_running_loop()
        loop.set_debug(True)
        loop.slow_callback_duration = 0.03
    app = create_app(name="login_burst")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    srv = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    assert srv is not None
    await srv.startup()
    await srv.before_start()
    await srv.after_start()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monitor = app.ctx.loop_lag

    async def burst(batch: list[str]) -> tuple[dict[str, object], float]:
        """Run one burst; returns its result and the loop lag while its connections were being opened."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--client", base_url, *batch, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert proc.stdin is not None and proc.stdout is not None
        monitor.reset()
        assert (await proc.stdout.readline()).strip() == b"ready"
        connect_lag = monitor.max_lag
        await asyncio.sleep(0.1)
        monitor.reset()  # from here on: the log-ins only
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
        out, _ = await proc.communicate()
        return dict(json.loads(out)), connect_lag

    try:
        await burst(phones[: int(os.environ.get("BENCH_WARMUP", "10"))])  # warm-up: imports, first paths
        lags, rates, latencies, errors, statuses, connect_lags = [], [], [], 0, set(), []
        for round_no in range(1, args.rounds + 1):
            await asyncio.sleep(0.2)
            result, connect_lag = await burst(phones)
            connect_lags.append(connect_lag * 1000)
            lag_ms = monitor.max_lag * 1000
            rate = float(result["ok"]) / float(result["seconds"])  # type: ignore[arg-type]
            lags.append(lag_ms)
            rates.append(rate)
            latencies.extend(result["latencies"])  # type: ignore[arg-type]
            errors += int(result["errors"])  # type: ignore[call-overload]
            statuses.update(result["statuses"])  # type: ignore[arg-type]
            emit(
                f"round {round_no}: {result['ok']} log-ins in {float(result['seconds']):.2f} s "  # type: ignore[arg-type]
                f"({rate:.0f}/s), errors {result['errors']}, max loop lag {lag_ms:.1f} ms "
                f"over {monitor.samples} samples (opening the {args.users} connections beforehand: "
                f"{connect_lag * 1000:.1f} ms)"
            )
    finally:
        await srv.before_stop()
        srv.close()
        await srv.wait_closed()
        await srv.after_stop()

    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    backend = "postgresql" if os.environ["DATABASE_URL"].startswith("postgres") else "sqlite"
    emit(
        f"{args.users} concurrent log-ins × {args.rounds} rounds on {backend}, "
        f"{os.cpu_count()} cores: p50 {p50:.0f} ms, p99 {p99:.0f} ms, statuses {sorted(statuses)}"
    )
    emit(
        f"opening {args.users} new TCP connections at once held the loop up to {max(connect_lags):.1f} ms "
        "(asyncio accepts them in one callback); behind nginx the app's connections are kept alive"
    )
    max_lag = max(lags)
    verdict = "ok" if max_lag <= LAG_TARGET_MS and errors == 0 else "FAILED"
    emit(f"target: loop never held more than {LAG_TARGET_MS:.0f} ms, no errors -> {verdict}")
    emit(f"logins_per_s={statistics.median(rates):.0f} max_loop_lag_ms={max_lag:.1f}")
    return 0 if verdict == "ok" else 1


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--client":
        client_main(sys.argv[2], sys.argv[3:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--debug-slow", action="store_true", help="log callbacks that hold the loop > 30 ms")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="login-burst-"))
    _configure(tmp)
    embedded = None
    if os.environ.get("BENCH_REDIS_URL"):
        os.environ["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    else:
        from server.redis import EmbeddedRedis

        embedded = EmbeddedRedis(tmp / "redis")
        os.environ["REDIS_URL"] = embedded.start()
    try:
        return asyncio.run(_run(args))
    finally:
        if embedded is not None:
            embedded.stop()


if __name__ == "__main__":
    raise SystemExit(main())
