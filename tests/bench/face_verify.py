"""Benchmark: face comparison with the ID photo, one check on one core and checks per second through the endpoint.

Run from the repository root on a quiet machine::

    .venv/bin/python tests/bench/face_verify.py [--checks 40] [--captures 60] [--workers N]

1. One check in this process, pinned to one core: the embedding of a 640×480 JPEG camera frame (decoding, HOG
   detection around the face box the quality check found, the 5-point alignment, the ResNet descriptor) and its
   distance from a cached ID-photo embedding, as the capture endpoint does once the reference is cached.
   ``--checks`` runs after a warm-up, on ``--core`` (default the last one).
2. ``--captures`` concurrent ``POST /api/v1/proctoring/captures`` through the app served in this process (OpenCV
   quality check in the thread pool, comparison in the process pool of ``--workers`` processes, default one per
   core), each by a physician with consent and an approved ID photo, on a temporary SQLite file and an embedded
   Redis. Every answer must be 201 with ``face_match.status == "match"``.
3. The resident memory of one pool process after the run.

Ends with one summary line::

    median_ms_640=… p95_ms_640=… checks_per_s=… rss_mb=…
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def one_core_checks(n: int, core: int) -> tuple[float, float]:
    """Median and p95 (ms) of one check at 640×480 in this process, on one core."""
    from server.proctoring import face_model
    from tests.support import images as img

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    from server.proctoring.checks import face_thresholds
    from server.proctoring.image import check_face_capture
    from server.proctoring.matching import hint_of

    frame = img.jpeg(img.face_frame(640, 480))
    reference = face_model.embed_image(img.jpeg(img.id_photo())).vector
    assert reference is not None
    # The endpoint hands dlib the face box its quality check found (that check runs anyway, before any comparison)
    hint = hint_of(check_face_capture(frame, face_thresholds()).to_dict())
    for _ in range(3):  # warm-up: model load, first allocations
        face_model.embed_image(frame, hint)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        found = face_model.embed_image(frame, hint)
        assert found.vector is not None
        face_model.distance(found.vector, reference)
        times.append((time.perf_counter() - started) * 1000)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def _configure(tmp: Path, workers: int) -> None:
    os.environ["APP_ENV"] = "test"
    os.environ["DATA_DIR"] = str(tmp)
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["DATABASE_URL"] = f"sqlite://{tmp / 'bench.sqlite3'}"
    os.environ["EMULATORS_ENABLED"] = "false"
    os.environ["FACE_MATCH_WORKERS"] = str(workers)


async def _prepare(n: int) -> list[int]:
    from tortoise import Tortoise

    from server import db
    from server.accounts.models import User
    from server.config import get_settings
    from server.integrations import storage
    from server.proctoring import consent, matching
    from server.proctoring.basics import utcnow
    from tests.support import images as img

    settings = get_settings()
    await db.migrate_db(settings)
    await db.init_db(settings)
    await User.bulk_create([User(phone=f"187{i:08d}", real_name="测试") for i in range(n)])
    ids = list(await User.all().order_by("id").values_list("id", flat=True))
    photo = img.jpeg(img.id_photo())
    for user_id in ids:
        await consent.give_consent(user_id=user_id, version=consent.CONSENT_VERSION)
        await consent.decide_compare_consent(user_id=user_id, version=consent.COMPARE_CONSENT_VERSION, accepted=True)
        stored = await storage.save(photo, purpose="id_photo", ext="jpg")
        await matching.set_reference_photo(user_id=int(user_id), storage_key=stored.key, approved_at=utcnow())
    await Tortoise.close_connections()
    return [int(i) for i in ids]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def endpoint_checks(n: int, workers: int) -> tuple[float, float, int]:
    """Captures per second through the endpoint with the pool, the RSS of a pool process, and the failures."""
    import httpx

    from server.app import create_app
    from server.proctoring import matching
    from server.redis import EmbeddedRedis
    from tests.support import images as img
    from tests.support.factories import auth_headers

    ids = await _prepare(n)
    redis = EmbeddedRedis()
    os.environ["REDIS_URL"] = redis.start()
    from server.config import reset_settings

    reset_settings()
    app = create_app(name="face_verify")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    srv = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    assert srv is not None
    await srv.startup()
    await srv.before_start()
    await srv.after_start()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    frame = img.jpeg(img.face_frame(640, 480))
    failures = 0
    try:
        from server.accounts.models import User

        users = {u.id: u for u in await User.filter(id__in=ids)}
        headers = [await auth_headers(users[i]) for i in ids]
        async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:

            async def capture(h: dict[str, str]) -> bool:
                r = await client.post(
                    "/api/v1/proctoring/captures",
                    files={"image": ("f.jpg", frame, "image/jpeg")},
                    data={"exam_kind": "humanities"},
                    headers=h,
                )
                return r.status_code == 201 and r.json()["face_match"]["status"] == "match"

            await asyncio.gather(*(capture(h) for h in headers[:workers]))  # warm-up: pool start, references cached
            started = time.perf_counter()
            results = await asyncio.gather(*(capture(h) for h in headers))
            elapsed = time.perf_counter() - started
            failures = sum(1 for ok in results if not ok)
        pool = matching._pool
        pids = list(pool._processes) if pool is not None else []  # type: ignore[attr-defined]
        rss = max((_rss_mb(pid) for pid in pids), default=0.0)
    finally:
        await srv.before_stop()
        srv.close()
        await srv.wait_closed()
        await srv.after_stop()
        redis.stop()
    return n / elapsed, rss, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checks", type=int, default=40)
    parser.add_argument("--captures", type=int, default=60)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    # On the 2-core VM this was measured on, core 0 also serves the host's interrupts and runs ~35 % slower
    parser.add_argument("--core", type=int, default=(os.cpu_count() or 1) - 1, help="the core of the one-core check")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="face-bench-") as tmp:
        _configure(Path(tmp), args.workers)
        median, p95 = one_core_checks(args.checks, args.core)
        emit(
            f"one check at 640x480 on core {args.core}: median {median:.0f} ms, p95 {p95:.0f} ms "
            f"over {args.checks} checks"
        )
        rate, rss, failures = asyncio.run(endpoint_checks(args.captures, args.workers))
        emit(
            f"{args.captures} concurrent captures through the endpoint, {args.workers} pool processes on "
            f"{os.cpu_count()} cores: {rate:.1f}/s, {failures} not 201 match; pool process RSS {rss:.0f} MB"
        )
    verdict = "ok" if median <= 150 and failures == 0 else "FAILED"
    emit(f"target: median at most 150 ms on one core, every capture matched -> {verdict}")
    emit(f"median_ms_640={median:.0f} p95_ms_640={p95:.0f} checks_per_s={rate:.1f} rss_mb={rss:.0f}")
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    raise SystemExit(main())
