"""Disposable PostgreSQL and Redis servers to kill, stall and restart, the real server and worker against them, and
an answer-save load, for the fault tests (tests/test_faults.py).

Nothing here touches the PostgreSQL and Redis this machine or CI provides: each server is started on a free port in
a temporary directory and removed afterwards. Database work (migrations, seeding, look-ups) runs in a child process
(``python -m tests.support.faults …``) so that the test session's own tortoise set-up is left alone.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from server.config import ROOT
from tests.support.devserver import free_port


def postgres_bin() -> Path | None:
    """The directory of initdb/postgres (the newest installed), or None when PostgreSQL is not installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("initdb")
    return Path(which).parent if which else None


def _as_postgres(args: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root: run them as the postgres account when the tests are root
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


class DisposablePostgres:
    """A PostgreSQL cluster of its own: initdb into a temporary directory, served on a free loopback port."""

    def __init__(self) -> None:
        bindir = postgres_bin()
        if bindir is None:
            raise RuntimeError("no initdb")
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="yishi-fault-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self.dir.chmod(0o755)
        subprocess.run(
            _as_postgres([str(bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"]),
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self, timeout: float = 30) -> None:
        args = [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.dir)]
        args += ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=100", "-c", "fsync=on"]
        log = (self.dir / "postgres.log").open("ab")
        self.proc = subprocess.Popen(_as_postgres(args), stdout=log, stderr=log, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("disposable PostgreSQL did not start: " + (self.dir / "postgres.log").read_text()[-2000:])

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend (its whole process group), as a crashed machine would."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)
            self.proc = None
        time.sleep(0.2)

    def remove(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class DisposableRedis:
    """A redis-server of its own on a free loopback port, with AOF as production runs it (deploy/compose.yaml)."""

    def __init__(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            from server.redis import _redis_executable

            exe = _redis_executable()
        self.exe = exe
        self.dir = Path(tempfile.mkdtemp(prefix="yishi-fault-redis-"))
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15) -> None:
        args = [self.exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", ""]
        args += ["--appendonly", "yes", "--appendfsync", "always", "--logfile", str(self.dir / "redis.log")]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        import redis as sync_redis

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                sync_redis.Redis(port=self.port, socket_timeout=1).ping()
                return
            except sync_redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("disposable redis-server did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None

    def stall(self) -> None:
        """SIGSTOP: the socket stays open and nothing answers (a hung server, a network partition)."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def remove(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGCONT)
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Process:
    """``python -m server <command>`` against the disposable servers, its output in a file."""

    def __init__(self, command: str, env: dict[str, str], log: Path) -> None:
        self.command, self.env, self.log_path = command, env, log
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server", self.command],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")


def system_env(database_url: str, redis_url: str, data_dir: Path, port: int) -> dict[str, str]:
    """The server's and worker's environment: the disposable servers, the session's emulators, exams open to all."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL"}}
    env.update(
        APP_ENV="development",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DATA_DIR=str(data_dir),
        HOST="127.0.0.1",
        PORT=str(port),
        WORKERS="1",
        LOG_LEVEL="INFO",
        DB_POOL_MAX="10",
        EXAMS_OPEN_TO_ALL="true",
        RUN_WORKER_IN_PROCESS="false",
    )
    return env


def helper(command: str, env: dict[str, str], *args: str, timeout: float = 180) -> Any:
    """Run ``python -m tests.support.faults <command>`` (database work in a process of its own); its JSON answer."""
    done = subprocess.run(
        # "--": an attempt ref may begin with "-" (URL-safe base64), which argparse would take for an option
        [sys.executable, "-m", "tests.support.faults", command, "--", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"helper {command} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def wait_for(url: str, timeout: float = 90, status: int = 200) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == status:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def start_attempts(base_url: str, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    plan = []
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for p in people:
            r = client.post(
                "/api/v1/exams/humanities/attempts",
                json={"capture_id": "fault", "device_id": "fault"},
                headers={"Authorization": f"Bearer {p['token']}"},
            )
            assert r.status_code in (200, 201), r.text
            body = r.json()
            questions = [[q["question_ref"], [o["option_id"] for o in q["options"]]] for q in body["questions"]]
            plan.append({"ref": body["attempt_ref"], "token": p["token"], "questions": questions})
    return plan


@dataclass
class LoadResult:
    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    slowest_s: float = 0.0
    no_answer: int = 0  # requests that got no HTTP answer at all within the client's time-out
    acks: dict[tuple[str, str], int] = field(default_factory=dict)  # newest acknowledged seq per answer
    bad_503: list[str] = field(default_factory=list)  # 503s without Retry-After or a Chinese message
    first_ok_after: dict[str, float] = field(default_factory=dict)


async def _load(base_url: str, plan: list[dict[str, Any]], until: asyncio.Event, result: LoadResult) -> None:
    seq = int(time.time() * 1000) * 100

    async def candidate(index: int, client: httpx.AsyncClient) -> None:
        nonlocal seq
        cand = plan[index]
        turn = 0
        while not until.is_set():
            qref, options = cand["questions"][turn % len(cand["questions"])]
            turn += 1
            seq += 1
            mine = seq
            started = time.monotonic()
            try:
                r = await client.put(
                    f"/api/v1/exams/attempts/{cand['ref']}/answers/{qref}",
                    json={"option_ids": [options[turn % len(options)]], "seq": mine},
                    headers={"Authorization": f"Bearer {cand['token']}", "X-Device-Id": "fault"},
                )
            except httpx.HTTPError:
                result.no_answer += 1
                await asyncio.sleep(0.05)
                continue
            finally:
                result.slowest_s = max(result.slowest_s, time.monotonic() - started)
            result.statuses[r.status_code] += 1
            if r.status_code == 200:
                key = (cand["ref"], qref)
                result.acks[key] = max(mine, result.acks.get(key, 0))
            else:
                try:
                    error = r.json()["error"]
                except (ValueError, KeyError):
                    error = {"code": f"<{r.status_code} without the error shape>", "message": ""}
                result.codes[error["code"]] += 1
                if r.status_code == 503 and (
                    not r.headers.get("retry-after") or not any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
                ):
                    result.bad_503.append(r.text)
                await asyncio.sleep(0.05)

    async with httpx.AsyncClient(base_url=base_url, timeout=15) as client:
        await asyncio.gather(*(candidate(i, client) for i in range(len(plan))))


class Load:
    """Answer saves by every candidate of ``plan``, one at a time each, in a thread of its own until stopped."""

    def __init__(self, base_url: str, plan: list[dict[str, Any]]) -> None:
        import threading

        self.result = LoadResult()
        self._loop = asyncio.new_event_loop()
        self._until = asyncio.Event()
        self._thread = threading.Thread(
            target=self._loop.run_until_complete, args=(_load(base_url, plan, self._until, self.result),), daemon=True
        )

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._until.set)
        self._thread.join(60)
        self._loop.close()

    def snapshot(self) -> tuple[Counter[int], Counter[str]]:
        return Counter(self.result.statuses), Counter(self.result.codes)


def stored_answers(base_url: str, plan: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Every stored answer's seq, read back through the resume endpoint."""
    stored: dict[tuple[str, str], int] = {}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for cand in plan:
            r = client.get(
                f"/api/v1/exams/attempts/{cand['ref']}",
                headers={"Authorization": f"Bearer {cand['token']}", "X-Device-Id": "fault"},
            )
            r.raise_for_status()
            for a in r.json()["answers"]:
                stored[(cand["ref"], a["question_ref"])] = a["seq"]
    return stored


# ---- the child process: database work ------------------------------------------------------------------------------
async def _seed(candidates: int) -> list[dict[str, Any]]:
    from server import db
    from server.accounts.models import User
    from server.common.auth import SESSION_KEY, Principal, issue_access_token
    from server.common.enums import Role
    from server.config import get_settings
    from server.exams.demo import seed_demo
    from server.redis import create_client, set_redis

    settings = get_settings()
    await db.migrate_db(settings)
    await db.init_db(settings)
    redis = create_client(settings.redis_url)
    set_redis(redis)
    await seed_demo()
    await User.bulk_create(
        [User(role=Role.PHYSICIAN, phone=f"1371111{i:04d}", real_name=f"考生{i}") for i in range(candidates)]
    )
    out = []
    for u in await User.filter(role=Role.PHYSICIAN, phone__startswith="1371111").order_by("id"):
        sid = f"fault-{u.id}"
        await redis.set(SESSION_KEY.format(sid=sid), str(u.id), ex=7200)
        token = issue_access_token(Principal(user_id=u.id, role=Role.PHYSICIAN, session_id=sid), ttl_s=7200)
        out.append({"user_id": u.id, "token": token})
    await redis.aclose()
    await db.close_db()
    return out


async def _overdue(ref: str, seconds_ago: float) -> dict[str, Any]:
    """Move an attempt's deadline into the past (inside its grace period): it falls due during the outage."""
    from datetime import UTC, datetime, timedelta

    from server import db
    from server.exams.models import Attempt

    await db.init_db()
    await Attempt.filter(ref=ref).update(deadline_at=datetime.now(UTC) - timedelta(seconds=seconds_ago))
    await db.close_db()
    return {"ok": True}


async def _emit(user_id: int, count: int) -> dict[str, Any]:
    from server import db
    from server.common import outbox
    from server.common.models import OutboxEvent

    async def body() -> None:
        for _ in range(count):
            await outbox.emit(kind="account.security", user_id=user_id, payload={"action": "password.changed"})

    await db.init_db()
    await db.run_atomic(body)
    ids = sorted(await OutboxEvent.filter(user_id=user_id).values_list("id", flat=True))
    await db.close_db()
    return {"event_ids": ids}


async def _status(refs: list[str], event_ids: list[int]) -> dict[str, Any]:
    from server import db
    from server.exams.models import Attempt
    from server.notifications.models import InboxMessage

    await db.init_db()
    statuses = {a.ref: str(a.status) for a in await Attempt.filter(ref__in=refs)}
    inbox = await InboxMessage.filter(event_id__in=event_ids).count() if event_ids else 0
    await db.close_db()
    return {"attempts": statuses, "inbox": inbox}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["seed", "overdue", "emit", "status"])
    parser.add_argument("args", nargs="*")
    return parser.parse_args(argv)


def main() -> None:
    ns = parse_args()
    if ns.command == "seed":
        result: Any = asyncio.run(_seed(int(ns.args[0])))
    elif ns.command == "overdue":
        result = asyncio.run(_overdue(ns.args[0], float(ns.args[1])))
    elif ns.command == "emit":
        result = asyncio.run(_emit(int(ns.args[0]), int(ns.args[1])))
    else:
        result = asyncio.run(_status(json.loads(ns.args[0]), json.loads(ns.args[1])))
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
