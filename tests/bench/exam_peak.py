"""Exam peak load test: how many candidates one machine carries with answer saves under 200 ms at p99.

Run from the repository root (not collected by pytest: a script)::

    .venv/bin/python tests/bench/exam_peak.py [--steps 50,100,200,400,800] [--step-seconds 60] [--workers 2]

What it does, on this machine only (loopback):
1. resets the PostgreSQL database BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test_deploy: its
   `public` schema is DROPPED, give it a database of its own) and flushes the Redis database BENCH_REDIS_URL
   (default redis://127.0.0.1:6379/6), applies the migrations and seeds candidates and reviewers (a child process:
   `exam_peak.py --seed-only`);
2. starts the production-style server (`python -m server serve`, APP_ENV=production with throw-away secrets,
   WORKERS processes) and the job worker (`python -m server worker`);
3. runs the locust users of tests/bench/exam_peak_locustfile.py in this process, stepping the number of users up;
   each step ramps up, then measures for --step-seconds; it stops after the first step whose p99 answer save is
   over --p99-ms (200) or whose error rate is over --max-error-rate;
4. prints requests per second, p50/p95/p99 per route and the error rate of every step, then one summary line with
   the last good step::

       candidates=… rps=… p99_save_ms=… error_rate=… save_route=… workers=… cores=…

Locust runs on the same cores as the server, as the lead's 2-core machine dictates; its own CPU use makes the
figures conservative. The candidates go through the real eligibility and face capture (no
EXAMS_OPEN_TO_ALL): the seed makes each one eligible for the humanities exam in the assessment tables (see
`seed_exam_candidates`), the locust user gives the face consent, uploads a real face frame and starts the attempt
with that capture_id.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from base64 import b64encode
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the repository root, so `server` and `tests` import

PASSWORD = "Bench-Exam-Peak-2026"
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/test_deploy"
DEFAULT_REDIS = "redis://127.0.0.1:6379/6"
REGION = "110105"  # 朝阳区
PROVINCE = "110000"
INSTITUTIONS = 10


def emit(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------------------------------------------
# Seeding (runs in its own process: asyncio and asyncpg, before locust's gevent monkey-patching exists anywhere)
# ---------------------------------------------------------------------------------------------------------------


async def _reset_database(url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        await conn.execute("CREATE SCHEMA public")
    finally:
        await conn.close()


async def seed_exam_candidates(candidates: list[Any]) -> dict[str, Any]:
    """Make ``candidates`` (physician Users) eligible for the humanities exam through real assessment and proctoring.

    `assessment.exam_access.exam_eligibility(user_id=…, exam_kind="humanities")` wants: a bound assessment account
    (one per user, in the province) whose user notice is the current version, a Cycle covering today, this cycle's
    assessment in state `self_evaluated` with the simplified procedure (no professional exam first), and an open
    `exam` window of the province. The exams part draws its paper from the active question bank (its demo bank,
    loaded through the real importer: 72 single / 29 multiple / 17 true-false humanities questions, the default rules
    ask 35 / 10 / 5). Consent and the face capture are left to the locust users (over HTTP), so
    `proctoring.claim_capture` sees a real, fresh capture. All rows are written in bulk: seeding 10 000 takes seconds.
    """
    from datetime import UTC, datetime, timedelta

    from server.assessment.context import NOTICE_VERSION
    from server.assessment.cycles import today as _today
    from server.assessment.models import (
        Assessment,
        AssessmentAccount,
        AssessmentStatus,
        Cycle,
        CycleWindow,
        Procedure,
        WindowKind,
    )
    from server.common import crypto
    from server.exams.demo import seed_demo as seed_question_bank

    bank_lines = await seed_question_bank()
    today = _today()
    now = datetime.now(UTC)
    cycle = await Cycle.create(
        name=f"{today.year - 1}—{today.year + 1}年度（压测）",
        starts_on=date(today.year - 1, 1, 1),
        ends_on=date(today.year + 1, 12, 31),
    )
    await CycleWindow.create(
        cycle=cycle,
        province_code=PROVINCE,
        kind=WindowKind.EXAM,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=14),
    )
    accounts = []
    for user in candidates:
        id_number = crypto.decrypt(user.id_number_enc, context="id_number")
        accounts.append(
            AssessmentAccount(
                province_code=PROVINCE,
                name=user.real_name,
                id_number_enc=user.id_number_enc,
                id_number_index=crypto.blind_index(id_number),
                institution_id=user.institution_id,
                region_code=user.region_code,
                user_id=user.id,
                bound_at=now,
                notice_version=NOTICE_VERSION,
                notice_accepted_at=now,
            )
        )
    await AssessmentAccount.bulk_create(accounts, batch_size=1000)
    account_ids = dict(
        await AssessmentAccount.filter(user_id__in=[u.id for u in candidates]).values_list("user_id", "id")
    )
    await Assessment.bulk_create(
        [
            Assessment(
                account_id=account_ids[user.id],
                cycle_id=cycle.id,
                user_id=user.id,
                institution_id=user.institution_id,
                region_code=user.region_code,
                status=AssessmentStatus.SELF_EVALUATED,
                procedure=Procedure.SIMPLIFIED,
            )
            for user in candidates
        ],
        batch_size=1000,
    )
    return {"cycle_id": cycle.id, "assessments": len(candidates), "question_bank": bank_lines}


async def _seed(count: int, reviewers_per_institution: int) -> dict[str, Any]:
    from tortoise.transactions import in_transaction

    from server import db
    from server.accounts.models import User
    from server.accounts.passwords import hash_password
    from server.common import crypto
    from server.common.enums import Role
    from server.common.idcard import make as make_id_number
    from server.directory.models import Institution, Region, RegionLevel

    await db.migrate_db()
    await db.init_db()
    try:
        # Importing the routed parts registers their review kinds (the server process does the same).
        from server.app import _blueprints

        _blueprints()
        password_hash = await hash_password(PASSWORD)  # one argon2 hash for all: seeding 10 000 takes seconds
        for code, level, parent in (
            ("110000", RegionLevel.PROVINCE, None),
            ("110100", RegionLevel.CITY, "110000"),
            (REGION, RegionLevel.COUNTY, "110100"),
        ):
            await Region.get_or_create(
                code=code,
                defaults={"name": f"压测地区{code}", "level": level, "parent_code": parent, "province_code": "110000"},
            )
        institutions = [
            await Institution.create(
                code=f"BENCH{i:04d}", name=f"压测医院{i}", region_code=REGION, province_code="110000"
            )
            for i in range(INSTITUTIONS)
        ]
        users = [
            User(
                role=Role.PHYSICIAN,
                phone=f"170{i:08d}",
                real_name=f"考生{i}",
                password_hash=password_hash,
                institution_id=institutions[i % INSTITUTIONS].id,
                region_code=REGION,
                id_number_enc=crypto.encrypt(
                    make_id_number(REGION, date(1970 + i % 30, 1 + i % 12, 1 + i % 28), i % 1000),
                    context="id_number",
                ),
            )
            for i in range(count)
        ]
        await User.bulk_create(users, batch_size=1000)
        candidates = list(await User.filter(role=Role.PHYSICIAN, phone__startswith="170").order_by("id"))
        reviewer_logins: list[dict[str, Any]] = []
        for inst in institutions:
            for r in range(reviewers_per_institution):
                await User.create(
                    role=Role.INSTITUTION_REVIEWER,
                    username=f"bench_inst_{inst.id}_{r}",
                    real_name="院内审核员",
                    password_hash=password_hash,
                    institution_id=inst.id,
                    region_code=REGION,
                )
                reviewer_logins.append({"login": f"bench_inst_{inst.id}_{r}", "approves": r == 0})
        await User.create(
            role=Role.OFFICE_REVIEWER,
            username="bench_office",
            real_name="考核办",
            password_hash=password_hash,
            region_code="110000",
        )
        reviewer_logins.append({"login": "bench_office", "approves": False})
        items = await _seed_review_items(candidates, in_transaction)
        exams = await seed_exam_candidates(candidates)
        return {
            "exams": exams,
            "password": PASSWORD,
            "candidates": [{"login": u.phone} for u in candidates],
            "reviewers": reviewer_logins,
            "review_items": items,
        }
    finally:
        await db.close_db()


async def _seed_review_items(candidates: list[Any], in_transaction: Any) -> int:
    """Pending items of every registered multi-step kind whose first step is the institution's, so queues are not
    empty. Approving the first step of those only moves the item on; a one-step kind would run its on_approved
    callback against the bench's made-up subject, which no real item has."""
    from server.common.enums import Role
    from server.workflow import service as workflow_service
    from server.workflow.kinds import all_kinds

    kinds = [k for k in all_kinds() if len(k.steps) > 1 and k.steps[0].role == Role.INSTITUTION_REVIEWER]
    if not kinds:
        return 0
    created = 0
    async with in_transaction():
        for i, user in enumerate(candidates[: min(len(candidates), 2000)]):
            kind = kinds[i % len(kinds)]
            await workflow_service.create_item(
                kind=kind.name,
                subject_type="bench",
                subject_id=f"bench-{user.id}",
                applicant_id=user.id,
                institution_id=user.institution_id,
                region_code=user.region_code,
                payload={"note": "压测数据"},
            )
            created += 1
    return created


