"""Benchmark of the pre-exam face capture check (not collected by pytest: a script).

Run from the repository root::

    .venv/bin/python tests/bench/face_check.py [--runs 200] [--requests 400] [--opencv-threads 1]

Prints the median and p95 time of one ``check_face_capture`` on a 640×480 and a 1280×960 JPEG frame built from
skimage's astronaut (direct calls), then the throughput of the capture endpoint itself: a real server
(``python -m server serve``) on a temporary SQLite file and an embedded Redis, a physician with consent and a token,
and 16 concurrent multipart uploads of the 640×480 frame to ``POST /api/v1/proctoring/captures`` (each checked,
encrypted, stored and recorded). Ends with one summary line::

    median_ms_640=… p95_ms_640=… median_ms_1280=… capture_rps=…
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, so `server` imports

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from server.proctoring.image import check_face_capture  # noqa: E402
from tests.support.images import face_frame, jpeg  # noqa: E402

CONCURRENT_UPLOADS = 16


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def time_checks(data: bytes, runs: int, warmup: int = 10) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each of ``runs`` sequential checks of ``data``, after ``warmup`` untimed ones.

    CPU time (of this process, all its threads) shows the check's own cost when a shared machine is busy and
    the wall time mostly measures waiting for a core.
    """
    for _ in range(warmup):
        check_face_capture(data)
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        check_face_capture(data)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def thread_rps(data: bytes, requests: int) -> float:
    """Checks per second from ``CONCURRENT_UPLOADS`` threads calling the check directly (no HTTP): the ceiling."""
    with ThreadPoolExecutor(max_workers=CONCURRENT_UPLOADS) as pool:
        list(pool.map(check_face_capture, [data] * CONCURRENT_UPLOADS))  # warm-up: one cascade per thread
        start = time.perf_counter()
        list(pool.map(check_face_capture, [data] * requests))
        elapsed = time.perf_counter() - start
    return requests / elapsed


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _physician_token(base_url: str) -> dict[str, str]:
    """A physician with consent to face processing, and a bearer token for a live session (in the server's Redis)."""
    from server import db
    from server.proctoring import consent
    from server.redis import create_client, get_redis, set_redis
    from tests.support.factories import auth_headers, physician

    await db.init_db()
    set_redis(create_client(os.environ["REDIS_URL"]))
    try:
        user = await physician(real_name="测试考生")
        await consent.give_consent(user_id=user.id, version=consent.CONSENT_VERSION)
        return await auth_headers(user)
    finally:
        await get_redis().aclose()
        set_redis(None)
        await db.close_db()


async def _upload_rps(base_url: str, headers: dict[str, str], data: bytes, requests: int) -> float:
    import httpx

    url = f"{base_url}/api/v1/proctoring/captures"
    queue: asyncio.Queue[int] = asyncio.Queue()
    failures: list[str] = []

    async def uploader(client: httpx.AsyncClient) -> None:
        while True:
            try:
                queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            r = await client.post(
                url,
                data={"exam_kind": "humanities"},
                files={"image": ("frame.jpg", data, "image/jpeg")},
                headers=headers,
            )
            if r.status_code != 201:
                failures.append(f"{r.status_code} {r.text[:200]}")

    limits = httpx.Limits(max_connections=CONCURRENT_UPLOADS, max_keepalive_connections=CONCURRENT_UPLOADS)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        for _ in range(CONCURRENT_UPLOADS):  # warm-up: connections, cascades in the server's threads
            queue.put_nowait(0)
        await asyncio.gather(*(uploader(client) for _ in range(CONCURRENT_UPLOADS)))
        for n in range(requests):
            queue.put_nowait(n)
        start = time.perf_counter()
        await asyncio.gather(*(uploader(client) for _ in range(CONCURRENT_UPLOADS)))
        elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit(f"{len(failures)} uploads failed, first: {failures[0]}")
    return requests / elapsed


def capture_rps(data: bytes, requests: int) -> float:
    """Accepted captures per second through the real endpoint with ``CONCURRENT_UPLOADS`` uploads in flight."""
    from server.config import reset_settings
    from server.redis import EmbeddedRedis

    tmp = Path(tempfile.mkdtemp(prefix="face-bench-"))
    redis_server = EmbeddedRedis(tmp / "redis")
    port = _free_port()
    os.environ.update(
        APP_ENV="development",
        DATA_DIR=str(tmp),
        DATABASE_URL=f"sqlite://{tmp / 'bench.sqlite3'}",
        REDIS_URL=redis_server.start(),
        HOST="127.0.0.1",
        PORT=str(port),
        WORKERS="1",
        LOG_LEVEL="WARNING",
    )
    reset_settings()
    root = Path(__file__).resolve().parents[2]
    server: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run([sys.executable, "-m", "server", "migrate"], cwd=root, env=os.environ.copy(), check=True)
        server = subprocess.Popen([sys.executable, "-m", "server", "serve"], cwd=root, env=os.environ.copy())
        base_url = f"http://127.0.0.1:{port}"
        _wait_ready(base_url, server)
        headers = asyncio.run(_physician_token(base_url))
        return asyncio.run(_upload_rps(base_url, headers, data, requests))
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
        redis_server.stop()


def _wait_ready(base_url: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited before it was ready")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not become ready")


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="timed sequential checks per frame size")
    parser.add_argument("--requests", type=int, default=400, help="uploads in the concurrent run")
    parser.add_argument("--opencv-threads", type=int, help="cv2.setNumThreads for this run (default: OpenCV's own)")
    args = parser.parse_args()
    if args.opencv_threads is not None:
        cv2.setNumThreads(args.opencv_threads)

    frame_640 = jpeg(face_frame(640, 480), 90)
    frame_1280 = jpeg(face_frame(1280, 960), 90)
    emit(f"opencv {cv2.__version__}, {cv2.getNumThreads()} OpenCV threads, {args.runs} runs per size")
    emit(f"frames: 640x480 JPEG {len(frame_640)} bytes, 1280x960 JPEG {len(frame_1280)} bytes")

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    emit(f"load average {load} on {os.cpu_count()} cores (wall times include waiting for a core)")
    t640, cpu640 = time_checks(frame_640, args.runs)
    t1280, cpu1280 = time_checks(frame_1280, args.runs)
    cpu_640, cpu_1280 = ms(statistics.median(cpu640)), ms(statistics.median(cpu1280))
    emit(f"CPU per check: 640x480 median {cpu_640} ms, 1280x960 {cpu_1280} ms")
    median_640, p95_640 = statistics.median(t640), float(np.percentile(t640, 95))
    median_1280, p95_1280 = statistics.median(t1280), float(np.percentile(t1280, 95))
    emit(f"640x480:  median {ms(median_640)} ms, p95 {ms(p95_640)} ms")
    emit(f"1280x960: median {ms(median_1280)} ms, p95 {ms(p95_1280)} ms")

    direct = thread_rps(frame_640, args.requests)
    emit(f"{CONCURRENT_UPLOADS} threads checking the 640x480 frame directly: {direct:.1f} per second")
    rps = capture_rps(frame_640, args.requests)
    emit(f"{CONCURRENT_UPLOADS} concurrent uploads to POST /api/v1/proctoring/captures: {rps:.1f} accepted per second")
    summary = f"median_ms_640={ms(median_640)} p95_ms_640={ms(p95_640)} median_ms_1280={ms(median_1280)}"
    emit(f"{summary} capture_rps={rps:.1f}")


if __name__ == "__main__":
    main()
