"""The asyncio load generator of tests/bench/exam_peak.py (``--engine asyncio``): thousands of candidates per process.

Not run by hand: exam_peak.py starts ``--load-procs`` copies of this script, each with its share of the identities,
and talks to them over stdin/stdout (one JSON object per line). Each candidate is an asyncio task with its own
keep-alive HTTP/1.1 connection (raw asyncio streams: a few microseconds of CPU per request, where an HTTP library
costs hundreds, so the generator does not take the cores the server needs): log in, read and give the face consent,
upload a real face frame, start the humanities attempt, then save one answer every 3–7 s (× ``BENCH_WAIT_SCALE``),
with increasing ``seq``, and reload the attempt now and then, until told to stop.

Protocol (parent → child): ``{"cmd": "spawn", "count": N, "rate": R}`` seats N more candidates at R per second;
``{"cmd": "reset"}`` starts a measurement window; ``{"cmd": "report"}`` answers with the window's counts and
latencies; ``{"cmd": "stop"}``. Child → parent: ``{"seated": n, "failed": n}`` after each spawn, the report.
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

    async def request(
        self, method: str, path: str, *, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        for attempt in range(2):  # a connection the server closed while idle is reopened once
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}", f"Content-Length: {len(body)}"]
            lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
            self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            try:
                await self.writer.drain()
                assert self.reader is not None
                status_line = await self.reader.readline()
                if not status_line:
                    raise ConnectionResetError("closed")
                status = int(status_line.split()[1])
                length = 0
                close = False
                while True:
                    line = await self.reader.readline()
                    if line in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = line.decode("latin-1").partition(":")
                    name = name.strip().lower()
                    if name == "content-length":
                        length = int(value.strip())
                    elif name == "connection" and value.strip().lower() == "close":
                        close = True
                data = await self.reader.readexactly(length) if length else b""
                if close:
                    self.close()
                return status, data
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Stats:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.started = time.monotonic()
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
            "latencies": self.latencies,
            "failures": self.failures,
            "errors": self.errors,
        }


STATS = Stats()


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
        self.token = ""
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
        ok = 200 <= status < 300
        STATS.record(route, time.monotonic() - started, ok, f"{status} {data[:120]!r}")
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, None

    async def seat(self) -> dict[str, Any] | None:
        """Log in, consent, capture, start: the attempt, or None when a step failed."""
        status, body = await self.call(
            "POST /auth/login", "POST", "/api/v1/auth/login", json_body={"login": self.login, "password": self.password}
        )
        if status != 200:
            return None
        self.token = body["access_token"]
        status, consent = await self.call("GET /proctoring/consent", "GET", "/api/v1/proctoring/consent")
        if status == 200 and not consent.get("accepted"):
            await self.call(
                "POST /proctoring/consent",
                "POST",
                "/api/v1/proctoring/consent",
                json_body={"version": consent["version"]},
            )
        raw, ctype = _multipart({"exam_kind": EXAM_KIND}, "image", "face.jpg", self.frame)
        status, capture = await self.call(
            "POST /proctoring/captures", "POST", "/api/v1/proctoring/captures", raw=raw, ctype=ctype
        )
        if status not in (200, 201):
            return None
        status, attempt = await self.call(
            "POST /exams/[kind]/attempts",
            "POST",
            f"/api/v1/exams/{EXAM_KIND}/attempts",
            json_body={"capture_id": capture["capture_id"], "device_id": self.device},
        )
        return attempt if status == 201 else None

    async def sit(self, attempt: dict[str, Any], stop: asyncio.Event) -> None:
        """One save every 3–7 s until stopped; a reload of the attempt about every 20 saves."""
        ref = attempt["attempt_ref"]
        questions = [q for q in attempt.get("questions") or [] if q.get("options")]
        seq = 0
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), random.uniform(3, 7) * WAIT_SCALE)
                return
            except TimeoutError:
                pass
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
            say({"seated": seated, "failed": failed})
        elif cmd["cmd"] == "reset":
            STATS.reset()
            say({"ok": True})
        elif cmd["cmd"] == "report":
            say(STATS.report())
        elif cmd["cmd"] == "stop":
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            say({"stopped": True})
            break


if __name__ == "__main__":
    asyncio.run(child_main(sys.argv[1], sys.argv[2]))
