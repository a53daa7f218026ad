"""A real `python -m server run` in a subprocess, on free ports and a temporary data directory, for the tests that
must see the system as a newcomer or the app team does (the run command, the API contract, the walkthrough)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx

from server.config import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postgres_url_for(name: str) -> str | None:
    """A fresh database ``name`` beside TEST_DATABASE_URL's, or None when the suite runs on SQLite."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgres"):
        return None
    import asyncpg

    root, _, _ = base.rpartition("/")

    async def recreate() -> None:
        conn = await asyncpg.connect(base)
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()

    asyncio.run(recreate())
    return f"{root}/{name}"


class DevServer:
    """``python -m server run`` with its own ports, data directory and (optionally) PostgreSQL database."""

    def __init__(self, data_dir: Path, *, database_url: str | None = None, extra_env: dict[str, str] | None = None):
        self.data_dir = data_dir
        self.port, self.emulator_port = free_port(), free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.emulator_url = f"http://127.0.0.1:{self.emulator_port}"
        prefixes = ("WECHAT_", "ALIYUN_", "SMTP_", "MAIL_")
        env = {
            k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"} and not k.startswith(prefixes)
        }
        if database_url:
            env["DATABASE_URL"] = database_url
        env.update(
            APP_ENV="development",
            PORT=str(self.port),
            EMULATOR_PORT=str(self.emulator_port),
            EMULATOR_SMTP_PORT=str(free_port()),
            DATA_DIR=str(data_dir),
            LOG_LEVEL="INFO",
        )
        env.update(extra_env or {})
        self.env = env
        self.log_path = data_dir / "run.log"
        self.proc: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    def start(self, timeout: float = 90) -> dict[str, Any]:
        """Start and wait for /readyz; returns its answer."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server", "run"],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started = time.monotonic()
        while time.monotonic() - started < timeout and self.proc.poll() is None:
            try:
                r = httpx.get(f"{self.base_url}/readyz", timeout=2)
                if r.status_code == 200:
                    return dict(r.json())
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("server never became ready:\n" + self.log_path.read_text()[-3000:])

    def stop(self) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(30)
        if self._log:
            self._log.close()
        return code

    def output(self) -> str:
        return self.log_path.read_text()

    def log_in(self, login: str, password: str) -> str:
        r = httpx.post(f"{self.base_url}/api/v1/auth/login", json={"login": login, "password": password}, timeout=30)
        r.raise_for_status()
        return str(r.json()["access_token"])
