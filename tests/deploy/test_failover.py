"""Losing an instance mid-exam: two servers behind the project's nginx configuration, one SIGKILLed under load.

Two ``python -m server serve`` instances share one PostgreSQL database and one Redis database; the project's nginx
configuration (deploy/nginx, with its upstream pointed at both) sits in front. Candidates save answers through nginx
the way the app does (each save is an idempotent PUT with a sequence number; a client retries a save that got no
answer or a 502/503/504). Half-way, instance A's whole process group is SIGKILLed. Then:

- every candidate goes on through instance B; nginx retries a PUT that A never answered on B
  (``proxy_next_upstream error timeout``), so what a client sees is, at worst, one slower answer or one error it
  retries;
- no acknowledged answer is lost (each acknowledged ``seq`` is at most the stored one, read back through B);
- every session is still valid and every deadline unchanged (both live in PostgreSQL and Redis, not in the process);
- A is started again and takes traffic: with B stopped, every candidate is served by A.

Needs PostgreSQL (it runs in the suite's PostgreSQL pass: a database of its own beside TEST_DATABASE_URL's, a Redis
database beside TEST_REDIS_URL's) and nginx (``bash deploy/ci-deps.sh``).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.config import ROOT
from tests.support import exam_load
from tests.support.deploy import live_nginx
from tests.support.devserver import free_port, postgres_url_for

pytestmark = pytest.mark.system

CANDIDATES = 24
DEVICE = "failover-device"


def _redis_url() -> str:
    base = os.environ.get("TEST_REDIS_URL")
    if not base:
        pytest.skip("needs TEST_REDIS_URL and TEST_DATABASE_URL (the PostgreSQL pass of make test)")
    root, _, db = base.rpartition("/")
    return f"{root}/{(int(db or 0) + 1) % 16}"


class Instance:
    """One ``python -m server serve`` in its own process group (so SIGKILL takes its workers too)."""

    def __init__(self, name: str, env: dict[str, str], log: Path) -> None:
        self.name, self.env, self.log = name, env, log
        self.port = int(env["PORT"])
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", "serve"],
                cwd=ROOT,
                env=self.env,
                start_new_session=True,
                stdout=out,
                stderr=out,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"instance {self.name} did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()


class Candidates:
    """The app's side: each candidate saves answers one at a time, retrying a save that got no answer."""

    RETRYABLE = {502, 503, 504}

    def __init__(self, base: str, people: list[dict[str, Any]]) -> None:
        self.base = base
        self.people = people
        self.attempts: list[dict[str, Any]] = []
        self.acks: dict[tuple[int, str], int] = {}
        self.retries = 0
        self.errors_seen: dict[str, int] = {}
        self.failed = 0
        self.saves = 0

    def _headers(self, c: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.people[c]['token']}", "X-Device-Id": DEVICE}

    async def start(self, client: httpx.AsyncClient) -> None:
        for c, _ in enumerate(self.people):
            r = await client.post(
                "/api/v1/exams/humanities/attempts",
                json={"capture_id": "failover", "device_id": DEVICE},
                headers=self._headers(c),
            )
            assert r.status_code in (200, 201), r.text
            body = r.json()
            questions = [(q["question_ref"], [o["option_id"] for o in q["options"]]) for q in body["questions"]]
            self.attempts.append({"ref": body["attempt_ref"], "deadline_at": body["deadline_at"], "q": questions})

    async def _save(self, client: httpx.AsyncClient, c: int, seq: int) -> None:
        attempt = self.attempts[c]
        qref, options = attempt["q"][seq % len(attempt["q"])]
        body = {"option_ids": [options[seq % len(options)]], "seq": seq}
        url = f"/api/v1/exams/attempts/{attempt['ref']}/answers/{qref}"
        for attempt_no in range(5):
            try:
                r = await client.put(url, json=body, headers=self._headers(c))
            except httpx.TransportError as exc:
                self.errors_seen[type(exc).__name__] = self.errors_seen.get(type(exc).__name__, 0) + 1
            else:
                if r.status_code == 200:
                    self.acks[(c, qref)] = max(seq, self.acks.get((c, qref), 0))
                    self.saves += 1
                    return
                self.errors_seen[str(r.status_code)] = self.errors_seen.get(str(r.status_code), 0) + 1
                if r.status_code not in self.RETRYABLE:
                    self.failed += 1
                    return
            self.retries += 1
            await asyncio.sleep(0.2 * (attempt_no + 1))
        self.failed += 1

    async def run(self, client: httpx.AsyncClient, seconds: float, first_seq: int) -> int:
        """Every candidate saves for ``seconds``; returns the next sequence number to use."""
        end = time.monotonic() + seconds
        seqs = [first_seq] * len(self.people)

        async def loop(c: int) -> None:
            while time.monotonic() < end:
                seqs[c] += 1
                await self._save(client, c, seqs[c])

        await asyncio.gather(*(loop(c) for c in range(len(self.people))))
        return max(seqs) + 1

    async def check(self, client: httpx.AsyncClient) -> tuple[int, int, int]:
        """(missing acknowledged answers, sessions refused, deadlines changed), read back through nginx."""
        missing = refused = moved = 0
        for c, attempt in enumerate(self.attempts):
            r = await client.get(f"/api/v1/exams/attempts/{attempt['ref']}", headers=self._headers(c))
            if r.status_code != 200:
                refused += 1
                continue
            body = r.json()
            moved += body["deadline_at"] != attempt["deadline_at"]
            stored = {a["question_ref"]: a["seq"] for a in body["answers"]}
            missing += sum(1 for (cc, qref), seq in self.acks.items() if cc == c and stored.get(qref, 0) < seq)
        return missing, refused, moved


