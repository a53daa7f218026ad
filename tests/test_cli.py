"""`python -m server run` (what `make run` calls) brings the whole system up on embedded defaults, and stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from server.config import ROOT
from tests.support.devserver import free_port, postgres_url_for

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
