"""Small helpers to drive an emulator's admin API over HTTP (codes, subscriptions, faults).

The fixtures that start one (``emulator_server``, ``emulator``) and the unreachable addresses (``black_hole``,
``closed_port``) are in tests/conftest.py."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from server.emulators import EmulatorServer


def http(emulator: EmulatorServer, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Call the emulator over HTTP; returns (status, parsed JSON or text)."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(emulator.base_url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            status, raw, ctype = response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        status, raw, ctype = exc.code, exc.read(), exc.headers.get("Content-Type", "")
    text = raw.decode("utf-8")
    return status, (json.loads(text) if ctype.startswith("application/json") else text)


def login_code(emulator: EmulatorServer, **body: str) -> dict[str, Any]:
    status, answer = http(emulator, "POST", "/_emulator/wechat/login-codes", body)
    assert status == 201, answer
    return dict(answer)


def phone_code(emulator: EmulatorServer, phone: str) -> str:
    status, answer = http(emulator, "POST", "/_emulator/wechat/phone-codes", {"phone": phone})
    assert status == 201, answer
    return str(answer["code"])


def grant(emulator: EmulatorServer, openid: str, template_id: str, count: int = 1) -> int:
    status, answer = http(
        emulator,
        "POST",
        "/_emulator/wechat/subscriptions",
        {"openid": openid, "template_id": template_id, "count": count},
    )
    assert status == 201, answer
    return int(answer["remaining"])


def fault(
    emulator: EmulatorServer, target: str, code: str | int, times: int = 1, http_status: int | None = None
) -> None:
    body: dict[str, Any] = {"target": target, "code": code, "times": times}
    if http_status is not None:
        body["http_status"] = http_status
    status, answer = http(emulator, "POST", "/_emulator/faults", body)
    assert status == 201, answer
