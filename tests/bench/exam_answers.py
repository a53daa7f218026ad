"""Benchmark of the exam answer-save hot path, with a crash in the middle (not collected by pytest: a script).

Run from the repository root (PostgreSQL at 127.0.0.1:5432, user postgres, trust auth; Redis at 127.0.0.1:6379)::

    .venv/bin/python tests/bench/exam_answers.py [--candidates 500] [--connections 64] [--seconds 15]

What it does:

1. Re-creates the PostgreSQL database ``test_exams_bench`` (schema dropped, migrations applied), empties Redis db 3,
   imports the demo bank through the importer and seeds the candidates directly in the database (users, live
   sessions in Redis, bearer tokens).
2. Measures a bare Sanic hello-world (2 workers) with the same load generator: the ceiling of this machine.
3. Starts the real server the production way (``python -m server serve``, ``WORKERS=2``, PostgreSQL and Redis from
   the environment). Candidates sit the exam outside any assessment and without a face capture with
   ``EXAMS_OPEN_TO_ALL=true``, a setting the server refuses in production (``APP_ENV=development`` here): the
   bench measures answer saves, not the other parts.
4. Every candidate starts a humanities attempt over HTTP; then the load generator (a separate process speaking raw
   HTTP/1.1 keep-alive over asyncio, one request in flight per connection, each candidate one save at a time) saves
   answers with increasing ``seq`` for ``--seconds``: saves/s, p50/p99 latency and errors.
5. Crash test: the same load again, the server's whole process group SIGKILLed half-way, the server restarted, and
   every acknowledged answer looked up through the resume endpoint: ``missing`` counts acknowledged saves whose
   stored answer is older than what was acknowledged (must be 0).

Ends with one line::

    saves_per_s=… hello_rps=… ratio=… p50_ms=… p99_ms=… errors=… missing=…
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DB_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test_exams_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")

HELLO_APP = """
from sanic import Sanic
from sanic.response import text

app = Sanic("hello")


@app.get("/")
async def hello(request):
    return text("hello")


if __name__ == "__main__":
    import sys
    app.run(host="127.0.0.1", port=int(sys.argv[1]), workers=2, access_log=False, motd=False)
