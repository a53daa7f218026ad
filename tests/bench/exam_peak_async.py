"""The asyncio load generator of tests/bench/exam_peak.py (``--engine asyncio``): thousands of candidates per process.

Not run by hand: exam_peak.py starts ``--load-procs`` copies of this script, each with its share of the identities,
and talks to them over stdin/stdout (one JSON object per line). Each candidate is an asyncio task with its own
keep-alive HTTP/1.1 connection (raw asyncio streams: a few microseconds of CPU per request, where an HTTP library
costs hundreds, so the generator does not take the cores the server needs): log in, read and give the face consent,
upload a real face frame, start the humanities attempt (an answer "busy, come back", 503 or 429, retried after its
Retry-After, as the app does), then save one answer every 3–7 s (× ``BENCH_WAIT_SCALE``), with increasing ``seq``,
and reload the attempt now and then, until told to stop; an expired access token is renewed with the refresh token
and the request sent again, as the app does. Each report also says how much CPU the generator used and
how late its own loop ran (p99), so that what it adds to the latencies is known.

Protocol (parent → child): ``{"cmd": "spawn", "count": N, "rate": R}`` seats N more candidates at R per second;
``{"cmd": "reset"}`` starts a measurement window; ``{"cmd": "report"}`` answers with the window's counts and
latencies; ``{"cmd": "stop"}``. Child → parent: ``{"seated": n, "failed": n, "why": {step: n}}`` after each spawn
(so far, in all), the report.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

WAIT_SCALE = float(os.environ.get("BENCH_WAIT_SCALE", "1"))
EXAM_KIND = "humanities"


class Connection:
    """One keep-alive HTTP/1.1 connection; requests one at a time, as a phone's app sends them."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.retry_after = 0.0  # the last answer's Retry-After, in seconds (0: none)

    async def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        for attempt in range(2):  # a connection the server closed while idle is reopened once
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}"]
            if body or method not in ("GET", "HEAD"):  # (as phones send them: no length on a bodiless GET)
                lines.append(f"Content-Length: {len(body)}")
            lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
            self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            try:
                await self.writer.drain()
                assert self.reader is not None
                head = await self.reader.readuntil(b"\r\n\r\n")
                answer = head.decode("latin-1").split("\r\n")
                status = int(answer[0].split()[1])
                length = 0
                close = False
                self.retry_after = 0.0
                for line in answer[1:]:
                    name, _, value = line.partition(":")
                    name = name.strip().lower()
                    if name == "content-length":
                        length = int(value.strip())
                    elif name == "connection" and value.strip().lower() == "close":
                        close = True
                    elif name == "retry-after" and value.strip().isdigit():
                        self.retry_after = float(value.strip())
                data = await self.reader.readexactly(length) if length else b""
                if close:
                    self.close()
                return status, data
            except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class LoopLag:
    """How late this generator's own event loop runs a 50 ms timer: a latency it adds to every figure it reports."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + 0.05
            await asyncio.sleep(0.05)
            self.samples.append(max(0.0, loop.time() - due) * 1000)


LAG = LoopLag()


class Stats:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.started = time.monotonic()
        self.cpu_started = time.process_time()
        LAG.samples = []
        self.latencies: dict[str, list[float]] = {}
        self.failures: dict[str, int] = {}
        self.errors: dict[str, int] = {}

    def record(self, route: str, seconds: float, ok: bool, why: str = "") -> None:
        self.latencies.setdefault(route, []).append(seconds * 1000)
        if not ok:
            self.failures[route] = self.failures.get(route, 0) + 1
            key = f"{route}: {why}"[:160]
            self.errors[key] = self.errors.get(key, 0) + 1

    def report(self) -> dict[str, Any]:
        return {
            "seconds": time.monotonic() - self.started,
            "cpu_seconds": time.process_time() - self.cpu_started,
            "loop_lag_p99_ms": sorted(LAG.samples)[int(len(LAG.samples) * 0.99)] if LAG.samples else 0.0,
            "latencies": self.latencies,
            "failures": self.failures,
            "errors": self.errors,
        }


STATS = Stats()
SEAT_FAILURES: dict[str, int] = {}  # "step: status code" → candidates that stopped there (0: no answer at all)
SEAT_RETRIES: dict[str, int] = {}  # step → answers "busy, come back" retried while seating
SEAT_TRIES = 6
REFRESH = "POST /auth/refresh"


def _seat_failed(step: str, status: int, body: Any) -> dict[str, Any] | None:
    """Count a candidate that could not start at ``step``; None, what ``seat`` answers then."""
    code = (body.get("error") or {}).get("code", "") if isinstance(body, dict) else ""
    key = f"{step}: {status} {code}".strip()
    SEAT_FAILURES[key] = SEAT_FAILURES.get(key, 0) + 1
    return None


def _multipart(fields: dict[str, str], file_field: str, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Candidate:
    def __init__(self, host: str, port: int, login: str, password: str, frame: bytes) -> None:
        self.conn = Connection(host, port)
        self.login, self.password, self.frame = login, password, frame
        self.token = self.refresh_token = ""
        self.device = uuid.uuid4().hex

    async def call(
        self, route: str, method: str, path: str, *, json_body: Any = None, raw: bytes = b"", ctype: str = ""
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.token}", "X-Device-Id": self.device} if self.token else {}
        body = raw
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif ctype:
            headers["Content-Type"] = ctype
        started = time.monotonic()
        try:
            status, data = await self.conn.request(method, path, body=body, headers=headers)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            STATS.record(route, time.monotonic() - started, False, type(exc).__name__)
            return 0, None
        if status == 401 and b"TOKEN_EXPIRED" in data and route != REFRESH and await self.refresh():
            return await self.call(route, method, path, json_body=json_body, raw=raw, ctype=ctype)  # as the app does
        ok = 200 <= status < 300
        STATS.record(route, time.monotonic() - started, ok, f"{status} {data[:120]!r}")
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, None

    async def refresh(self) -> bool:
        """A new access token from the refresh token, when the old one expired mid-exam (the app's own step)."""
        status, tokens = await self.call(
            REFRESH, "POST", "/api/v1/auth/refresh", json_body={"refresh_token": self.refresh_token}
        )
        if status != 200:
            return False
        self.token, self.refresh_token = tokens["access_token"], tokens["refresh_token"]
        return True

    async def setting_up(self, route: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """A step before the exam, as the app sends it: an answer saying "busy, come back" (503 or 429) is retried
        after its Retry-After (with some spread, as thousands of phones would), up to SEAT_TRIES times in all."""
        for attempt in range(SEAT_TRIES):
            status, body = await self.call(route, method, path, **kwargs)
            if status not in (429, 503) or attempt == SEAT_TRIES - 1:
                return status, body
            SEAT_RETRIES[route] = SEAT_RETRIES.get(route, 0) + 1
            await asyncio.sleep((self.conn.retry_after or 2.0) * random.uniform(1.0, 2.0))
        raise AssertionError("unreachable")

    async def seat(self) -> dict[str, Any] | None:
        """Log in, consent, capture, start: the attempt, or None when a step failed (counted in SEAT_FAILURES by
        step and answer, so that the ramp says why a candidate could not start)."""
        status, body = await self.setting_up(
            "POST /auth/login", "POST", "/api/v1/auth/login", json_body={"login": self.login, "password": self.password}
        )
        if status != 200:
            return _seat_failed("POST /auth/login", status, body)
        self.token, self.refresh_token = body["access_token"], body["refresh_token"]
        status, consent = await self.setting_up("GET /proctoring/consent", "GET", "/api/v1/proctoring/consent")
        if status != 200:
            return _seat_failed("GET /proctoring/consent", status, consent)
        if not consent.get("accepted"):
            await self.setting_up(
                "POST /proctoring/consent",
                "POST",
                "/api/v1/proctoring/consent",
                json_body={"version": consent["version"]},
            )
        raw, ctype = _multipart({"exam_kind": EXAM_KIND}, "image", "face.jpg", self.frame)
        status, capture = await self.setting_up(
            "POST /proctoring/captures", "POST", "/api/v1/proctoring/captures", raw=raw, ctype=ctype
        )
        if status not in (200, 201):
            return _seat_failed("POST /proctoring/captures", status, capture)
        status, attempt = await self.setting_up(
            "POST /exams/[kind]/attempts",
            "POST",
            f"/api/v1/exams/{EXAM_KIND}/attempts",
            json_body={"capture_id": capture["capture_id"], "device_id": self.device},
        )
        # 201: started; 200: already in progress on this device (a retried start whose first answer was lost)
        return attempt if status in (200, 201) else _seat_failed("POST /exams/[kind]/attempts", status, attempt)

    async def sit(self, attempt: dict[str, Any], stop: asyncio.Event) -> None:
        """One save every 3–7 s until stopped; a reload of the attempt about every 20 saves."""
        ref = attempt["attempt_ref"]
        questions = [q for q in attempt.get("questions") or [] if q.get("options")]
        seq = 0
        while not stop.is_set():
            await asyncio.sleep(random.uniform(3, 7) * WAIT_SCALE)  # (a timer, not a task per wait: stop cancels)
            if stop.is_set():
                return
            if random.random() < 0.05:
                await self.call("GET /exams/attempts/[ref]", "GET", f"/api/v1/exams/attempts/{ref}")
                continue
            question = questions[seq % len(questions)]
            seq += 1
            await self.call(
                "PUT /exams/attempts/[ref]/answers/[q]",
                "PUT",
                f"/api/v1/exams/attempts/{ref}/answers/{question['question_ref']}",
                json_body={"option_ids": [random.choice(question["options"])["option_id"]], "seq": seq},
            )


async def child_main(base_url: str, identities_path: str) -> None:
    from tests.support.images import face_frame, jpeg

    host, port = base_url.removeprefix("http://").split(":")
    spec = json.loads(Path(identities_path).read_text(encoding="utf-8"))
    identities, password = list(spec["candidates"]), spec["password"]
    frame = jpeg(face_frame())
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    seated = failed = 0
    loop = asyncio.get_running_loop()
    lag = asyncio.create_task(LAG.run())
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def say(obj: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    async def one(identity: dict[str, Any]) -> None:
        nonlocal seated, failed
        candidate = Candidate(host, int(port), identity["login"], password, frame)
        attempt = await candidate.seat()
        if attempt is None:
            failed += 1
            candidate.conn.close()
            return
        seated += 1
        try:
            await candidate.sit(attempt, stop)
        finally:
            candidate.conn.close()

    while True:
        line = await reader.readline()
        if not line:
            break
        cmd = json.loads(line)
        if cmd["cmd"] == "spawn":
            target = seated + failed + cmd["count"]
            interval = 1 / cmd["rate"]
            for _ in range(cmd["count"]):
                if not identities:
                    break
                tasks.append(asyncio.create_task(one(identities.pop(0))))
                await asyncio.sleep(interval)
            deadline = time.monotonic() + cmd.get("timeout", 600)
            while seated + failed < target and time.monotonic() < deadline and len(tasks) >= target:
                await asyncio.sleep(0.5)
            say({"seated": seated, "failed": failed, "why": SEAT_FAILURES, "retried": SEAT_RETRIES})
        elif cmd["cmd"] == "reset":
            STATS.reset()
            say({"ok": True})
        elif cmd["cmd"] == "report":
            say(STATS.report())
        elif cmd["cmd"] == "stop":
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            lag.cancel()
            say({"stopped": True})
            break


if __name__ == "__main__":
    asyncio.run(child_main(sys.argv[1], sys.argv[2]))
