"""Benchmark of the pre-exam face capture check (not collected by pytest: a script).

Run from the repository root::

    .venv/bin/python tests/bench/face_check.py [--runs 200] [--requests 400] [--opencv-threads 1]

Prints the median and p95 time of one ``check_face_capture`` on a 640×480 and a 1280×960 JPEG frame built from
skimage's astronaut, then the throughput of 16 concurrent checks, and ends with one summary line::

    median_ms_640=… p95_ms_640=… median_ms_1280=… capture_rps=…
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, so `server` imports

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from server.proctoring.image import check_face_capture  # noqa: E402
from tests.proctoring.images import face_frame, jpeg  # noqa: E402

CONCURRENT_UPLOADS = 16


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def time_checks(data: bytes, runs: int, warmup: int = 10) -> list[float]:
    """Seconds taken by each of ``runs`` sequential checks of ``data``, after ``warmup`` untimed ones."""
    for _ in range(warmup):
        check_face_capture(data)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        check_face_capture(data)
        times.append(time.perf_counter() - start)
    return times


def capture_rps(data: bytes, requests: int) -> float:
    """Checks per second with ``CONCURRENT_UPLOADS`` uploads in flight at once.

    Stand-in: this drives ``check_face_capture`` from 16 threads, as the capture endpoint's executor would. When
    the proctoring routes land, this function is replaced by a measurement of the endpoint itself (16 concurrent
    HTTP uploads against a running app), which adds request parsing, storage and the executor hand-off.
    """
    with ThreadPoolExecutor(max_workers=CONCURRENT_UPLOADS) as pool:
        list(pool.map(check_face_capture, [data] * CONCURRENT_UPLOADS))  # warm-up: one cascade per thread
        start = time.perf_counter()
        list(pool.map(check_face_capture, [data] * requests))
        elapsed = time.perf_counter() - start
    return requests / elapsed


def ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200, help="timed sequential checks per frame size")
    parser.add_argument("--requests", type=int, default=400, help="checks in the concurrent run")
    parser.add_argument("--opencv-threads", type=int, help="cv2.setNumThreads for this run (default: OpenCV's own)")
    args = parser.parse_args()
    if args.opencv_threads is not None:
        cv2.setNumThreads(args.opencv_threads)

    frame_640 = jpeg(face_frame(640, 480), 90)
    frame_1280 = jpeg(face_frame(1280, 960), 90)
    emit(f"opencv {cv2.__version__}, {cv2.getNumThreads()} OpenCV threads, {args.runs} runs per size")
    emit(f"frames: 640x480 JPEG {len(frame_640)} bytes, 1280x960 JPEG {len(frame_1280)} bytes")

    t640 = time_checks(frame_640, args.runs)
    t1280 = time_checks(frame_1280, args.runs)
    median_640, p95_640 = statistics.median(t640), float(np.percentile(t640, 95))
    median_1280, p95_1280 = statistics.median(t1280), float(np.percentile(t1280, 95))
    emit(f"640x480:  median {ms(median_640)} ms, p95 {ms(p95_640)} ms")
    emit(f"1280x960: median {ms(median_1280)} ms, p95 {ms(p95_1280)} ms")

    rps = capture_rps(frame_640, args.requests)
    emit(f"{CONCURRENT_UPLOADS} concurrent checks of the 640x480 frame: {rps:.1f} per second")
    summary = f"median_ms_640={ms(median_640)} p95_ms_640={ms(p95_640)} median_ms_1280={ms(median_1280)}"
    emit(f"{summary} capture_rps={rps:.1f}")


if __name__ == "__main__":
    main()
