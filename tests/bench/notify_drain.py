"""Benchmark of notification delivery (not collected by pytest: a script).

Run from the repository root::

    .venv/bin/python tests/bench/notify_drain.py [--events 10000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test_notifications_bench REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python tests/bench/notify_drain.py

Without DATABASE_URL / REDIS_URL it uses a fresh SQLite file and an embedded redis-server in a temporary
directory; with DATABASE_URL it drops and recreates that database's ``public`` schema (give it one of its own).
It starts the WeChat/Aliyun emulators and the real worker (`python -m server worker`) as their own processes,
emits ``--events`` events (account security notices to users who each have one push device, so every event means
one inbox message and one Aliyun push), and times the worker from its start until every delivery is final. Then it
reads what the emulator received and ends with one summary line::

    events=10000 seconds=… per_s=… duplicates=… lost=…

``per_s`` counts events (each one inbox message plus one provider push); ``duplicates`` is pushes the emulator got
more than once for one delivery, ``lost`` is events without exactly one inbox message or without their push.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the repository root, so `server` imports


def emit_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def prepare_env(tmp: Path) -> list[object]:
    keep: list[object] = []
    os.environ["APP_ENV"] = "test"
    os.environ["DATA_DIR"] = str(tmp)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DATABASE_URL", f"sqlite://{tmp / 'bench.sqlite3'}")
    if not os.environ.get("REDIS_URL"):
        from server.redis import EmbeddedRedis

        redis_server = EmbeddedRedis(tmp / "redis")
        os.environ["REDIS_URL"] = redis_server.start()
        keep.append(redis_server)
    port = free_port()
    os.environ["EMULATOR_PORT"] = str(port)
    # The emulators' SMTP port too: the default (8925) may be taken by a dev server or a test run
    os.environ["EMULATOR_SMTP_PORT"] = os.environ["SMTP_PORT"] = str(free_port())
    base = f"http://127.0.0.1:{port}"
    os.environ["WECHAT_API_BASE"] = base
    os.environ["ALIYUN_SMS_ENDPOINT"] = base
    os.environ["ALIYUN_PUSH_ENDPOINT"] = base
    os.environ["ALIYUN_PROTOCOL"] = "http"
    return keep


async def reset_and_seed(events: int) -> None:
    import redis.asyncio as aioredis

    from server import db
    from server.common.outbox import emit
    from server.config import get_settings, reset_settings
    from server.db import run_atomic
    from server.notifications.models import PushDevice

    reset_settings()
    settings = get_settings()
    if settings.effective_database_url.startswith("postgres"):
        import asyncpg

        conn = await asyncpg.connect(settings.effective_database_url)
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        finally:
            await conn.close()
    r = aioredis.from_url(settings.redis_url)
    await r.flushdb()
    await r.aclose()
    await db.migrate_db(settings)
    await db.init_db(settings)
    if True:
        await PushDevice.bulk_create(
            [
                PushDevice(user_id=uid, device_id=f"bench{uid:011d}", platform="android", session_id="bench")
                for uid in range(1, events + 1)
            ],
            batch_size=1000,
        )
        step = 500
        for start in range(1, events + 1, step):

            async def batch(first: int = start) -> None:
                for uid in range(first, min(first + step, events + 1)):
                    await emit(kind="account.security", user_id=uid, payload={"action": "password.changed"})

            await run_atomic(batch)


async def progress() -> tuple[int, int]:
    """(events not yet dispatched, deliveries not final)."""
    from server.common.models import OutboxEvent
    from server.notifications.models import FINAL_STATUSES, Delivery

    undispatched = await OutboxEvent.filter(dispatched_at=None).count()
    open_ = await Delivery.exclude(status__in=FINAL_STATUSES).count()
    return undispatched, open_


async def verify(events: int, base: str) -> tuple[int, int, Counter[str]]:
    from server.notifications.models import Delivery, InboxMessage

    with urllib.request.urlopen(f"{base}/_emulator/pushes", timeout=60) as response:
        pushes = json.loads(response.read())
    per_delivery = Counter(p["extras"]["delivery_id"] for p in pushes)
    duplicates = sum(n - 1 for n in per_delivery.values())
    inbox = Counter(await InboxMessage.all().values_list("event_id", flat=True))
    sent_push = dict(await Delivery.filter(channel="push", status="sent").values_list("event_id", "id"))
    statuses = Counter(await Delivery.all().values_list("status", flat=True))
    lost = 0
    event_ids = set(inbox) | set(sent_push)
    from server.common.models import OutboxEvent

    all_events = await OutboxEvent.all().values_list("id", flat=True)
    for event_id in all_events:
        if inbox.get(event_id) != 1 or event_id not in sent_push or sent_push[event_id] not in per_delivery:
            lost += 1
    del event_ids
    return duplicates, lost, statuses


async def run(
    args: argparse.Namespace, base: str, tmp: Path, procs: list[subprocess.Popen[bytes]]
) -> tuple[float, int, int, Counter[str]]:
    from server import db

    seed_start = time.perf_counter()
    await reset_and_seed(args.events)
    try:
        emit_line(f"seeded {args.events} events in {time.perf_counter() - seed_start:.1f}s; starting the worker")
        worker_log = (tmp / "worker.log").open("wb")
        started = time.perf_counter()
        for n in range(args.workers):
            profile = ["-m", "cProfile", "-o", f"{args.profile}.{n}" if n else args.profile] if args.profile else []
            procs.append(
                subprocess.Popen(
                    [sys.executable, *profile, "-m", "server", "worker"], cwd=ROOT, stdout=worker_log, stderr=worker_log
                )
            )
        last_report = 0.0
        while True:
            undispatched, open_ = await progress()
            elapsed = time.perf_counter() - started
            if undispatched == 0 and open_ == 0:
                break
            if elapsed - last_report >= 10:
                emit_line(f"  {elapsed:6.1f}s undispatched={undispatched} open_deliveries={open_}")
                last_report = elapsed
            if elapsed > args.timeout:
                raise SystemExit(f"not drained after {args.timeout}s; see {tmp / 'worker.log'}")
            await asyncio.sleep(0.25)
        emit_line(cpu_line(procs, args.events))
        duplicates, lost, statuses = await verify(args.events, base)
        return elapsed, duplicates, lost, statuses
    finally:
        await db.close_db()


def cpu_line(procs: list[subprocess.Popen[bytes]], events: int) -> str:
    """CPU seconds the worker(s) and the emulators used so far (start-up included): where the time went."""
    import psutil

    def cpu(proc: subprocess.Popen[bytes]) -> float:
        times = psutil.Process(proc.pid).cpu_times()
        return float(times.user + times.system)

    emulators, workers = procs[0], procs[1:]
    worker_s = sum(cpu(p) for p in workers)
    return f"cpu: workers {worker_s:.1f}s ({worker_s / events * 1000:.2f} ms/event), emulators {cpu(emulators):.1f}s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--workers", type=int, default=1, help="worker processes draining the same outbox")
    parser.add_argument("--profile", help="write the worker's cProfile statistics to this file (read with pstats)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    keep = prepare_env(tmp)
    procs: list[subprocess.Popen[bytes]] = []
    base = os.environ["WECHAT_API_BASE"]
    try:
        emu_log = (tmp / "emulators.log").open("wb")
        procs.append(
            subprocess.Popen([sys.executable, "-m", "server", "emulators"], cwd=ROOT, stdout=emu_log, stderr=emu_log)
        )
        wait_http(f"{base}/_emulator/calls")
        seconds, duplicates, lost, statuses = asyncio.run(run(args, base, tmp, procs))
        emit_line(f"delivery statuses: {dict(statuses)}")
        database = "postgresql" if os.environ["DATABASE_URL"].startswith("postgres") else "sqlite"
        emit_line(f"database={database} workers={args.workers}")
        emit_line(
            f"events={args.events} seconds={seconds:.1f} per_s={args.events / seconds:.0f} "
            f"duplicates={duplicates} lost={lost}"
        )
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        for item in keep:
            item.stop()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
