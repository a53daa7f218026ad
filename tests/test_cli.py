"""`python -m server run` (what `make run` calls) brings the whole system up on embedded defaults, and stops it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from server.config import ROOT
from tests.support.devserver import free_port, postgres_url_for
from tests.support.settings import PRODUCTION

pytestmark = pytest.mark.system


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_run_starts_everything_and_stops_cleanly(backend: str, tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL"} and not k.startswith(("WECHAT_", "ALIYUN_", "SMTP_", "MAIL_"))
    }
    if backend == "postgres":
        url = postgres_url_for("yishi_cli_run")
        if url is None:
            pytest.skip("TEST_DATABASE_URL is not a PostgreSQL server (this run is on SQLite)")
        env["DATABASE_URL"] = url
    port, emulator_port = free_port(), free_port()
    env.update(
        APP_ENV="development",
        PORT=str(port),
        EMULATOR_PORT=str(emulator_port),
        EMULATOR_SMTP_PORT=str(free_port()),
        DATA_DIR=str(tmp_path),
        LOG_LEVEL="INFO",
    )
    started = time.monotonic()
    log_path = tmp_path / "run.log"
    log_file = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "run"], cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, text=True
    )
    try:
        ready = None
        while time.monotonic() - started < 90 and proc.poll() is None:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                if r.status_code == 200:
                    ready = r.json()
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        if ready is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(30)
            pytest.fail("server never became ready:\n" + log_path.read_text()[:3000])
        assert ready == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
        # The emulators' SMS inbox is up for a newcomer to read codes from.
        assert httpx.get(f"http://127.0.0.1:{emulator_port}/_emulator/sms", timeout=5).status_code == 200
        # Stopped at once after the first ready answer: Sanic's worker manager used to hang for good on a SIGTERM
        # that arrived while it awaited its worker's start-up acknowledgement (one process now runs without it).
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        log_file.close()
    out = log_path.read_text()
    assert proc.returncode == 0, out[-3000:]
    assert "Demo accounts" in out and "13800000001" in out and f"http://127.0.0.1:{port}/docs" in out
    # Nothing is left behind: the worker and the embedded Redis stopped with the run.
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.strip()
    assert leftovers == ""


def test_create_admin_in_production_settings(tmp_path: Path) -> None:
    """`create-admin` makes the first administrator with production settings, refuses a weak password and a second
    run without --force, and the administrator can log in."""
    db_path = tmp_path / "yishi.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "ALIYUN_", "SMTP_", "MAIL_"))}
    env.update({k.upper(): str(v) for k, v in PRODUCTION.items()})
    env.update(DATABASE_URL=f"sqlite://{db_path}", DATA_DIR=str(tmp_path), LOG_LEVEL="WARNING")

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "server", *args],
            cwd=ROOT,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert run("migrate").returncode == 0
    weak = run("create-admin", "--username", "root", "--password-stdin", stdin="88888888\n")
    assert weak.returncode != 0 and "PASSWORD_WEAK" in weak.stderr
    no_tty = run("create-admin", "--username", "root")
    assert no_tty.returncode != 0 and "--password-stdin" in no_tty.stderr
    first = run(
        "create-admin", "--username", "Root", "--real-name", "王运维", "--password-stdin", stdin="Ops-Start-2026!\n"
    )
    assert first.returncode == 0, first.stderr
    assert "administrator root created" in first.stdout
    again = run("create-admin", "--username", "root2", "--password-stdin", stdin="Ops-Start-2026!\n")
    assert again.returncode != 0 and "ADMIN_EXISTS" in again.stderr
    forced = run("create-admin", "--username", "root2", "--force", "--password-stdin", stdin="Ops-Again-2026!\n")
    assert forced.returncode == 0, forced.stderr
    taken = run("create-admin", "--username", "root2", "--force", "--password-stdin", stdin="Ops-Again-2026!\n")
    assert taken.returncode != 0 and "USERNAME_TAKEN" in taken.stderr
    with sqlite3.connect(db_path) as conn:
        admins = conn.execute(
            "SELECT username, must_change_password FROM user WHERE role = 'admin' ORDER BY id"
        ).fetchall()
        audited = conn.execute("SELECT count(*) FROM audit_entry WHERE action = 'staff.admin_created'").fetchone()
    assert admins == [("root", 0), ("root2", 0)] and audited == (2,)


def test_run_without_demo_data_is_a_new_deployment(tmp_path: Path) -> None:
    """`run --no-demo` migrates and serves an empty deployment: no demo account exists (the demo admin's log-in is
    refused), the banner points at create-admin, and `create-admin` against its database makes the first
    administrator, who logs in while it runs."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL"} and not k.startswith(("WECHAT_", "ALIYUN_", "SMTP_", "MAIL_"))
    }
    port = free_port()
    env.update(
        APP_ENV="development",
        PORT=str(port),
        EMULATOR_PORT=str(free_port()),
        EMULATOR_SMTP_PORT=str(free_port()),
        DATA_DIR=str(tmp_path),
        LOG_LEVEL="INFO",
        RUN_WORKER_IN_PROCESS="false",
    )
    log_path = tmp_path / "run.log"
    log_file = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "server", "run", "--no-demo"],
        cwd=ROOT,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        ready = False
        while time.monotonic() - started < 90 and proc.poll() is None:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2).status_code == 200
            except httpx.TransportError:
                pass
            if ready:
                break
            time.sleep(0.2)
        assert ready, log_path.read_text()[:3000]
        login = {"login": "admin", "password": "Yishi-Demo-2026"}
        refused = httpx.post(f"{base}/api/v1/auth/login", json=login, timeout=10)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "INVALID_CREDENTIALS"
        regions = httpx.get(f"{base}/api/v1/lookups/regions", timeout=10)
        assert regions.status_code == 200 and regions.json()["items"] == []

        created = subprocess.run(
            [sys.executable, "-m", "server", "create-admin", "--username", "Ops", "--password-stdin"],
            cwd=ROOT,
            env=env,
            input="Ops-Start-2026!\n",
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert created.returncode == 0, created.stderr
        signed_in = httpx.post(
            f"{base}/api/v1/auth/login", json={"login": "ops", "password": "Ops-Start-2026!"}, timeout=10
        )
        assert signed_in.status_code == 200, signed_in.text
        token = signed_in.json()["access_token"]
        me = httpx.get(f"{base}/api/v1/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert me.status_code == 200 and me.json()["role"] == "admin"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        log_file.close()
    out = log_path.read_text()
    assert proc.returncode == 0, out[-3000:]
    assert "Demo accounts" not in out and "13800000001" not in out and "create-admin" in out