"""


def emit(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def server_env(port: int) -> dict[str, str]:
    env = os.environ.copy()
    env.update(
        {
            "APP_ENV": "development",
            "DATABASE_URL": DB_URL,
            "REDIS_URL": REDIS_URL,
            "WORKERS": "2",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "DATA_DIR": str(Path(tempfile.gettempdir()) / "yishi-bench-exams"),
            "EXAMS_OPEN_TO_ALL": "true",
            "DB_POOL_MAX": "20",
        }
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---------------------------------------------------------------------------------------------------------------
# Load generator (child process): raw HTTP/1.1 keep-alive over asyncio


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes) -> tuple[int, bytes]:
    writer.write(data)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
            break
    body = await reader.readexactly(length) if length else b""
    return status, body


def _put(host: str, path: str, token: str, device: str, body: bytes) -> bytes:
    return (
        f"PUT {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nX-Device-Id: {device}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def load(args: argparse.Namespace) -> dict[str, Any]:
    host, port = args.target.split(":")
    plan = json.loads(Path(args.plan).read_text()) if args.plan else []
    deadline = time.perf_counter() + args.seconds
    latencies: list[float] = []
    errors = 0
    acks: list[tuple[int, str, int]] = []
    seqs = [int(time.time() * 1000) * 1000] * len(plan)  # later runs always carry a higher seq
    hello = f"GET {args.path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()

    async def connection(index: int) -> None:
        nonlocal errors
        mine = list(range(index, len(plan), args.connections)) if plan else []
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        turn = 0
        while time.perf_counter() < deadline:
            if conn is None:
                try:
                    conn = await asyncio.open_connection(host, int(port))
                except OSError:
                    await asyncio.sleep(0.05)
                    continue
            if plan:
                c = mine[turn % len(mine)]
                turn += 1
                cand = plan[c]
                qref, options = random.choice(cand["questions"])
                seqs[c] += 1
                seq = seqs[c]
                body = b'{"option_ids":["' + random.choice(options).encode() + b'"],"seq":' + str(seq).encode() + b"}"
                data = _put(host, f"/api/v1/exams/attempts/{cand['ref']}/answers/{qref}", cand["token"], "bench", body)
            else:
                data = hello
            start = time.perf_counter()
            try:
                status, _ = await _request(*conn, data)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                errors += 1
                conn[1].close()
                conn = None
                continue
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors += 1
            elif plan:
                acks.append((c, qref, seq))
        if conn is not None:
            conn[1].close()

    began = time.perf_counter()
    await asyncio.gather(*(connection(i) for i in range(args.connections)))
    elapsed = time.perf_counter() - began
    latencies.sort()
    n = len(latencies)
    result = {
        "requests": n,
        "rps": n / elapsed,
        "ok_rps": (n - errors) / elapsed,
        "p50_ms": latencies[n // 2] * 1000 if n else 0.0,
        "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else 0.0,
        "errors": errors,
    }
    if args.acks:
        Path(args.acks).write_text(json.dumps(acks))
    return result


def run_load(
    target: str, seconds: float, connections: int, plan: str = "", acks: str = "", path: str = "/"
) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, __file__, "--load", "--target", target, "--seconds", str(seconds), "--path", path]
    cmd += ["--connections", str(connections)]
    if plan:
        cmd += ["--plan", plan]
    if acks:
        cmd += ["--acks", acks]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE)


def load_result(proc: subprocess.Popen[bytes]) -> dict[str, Any]:
    out, _ = proc.communicate()
    return json.loads(out.decode().strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------------------------
# Orchestrator


async def prepare(candidates: int) -> list[dict[str, Any]]:
    """Fresh schema, the demo bank, candidates with live sessions; returns [{user_id, token}]."""
    import asyncpg

    conn = await asyncpg.connect(DB_URL.replace("/test_exams_bench", "/postgres"))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = 'test_exams_bench'")
        if not exists:
            await conn.execute("CREATE DATABASE test_exams_bench")
    finally:
        await conn.close()
    conn = await asyncpg.connect(DB_URL)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()

    from server import db
    from server.accounts.models import User
    from server.common.auth import SESSION_KEY, Principal, issue_access_token
    from server.common.enums import Role
    from server.exams.demo import seed_demo
    from server.redis import create_client, set_redis

    await db.migrate_db(url=DB_URL)
    await db.init_db(url=DB_URL)
    redis = create_client(REDIS_URL)
    set_redis(redis)
    await redis.flushdb()
    await seed_demo()
    users = [User(role=Role.PHYSICIAN, phone=f"1370000{i:04d}", real_name=f"考生{i}") for i in range(candidates)]
    await User.bulk_create(users, batch_size=500)
    out = []
    async with redis.pipeline(transaction=False) as pipe:
        for u in await User.filter(role=Role.PHYSICIAN).order_by("id"):
            sid = f"bench-{u.id}"
            pipe.set(SESSION_KEY.format(sid=sid), str(u.id), ex=7200)
            token = issue_access_token(Principal(user_id=u.id, role=Role.PHYSICIAN, session_id=sid), ttl_s=7200)
            out.append({"user_id": u.id, "token": token})
        await pipe.execute()
    await redis.aclose()
    set_redis(None)
    await db.close_db()
    return out


def start_server(port: int, profile: str = "") -> subprocess.Popen[bytes]:
    env = server_env(port)
    if profile:  # one process, so that cProfile sees every request
        env["WORKERS"] = "1"
    return subprocess.Popen(
        [sys.executable, *(["-m", "cProfile", "-o", profile] if profile else []), "-m", "server", "serve"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )


def wait_ready(port: int, path: str = "/healthz", timeout: float = 60) -> None:
    import httpx

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server on {port} did not become ready")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """A graceful stop: SIGTERM to the main process, which stops its workers."""
    try:
        os.kill(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


async def start_attempts(port: int, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    import httpx

    sem = asyncio.Semaphore(16)
    plan: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:

        async def one(p: dict[str, Any]) -> None:
            async with sem:
                r = await client.post(
                    "/api/v1/exams/humanities/attempts",
                    json={"capture_id": "bench", "device_id": "bench"},
                    headers={"Authorization": f"Bearer {p['token']}"},
                )
            if r.status_code not in (200, 201):
                raise SystemExit(f"start failed: {r.status_code} {r.text}")
            body = r.json()
            questions = [[q["question_ref"], [o["option_id"] for o in q["options"]]] for q in body["questions"]]
            plan.append({"ref": body["attempt_ref"], "token": p["token"], "questions": questions})

        await asyncio.gather(*(one(p) for p in people))
    return plan


async def count_missing(port: int, plan: list[dict[str, Any]], acks: list[list[Any]]) -> int:
    """Acknowledged saves whose stored answer (read back through the resume endpoint) is older."""
    import httpx

    newest: dict[tuple[int, str], int] = {}
    for c, qref, seq in acks:
        newest[(c, qref)] = max(seq, newest.get((c, qref), 0))
    stored: dict[tuple[int, str], int] = {}
    sem = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:

        async def one(c: int) -> None:
            async with sem:
                r = await client.get(
                    f"/api/v1/exams/attempts/{plan[c]['ref']}",
                    headers={"Authorization": f"Bearer {plan[c]['token']}", "X-Device-Id": "bench"},
                )
            r.raise_for_status()
            for a in r.json()["answers"]:
                stored[(c, a["question_ref"])] = a["seq"]

        await asyncio.gather(*(one(c) for c in range(len(plan))))
    return sum(1 for key, seq in newest.items() if stored.get(key, -1) < seq)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--target", default="")
    parser.add_argument("--plan", default="")
    parser.add_argument("--acks", default="")
    parser.add_argument("--path", default="/", help="the GET path of a plan-less load run")
    parser.add_argument("--candidates", type=int, default=500)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument(
        "--profile",
        default="",
        help="instead of the benchmark: one server process under cProfile for one save run, statistics to this file",
    )
    args = parser.parse_args()
    if args.load:
        emit(json.dumps(asyncio.run(load(args))))
        return

    os.environ.update({k: v for k, v in server_env(0).items() if k in ("APP_ENV", "DATA_DIR", "LOG_LEVEL")})
    os.environ["DATABASE_URL"] = DB_URL
    os.environ["REDIS_URL"] = REDIS_URL
    tmp = Path(tempfile.mkdtemp(prefix="bench-exams-"))
    emit(f"preparing {args.candidates} candidates in test_exams_bench …")
    people = asyncio.run(prepare(args.candidates))

    if args.profile:
        profile_saves(args, tmp, people)
        return

    hello_port = free_port()
    (tmp / "hello.py").write_text(HELLO_APP)
    hello = subprocess.Popen(
        [sys.executable, str(tmp / "hello.py"), str(hello_port)], start_new_session=True, stdout=subprocess.DEVNULL
    )
    try:
        wait_ready(hello_port, "/")
        h = load_result(run_load(f"127.0.0.1:{hello_port}", args.seconds, args.connections))
    finally:
        stop(hello)
    emit(f"hello-world (2 workers): {h['rps']:.0f} req/s p50={h['p50_ms']:.1f}ms p99={h['p99_ms']:.1f}ms")

    port = free_port()
    server = start_server(port)
    try:
        wait_ready(port)
        began = time.perf_counter()
        plan = asyncio.run(start_attempts(port, people))
        emit(f"{len(plan)} attempts started in {time.perf_counter() - began:.1f}s")
        (tmp / "plan.json").write_text(json.dumps(plan))
        load_result(run_load(f"127.0.0.1:{port}", 3, args.connections, str(tmp / "plan.json")))  # warm-up
        s = load_result(run_load(f"127.0.0.1:{port}", args.seconds, args.connections, str(tmp / "plan.json")))
        emit(f"answer saves: {s['ok_rps']:.0f}/s p50={s['p50_ms']:.1f}ms p99={s['p99_ms']:.1f}ms errors={s['errors']}")

        # Crash test: SIGKILL the whole server half-way through a run, restart, count acknowledged answers lost.
        acks_file = tmp / "acks.json"
        crash = run_load(f"127.0.0.1:{port}", args.seconds, args.connections, str(tmp / "plan.json"), str(acks_file))
        time.sleep(args.seconds / 2)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        emit("server killed with SIGKILL mid-run; restarting …")
        server = start_server(port)
        crashed = load_result(crash)
        wait_ready(port)
        acks = json.loads(acks_file.read_text())
        missing = asyncio.run(count_missing(port, plan, acks))
        emit(f"crash run: {len(acks)} acknowledged saves, {crashed['errors']} refused/failed, {missing} missing")
    finally:
        stop(server)

    ratio = s["ok_rps"] / h["rps"] if h["rps"] else 0.0
    emit(
        f"saves_per_s={s['ok_rps']:.0f} hello_rps={h['rps']:.0f} ratio={ratio:.2f} p50_ms={s['p50_ms']:.1f} "
        f"p99_ms={s['p99_ms']:.1f} errors={s['errors']} missing={missing}"
    )


def profile_saves(args: argparse.Namespace, tmp: Path, people: list[dict[str, Any]]) -> None:
    import pstats

    port = free_port()
    server = start_server(port)
    try:  # attempts are started unprofiled: the profile is of saves alone
        wait_ready(port)
        plan = asyncio.run(start_attempts(port, people))
        (tmp / "plan.json").write_text(json.dumps(plan))
    finally:
        stop(server)
    server = start_server(port, profile=args.profile)
    try:
        wait_ready(port)
        s = load_result(run_load(f"127.0.0.1:{port}", args.seconds, args.connections, str(tmp / "plan.json")))
        emit(f"answer saves (1 process, profiled): {s['ok_rps']:.0f}/s errors={s['errors']}")
    finally:
        stop(server)
    stats = pstats.Stats(args.profile)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumtime").print_stats("server/", 30)


if __name__ == "__main__":
    main()
