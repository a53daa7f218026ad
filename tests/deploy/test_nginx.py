"""deploy/nginx: `nginx -t` on the configuration as shipped, then a real nginx serving it in front of a stand-in app.

How the test builds a runnable copy (in a temporary directory; the configuration uses paths relative to its own
directory, so only these change):
- a throw-away self-signed certificate in tls/ (openssl);
- `nginx -t` must resolve the upstream host `app` (the compose service name): the check runs in a private mount
  namespace (`unshare --mount`, root only) where /etc/hosts is a copy that maps `app` to 127.0.0.1; where unshare
  is not allowed, the copy's upstream names 127.0.0.1 instead (said in the output);
- for the live run the listen ports become free loopback ports, the upstream the stand-in app's port, the log
  paths the temporary directory, and workers run as the current user.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.deploy import live_nginx, nginx_copy, tool

pytestmark = pytest.mark.system


def _nginx_t(conf: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    nginx = tool("nginx")
    command = [nginx, "-t", "-p", f"{conf}/", "-c", str(conf / "nginx.conf"), "-e", str(tmp / "error.log")]
    hosts = tmp / "hosts"
    hosts.write_text("127.0.0.1 localhost\n127.0.0.1 app\n::1 localhost\n")
    unshare = shutil.which("unshare")
    if unshare and os.geteuid() == 0:
        script = f'mount --bind "{hosts}" /etc/hosts && exec "$@"'
        wrapped = [unshare, "--mount", "sh", "-c", script, "sh", *command]
        probe = subprocess.run([unshare, "--mount", "true"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return subprocess.run(wrapped, capture_output=True, text=True, timeout=60)
    print("unshare unavailable: the upstream `app` is tested as 127.0.0.1")
    upstream = conf / "conf.d" / "upstream.conf"
    upstream.write_text(upstream.read_text().replace("server app:8000", "server 127.0.0.1:8000"))
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    conf = nginx_copy(tmp_path)
    result = _nginx_t(conf, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_check_can_fail(tmp_path: Path) -> None:
    conf = nginx_copy(tmp_path)
    site = conf / "conf.d" / "yishi.conf"
    site.write_text(site.read_text().replace("limit_req zone=sms", "limit_req zone=no_such_zone"))
    assert _nginx_t(conf, tmp_path).returncode != 0


class _StandIn(BaseHTTPRequestHandler):
    """The app's place: answers with what it received (method, path, forwarding headers, body size)."""

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        payload: dict[str, Any] = {
            "path": self.path,
            "x_forwarded_for": self.headers.get("x-forwarded-for"),
            "x_forwarded_proto": self.headers.get("x-forwarded-proto"),
            "x_request_id": self.headers.get("x-request-id"),
            "received": length,
        }
        if "big" in self.path:
            payload["filler"] = ["医师服务" * 10] * 200
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("nginx")
    backend = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    live = live_nginx(tmp, [backend.server_address[1]])
    try:
        yield {"https": live.https, "http": live.http}
    finally:
        live.stop()
        backend.shutdown()


def _get(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.get(url, verify=False, timeout=10, **kwargs)


def _post(url: str, **kwargs: Any) -> httpx.Response:
    return httpx.post(url, verify=False, timeout=10, **kwargs)


def test_plain_http_redirects_to_https(site: dict[str, str]) -> None:
    response = httpx.get(f"{site['http']}/api/v1/me", timeout=10)
    assert response.status_code == 301 and response.headers["location"].startswith("https://")


def test_client_cannot_forge_its_address(site: dict[str, str]) -> None:
    response = _get(f"{site['https']}/api/v1/me", headers={"X-Forwarded-For": "203.0.113.9", "X-Request-ID": "x"})
    seen = response.json()
    assert seen["x_forwarded_for"] == "127.0.0.1"
    assert seen["x_forwarded_proto"] == "https"
    assert re.fullmatch(r"[0-9a-f]{32}", seen["x_request_id"]), "nginx's id, which the app accepts and echoes"


def test_security_headers_on_every_answer(site: dict[str, str]) -> None:
    for response in (_get(f"{site['https']}/api/v1/me"), _get(f"{site['https']}/nothing-here")):
        headers = response.headers
        assert headers["strict-transport-security"].startswith("max-age=")
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "server" not in headers or headers["server"] == "nginx"


@pytest.mark.parametrize("path", ["/metrics", "/readyz", "/docs", "/"])
def test_internal_endpoints_are_not_public(site: dict[str, str], path: str) -> None:
    response = _get(site["https"] + path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_healthz_is_public(site: dict[str, str]) -> None:
    assert _get(f"{site['https']}/healthz").json()["path"] == "/healthz"


def test_upload_limits_per_route(site: dict[str, str]) -> None:
    base = site["https"]
    refused = _post(f"{base}/api/v1/exams/attempts/a/submit", content=b"x" * 300_000)
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert _post(f"{base}/api/v1/exams/attempts/a/submit", content=b"x" * 100_000).json()["received"] == 100_000
    face = b"x" * 1_900_000
    assert _post(f"{base}/api/v1/proctoring/captures", content=face).json()["received"] == len(face)
    assert _post(f"{base}/api/v1/proctoring/captures", content=b"x" * 3_000_000).status_code == 413
    proof = b"x" * 9_000_000
    assert _post(f"{base}/api/v1/registry/applications/7/attachments", content=proof).json()["received"] == len(proof)
    assert _post(f"{base}/api/v1/registry/applications/7/attachments", content=b"x" * 11_000_000).status_code == 413


def test_sms_codes_are_rate_limited_by_address(site: dict[str, str]) -> None:
    statuses = [_post(f"{site['https']}/api/v1/auth/sms-codes", json={}).status_code for _ in range(12)]
    assert statuses[0] == 200
    assert 429 in statuses
    limited = _post(f"{site['https']}/api/v1/auth/sms-codes", json={})
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "RATE_LIMITED"
    assert _get(f"{site['https']}/api/v1/me").status_code == 200, "other routes keep their own budget"


def test_json_is_compressed(site: dict[str, str]) -> None:
    with httpx.Client(verify=False, timeout=10) as client:
        response = client.get(f"{site['https']}/api/v1/big", headers={"Accept-Encoding": "gzip"})
        assert response.headers.get("content-encoding") == "gzip"
        assert len(response.json()["filler"]) == 200
        with client.stream("GET", f"{site['https']}/api/v1/big", headers={"Accept-Encoding": "gzip"}) as raw:
            wire = b"".join(raw.iter_raw())
    assert len(wire) < len(gzip.decompress(wire)) / 5