def test_losing_an_instance_mid_exam_loses_no_answer(tmp_path: Path) -> None:
    db_url = postgres_url_for("test_failover")
    if db_url is None:
        pytest.skip("needs PostgreSQL: runs in the PostgreSQL pass of make test (TEST_DATABASE_URL)")
    redis_url = _redis_url()
    prepared = subprocess.run(
        [sys.executable, "-m", "tests.support.exam_load", "prepare", db_url, redis_url, str(CANDIDATES)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    people = json.loads(prepared.stdout.strip().splitlines()[-1])
    ports = [free_port(), free_port()]
    a, b = (
        Instance(
            name,
            exam_load.server_env(port=port, db_url=db_url, redis_url=redis_url, data_dir=tmp_path / "data"),
            tmp_path / f"{name}.log",
        )
        for name, port in zip("AB", ports, strict=True)
    )
    a.start()
    b.start()
    # Every candidate here comes from 127.0.0.1, where real phones each have their own address: the per-address
    # limit of the API (100 r/s) would measure itself, not the failover
    nginx = live_nginx(tmp_path, ports, site_text={"zone=api:20m rate=100r/s": "zone=api:20m rate=100000r/s"})
    try:
        asyncio.run(_scenario(nginx.https, people, a, b))
    finally:
        nginx.stop()
        a.stop()
        b.stop()


async def _scenario(base: str, people: list[dict[str, Any]], a: Instance, b: Instance) -> None:
    load = Candidates(base, people)
    async with httpx.AsyncClient(base_url=base, verify=False, timeout=15) as client:
        await load.start(client)
        seq = await load.run(client, 2.0, 0)
        before_kill = load.saves
        assert before_kill > 0 and load.failed == 0

        async def kill_soon() -> None:
            await asyncio.sleep(1.0)
            await asyncio.get_running_loop().run_in_executor(None, a.kill)

        killer = asyncio.create_task(kill_soon())
        seq = await load.run(client, 4.0, seq)
        await killer
        assert load.saves > before_kill, "the candidates stopped when one instance died"
        assert load.failed == 0, f"saves given up: {load.failed}; errors seen {load.errors_seen}"
        missing, refused, moved = await load.check(client)
        assert (missing, refused, moved) == (0, 0, 0), load.errors_seen

        # A comes back and takes traffic: with B gone, every candidate is served by A alone
        await asyncio.get_running_loop().run_in_executor(None, a.start)
        await asyncio.sleep(11)  # nginx's fail_timeout (10 s) for A, marked down after the kill
        await asyncio.get_running_loop().run_in_executor(None, b.stop)
        after_b = load.saves
        await load.run(client, 2.0, seq)
        assert load.saves > after_b and load.failed == 0, load.errors_seen
        assert await load.check(client) == (0, 0, 0)
    sys.stdout.write(
        f"failover: {len(people)} candidates, {load.saves} acknowledged saves, {load.retries} client retries "
        f"(errors seen {load.errors_seen}), 0 acknowledged answers missing, sessions and deadlines unchanged\n"
    )