def run_seed(args: argparse.Namespace) -> None:
    import asyncio

    import redis

    from server.config import get_settings

    settings = get_settings()
    asyncio.run(_reset_database(settings.database_url))
    redis.Redis.from_url(settings.redis_url).flushdb()
    credentials = asyncio.run(_seed(args.candidates, args.reviewers_per_institution))
    Path(args.credentials).write_text(json.dumps(credentials, ensure_ascii=False), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------------------
# The server under test and the stepped load
# ---------------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_environment(args: argparse.Namespace, data_dir: Path) -> dict[str, str]:
    """Production settings with throw-away secrets, pointed at the benchmark's own database and Redis."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TEST_", "PROMETHEUS_", "SMTP_", "MAIL_")) and k != "EXAMS_OPEN_TO_ALL"
    }
    env.update(
        APP_ENV="production",
        HOST="127.0.0.1",
        PORT=str(args.port),
        WORKERS=str(args.workers),
        DB_POOL_MAX=str(args.db_pool),
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        DATA_DIR=str(data_dir),
        SECRET_KEY=secrets.token_urlsafe(32),
        DATA_KEY=b64encode(secrets.token_bytes(32)).decode(),
        BLIND_INDEX_KEY=secrets.token_urlsafe(32),
        WECHAT_APP_SECRET=secrets.token_urlsafe(24),
        ALIYUN_ACCESS_KEY_SECRET=secrets.token_urlsafe(24),
        # Production refuses to start without a mail relay; nothing in the bench sends mail (a relay on this host,
        # no AUTH, is an accepted production set-up).
        SMTP_HOST="127.0.0.1",
        SMTP_PORT="25",
        SMTP_USERNAME="",
        SMTP_SECURITY="none",
        MAIL_FROM="bench@yishi.example.cn",
        EMULATORS_ENABLED="false",
        RUN_WORKER_IN_PROCESS="false",
        LOG_LEVEL="WARNING",
        TRUSTED_PROXIES="",
    )
    return env


class Stack:
    """The server and the worker as child processes, stopped (by their own pids) whatever happens."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, base_url: str, timeout: float = 90.0) -> None:
        import urllib.request

        for command in ("serve", "worker"):
            log = open(self.log_dir / f"{command}.log", "wb")  # noqa: SIM115 - closed with the process
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "server", command],
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.procs[0].poll() is not None:
                raise SystemExit(f"the server exited: see {self.log_dir / 'serve.log'}")
            try:
                with urllib.request.urlopen(f"{base_url}/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"the server was not ready within {timeout:.0f}s: see {self.log_dir / 'serve.log'}")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def _route_rows(stats: Any, seconds: float) -> list[dict[str, Any]]:
    rows = []
    for (name, method), entry in sorted(stats.entries.items()):
        if not entry.num_requests:
            continue
        rows.append(
            {
                "route": name,
                "method": method,
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "rps": entry.num_requests / seconds,
                "p50": entry.get_response_time_percentile(0.50),
                "p95": entry.get_response_time_percentile(0.95),
                "p99": entry.get_response_time_percentile(0.99),
            }
        )
    return rows


def run_steps(args: argparse.Namespace, base_url: str, credentials: dict[str, Any]) -> list[dict[str, Any]]:
    import gevent
    from locust.env import Environment

    from tests.bench import exam_peak_locustfile as scenario

    scenario.configure(credentials)
    env = Environment(user_classes=[scenario.Candidate, scenario.Reviewer], host=base_url, events=scenario.events)
    runner = env.create_local_runner()
    results: list[dict[str, Any]] = []
    try:
        for users in args.steps:
            # Reviewers are few (about one per 25 candidates, at least two), whatever the step.
            scenario.Reviewer.fixed_count = max(2, users // 25)
            runner.start(users, spawn_rate=args.spawn_rate)
            # Measure once everybody is seated: log-ins (argon2) and exam starts are the ramp, not the peak.
            ramp_deadline = time.monotonic() + users / args.spawn_rate + args.ramp_timeout
            while scenario.STATE["ready"] < runner.user_count or runner.user_count < users:
                if time.monotonic() > ramp_deadline:
                    emit(f"   (ramp not finished after {args.ramp_timeout:.0f}s: measuring anyway)")
                    break
                gevent.sleep(0.5)
            gevent.sleep(args.settle_seconds)
            env.stats.reset_all()
            started = time.monotonic()
            gevent.sleep(args.step_seconds)
            seconds = time.monotonic() - started
            rows = _route_rows(env.stats, seconds)
            total = env.stats.total
            saves = [r for r in rows if r["route"] in (scenario.SAVE_NAME, scenario.STAND_IN_SAVE_NAME)]
            step = {
                "users": users,
                "candidates": _candidate_count(runner, scenario),
                "rps": total.num_requests / seconds,
                "error_rate": total.num_failures / total.num_requests if total.num_requests else 1.0,
                "p99_save_ms": saves[0]["p99"] if saves else None,
                "save_route": "exams" if scenario.STATE["exams"] else "stand-in",
                "rows": rows,
                "errors": sorted(
                    ((e.occurrences, e.method, e.name, str(e.error)[:160]) for e in env.stats.errors.values()),
                    reverse=True,
                )[:8],
            }
            results.append(step)
            _print_step(step)
            too_slow = step["p99_save_ms"] is None or step["p99_save_ms"] > args.p99_ms
            if too_slow or step["error_rate"] > args.max_error_rate:
                break
    finally:
        runner.quit()
    return results


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else 0.0


def _busy_cpu_seconds() -> float:
    """CPU seconds this machine has spent not idle since boot (all cores, /proc/stat; 0 where there is none)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _summed(answers: list[dict[str, Any]], key: str) -> Counter[str]:
    """The ``key`` counts of every generator process's answer, added up."""
    return sum((Counter(a.get(key, {})) for a in answers), Counter())


SESSIONS: dict[int, str] = {}  # process session id → role ("server", "worker"); filled once the stack is up


def _cpu_seconds_by_role() -> dict[str, float]:
    """CPU seconds so far of the stack's processes by role: the server's and the worker's sessions (and their
    children), PostgreSQL and Redis by name (Linux /proc; empty elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        role = SESSIONS.get(int(fields[3])) or (
            "postgres" if name.startswith("postgres") else "redis" if name.startswith("redis") else ""
        )
        if role:
            out[role] = out.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


async def _counters(args: argparse.Namespace) -> dict[str, float]:
    """PostgreSQL transactions and connections of the bench database, and Redis commands, right now."""
    import asyncpg
    import redis.asyncio as aioredis

    conn = await asyncpg.connect(args.database_url)
    try:
        name = await conn.fetchval("SELECT current_database()")
        xacts = await conn.fetchval("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1", name)
        connections = await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name)
    finally:
        await conn.close()
    client = aioredis.from_url(args.redis_url)
    try:
        commands = (await client.info("stats"))["total_commands_processed"]
    finally:
        await client.aclose()
    return {"xacts": float(xacts), "connections": float(connections) - 1, "redis_commands": float(commands)}


def run_steps_asyncio(args: argparse.Namespace, base_url: str, credentials: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps with tests/bench/exam_peak_async.py: ``--load-procs`` processes of asyncio candidates."""
    import asyncio

    work = Path(tempfile.mkdtemp(prefix="exam-peak-load-"))
    procs = []
    for i in range(args.load_procs):
        share = {"password": credentials["password"], "candidates": credentials["candidates"][i :: args.load_procs]}
        path = work / f"identities-{i}.json"
        path.write_text(json.dumps(share), encoding="utf-8")
        procs.append(
            subprocess.Popen(
                [sys.executable, str(ROOT / "tests" / "bench" / "exam_peak_async.py"), base_url, str(path)],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        )

    def ask(cmd: dict[str, Any]) -> list[dict[str, Any]]:
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(json.dumps(cmd) + "\n")
            proc.stdin.flush()
        answers = []
        for proc in procs:
            assert proc.stdout is not None
            answers.append(json.loads(proc.stdout.readline()))
        return answers

    results: list[dict[str, Any]] = []
    seated = 0
    try:
        for users in args.steps:
            more = users - seated
            if more > 0:
                began = time.monotonic()
                per_proc = -(-more // args.load_procs)
                answers = ask(
                    {
                        "cmd": "spawn",
                        "count": per_proc,
                        "rate": args.spawn_rate / args.load_procs,
                        "timeout": args.ramp_timeout,
                    }
                )
                seated = sum(a["seated"] for a in answers)
                failed = sum(a["failed"] for a in answers)
                emit(f"   seated {seated} candidates ({failed} could not start) in {time.monotonic() - began:.0f}s")
                for step_status, n in _summed(answers, "why").most_common():
                    emit(f"     could not start ×{n}: {step_status}")
                if retried := _summed(answers, "retried"):
                    emit(
                        "     retried after Retry-After (so far): " + ", ".join(f"{r} ×{n}" for r, n in retried.items())
                    )
            time.sleep(args.settle_seconds)
            ask({"cmd": "reset"})
            before = asyncio.run(_counters(args))
            busy_before = _busy_cpu_seconds()
            roles_before = _cpu_seconds_by_role()
            started = time.monotonic()
            time.sleep(args.step_seconds)
            after = asyncio.run(_counters(args))
            seconds = time.monotonic() - started
            busy_cores = (_busy_cpu_seconds() - busy_before) / seconds
            role_cores = {r: (v - roles_before.get(r, 0.0)) / seconds for r, v in _cpu_seconds_by_role().items()}
            reports = ask({"cmd": "report"})
            load_cores = sum(r["cpu_seconds"] for r in reports) / seconds
            load_lag = max(r["loop_lag_p99_ms"] for r in reports)
            latencies: dict[str, list[float]] = {}
            for r in reports:
                for route, values in r["latencies"].items():
                    latencies.setdefault(route, []).extend(values)
            failures, errors = _summed(reports, "failures"), _summed(reports, "errors")
            rows: list[dict[str, Any]] = [
                {
                    "route": route,
                    "method": route.split()[0],
                    "requests": len(values),
                    "failures": failures.get(route, 0),
                    "rps": len(values) / seconds,
                    "p50": _percentile(values, 0.50),
                    "p95": _percentile(values, 0.95),
                    "p99": _percentile(values, 0.99),
                }
                for route, values in sorted(latencies.items())
            ]
            total = sum(r["requests"] for r in rows)
            failed_requests = sum(r["failures"] for r in rows)
            saves = [r for r in rows if r["route"].startswith("PUT /exams/attempts")]
            per_candidate_s = max(seated, 1) * seconds
            step = {
                "users": users,
                "candidates": seated,
                "rps": total / seconds,
                "error_rate": failed_requests / total if total else 1.0,
                "p99_save_ms": saves[0]["p99"] if saves else None,
                "save_route": "exams",
                "db_xacts_per_candidate_s": (after["xacts"] - before["xacts"]) / per_candidate_s,
                "db_connections": after["connections"],
                "redis_ops_per_candidate_s": (after["redis_commands"] - before["redis_commands"]) / per_candidate_s,
                "busy_cores": busy_cores,
                "load_cores": load_cores,
                "load_lag_p99_ms": load_lag,
                "role_cores": role_cores,
                "rows": rows,
                "errors": sorted(((n, "", why, "") for why, n in errors.items()), reverse=True)[:8],
            }
            results.append(step)
            _print_step(step)
            emit(
                f"   PostgreSQL: {step['db_xacts_per_candidate_s']:.3f} transactions per candidate-second, "
                f"{step['db_connections']:.0f} connections; Redis: {step['redis_ops_per_candidate_s']:.3f} commands "
                "per candidate-second"
            )
            emit(
                f"   CPU: {busy_cores:.2f} of {os.cpu_count()} cores busy, of which the load generator "
                f"{load_cores:.2f}; the generator's own loop ran up to {load_lag:.0f} ms late (p99)"
            )
            emit("   CPU by role (cores): " + ", ".join(f"{r} {c:.2f}" for r, c in sorted(role_cores.items())))
            too_slow = step["p99_save_ms"] is None or step["p99_save_ms"] > args.p99_ms
            if too_slow or step["error_rate"] > args.max_error_rate:
                break
    finally:
        try:
            ask({"cmd": "stop"})
        except (OSError, ValueError):
            pass
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return results


def _candidate_count(runner: Any, scenario: Any) -> int:
    counts = runner.user_classes_count if hasattr(runner, "user_classes_count") else {}
    return int(counts.get(scenario.Candidate.__name__, 0))


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def _print_step(step: dict[str, Any]) -> None:
    emit(
        f"\n== {step['users']} users ({step['candidates']} candidates): {step['rps']:.1f} req/s, "
        f"error rate {step['error_rate']:.4f}, p99 save {_ms(step['p99_save_ms'])} ms ({step['save_route']})"
    )
    emit(f"   {'route':<48} {'reqs':>7} {'fail':>5} {'rps':>7} {'p50':>6} {'p95':>6} {'p99':>6}")
    for r in step["rows"]:
        emit(
            f"   {r['route']:<48.48} {r['requests']:>7} {r['failures']:>5} {r['rps']:>7.1f} "
            f"{r['p50']:>6.0f} {r['p95']:>6.0f} {r['p99']:>6.0f}"
        )
    for occurrences, method, name, error in step.get("errors", []):
        emit(f"   error ×{occurrences}: {method} {name}: {error}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="50,100,200,400,800,1200", help="user counts, in order")
    parser.add_argument("--step-seconds", type=float, default=60.0)
    parser.add_argument("--settle-seconds", type=float, default=5.0)
    parser.add_argument("--ramp-timeout", type=float, default=120.0, help="extra seconds allowed for seating")
    parser.add_argument("--spawn-rate", type=float, default=20.0, help="new users per second (log-ins hash argon2)")
    parser.add_argument("--workers", type=int, default=2, help="server processes (the target: one per core)")
    parser.add_argument("--db-pool", type=int, default=10, help="DB_POOL_MAX per server process")
    parser.add_argument("--p99-ms", type=float, default=200.0)
    parser.add_argument("--max-error-rate", type=float, default=0.001)
    parser.add_argument("--candidates", type=int, default=0, help="identities to seed (default: 2 × last step)")
    parser.add_argument("--reviewers-per-institution", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--engine",
        choices=("locust", "asyncio"),
        default="locust",
        help="locust users, or tests/bench/exam_peak_async.py (thousands of candidates per process)",
    )
    parser.add_argument("--load-procs", type=int, default=2, help="asyncio engine: load generator processes")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--credentials", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.steps = [int(s) for s in str(args.steps).split(",") if s.strip()]
    args.candidates = args.candidates or 2 * max(args.steps)
    args.port = args.port or _free_port()
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.seed_only:
        run_seed(args)
        return
    if args.engine == "locust":
        # The orchestrating process: import locust (gevent's monkey-patching) before anything opens a socket.
        import locust  # noqa: F401

    work = Path(tempfile.mkdtemp(prefix="exam-peak-"))
    env = server_environment(args, work / "data")
    credentials_path = work / "credentials.json"
    emit(f"seeding {args.candidates} candidates into {args.database_url} (work files in {work})")
    started = time.monotonic()
    seed = subprocess.run(
        [
            sys.executable,
            __file__,
            "--seed-only",
            "--credentials",
            str(credentials_path),
            "--candidates",
            str(args.candidates),
            "--reviewers-per-institution",
            str(args.reviewers_per_institution),
            "--steps",
            ",".join(map(str, args.steps)),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if seed.returncode != 0:
        raise SystemExit(f"seeding failed:\n{seed.stderr[-4000:]}")
    credentials = json.loads(credentials_path.read_text(encoding="utf-8"))
    emit(
        f"seeded in {time.monotonic() - started:.1f}s: {len(credentials['candidates'])} candidates, "
        f"{len(credentials['reviewers'])} reviewers, {credentials['review_items']} review items; "
        f"humanities exam open for all candidates (cycle {credentials['exams']['cycle_id']}, "
        f"{'; '.join(credentials['exams']['question_bank'])})"
    )
    base_url = f"http://127.0.0.1:{args.port}"
    stack = Stack(env, work)
    try:
        stack.start(base_url)
        SESSIONS.update({stack.procs[0].pid: "server", stack.procs[1].pid: "worker"})
        emit(
            f"server ready at {base_url} ({args.workers} processes, DB_POOL_MAX={args.db_pool}); stepping {args.steps}"
        )
        results = (run_steps if args.engine == "locust" else run_steps_asyncio)(args, base_url, credentials)
    finally:
        stack.stop()
    good = [
        s
        for s in results
        if s["p99_save_ms"] is not None and s["p99_save_ms"] <= args.p99_ms and s["error_rate"] <= args.max_error_rate
    ]
    last = good[-1] if good else None
    emit()
    emit(json.dumps([{k: v for k, v in s.items() if k not in ("rows", "errors")} for s in results], ensure_ascii=False))
    if last is None:
        first = results[0] if results else {}
        p99 = first.get("p99_save_ms")
        error_rate = first.get("error_rate")
        # No step held: the figures are those of the first step, so the line still says how far off it was
        emit(
            f"candidates=0 rps=0 p99_save_ms={_ms(p99)} "
            f"error_rate={'n/a' if error_rate is None else f'{error_rate:.4f}'} save_route=n/a "
            f"workers={args.workers} cores={os.cpu_count()}"
        )
        return
    extra = ""
    if "db_xacts_per_candidate_s" in last:
        extra = (
            f" db_xacts_per_candidate_s={last['db_xacts_per_candidate_s']:.3f}"
            f" db_connections={last['db_connections']:.0f}"
            f" redis_ops_per_candidate_s={last['redis_ops_per_candidate_s']:.3f}"
            f" busy_cores={last['busy_cores']:.2f} load_cores={last['load_cores']:.2f}"
        )
    emit(
        f"candidates={last['candidates']} rps={last['rps']:.1f} p99_save_ms={_ms(last['p99_save_ms'])} "
        f"error_rate={last['error_rate']:.4f} save_route={last['save_route']} workers={args.workers} "
        f"cores={os.cpu_count()}{extra}"
    )


if __name__ == "__main__":
    main()
