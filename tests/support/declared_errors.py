"""Every error code an operation answers in the suite must be declared on that operation in the published spec, and
every time in every JSON answer is ISO 8601 with the +08:00 offset (the project's one format on the wire).

The test app records each error response it gives (operation and code); at the end of the session the records are
checked against ``x-error-codes`` of ``app_api_docs/openapi.json``. A code an app would receive without the spec
naming it fails the run, listed by operation. Declare it where the route is (``@raises(...)``) and regenerate the
spec (``make openapi``).

The same hook reads every JSON body the test app answers (success and error) and records each string that looks like
a date and time (``2026-11-24T08:00…``) but is not ``YYYY-MM-DDTHH:MM:SS[.ffffff]+08:00``; the session fails on any,
listed by operation with the field's path and one example. Serialisation is fixed centrally (server.common.web).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import orjson
from sanic import Request, Sanic
from sanic.response import HTTPResponse

SPEC = Path(__file__).resolve().parents[2] / "app_api_docs" / "openapi.json"
# Codes any operation may answer without naming them: the default response (INTERNAL), a method the path does not
# have. SERVICE_UNAVAILABLE is not among them: the spec declares it on every operation (server.common.apidoc).
UNIVERSAL = frozenset({"INTERNAL", "METHOD_NOT_ALLOWED"})

seen: dict[tuple[str, str], set[str]] = {}
# (method, path) -> {json path: an offending value}
bad_times: dict[tuple[str, str], dict[str, str]] = {}

LOOKS_LIKE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
WIRE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+08:00$")


def time_violations(value: Any, where: str = "$") -> dict[str, str]:
    """JSON paths of the strings in ``value`` that look like a time but are not in the one wire format."""
    found: dict[str, str] = {}
    if isinstance(value, str):
        if LOOKS_LIKE_TIME.match(value) and not WIRE_TIME.match(value):
            found[where] = value
    elif isinstance(value, dict):
        for key, item in value.items():
            found.update(time_violations(item, f"{where}.{key}"))
    elif isinstance(value, list):
        for item in value:
            found.update(time_violations(item, f"{where}[]"))
    return found


def _path(route_path: str) -> str:
    return "/" + re.sub(r"<(\w+)(?::[^>]*)?>", r"{\1}", route_path.strip("/"))


def install(app: Sanic) -> None:
    @app.on_response(priority=10)  # type: ignore[call-arg]
    async def record(request: Request, response: HTTPResponse) -> None:
        if request.route is None or not response.body:
            return
        path = _path(request.route.path)
        if path.startswith("/_test") or "json" not in (response.content_type or ""):
            return
        try:
            data = orjson.loads(response.body)
        except orjson.JSONDecodeError:
            return
        operation = (request.method.lower(), path)
        if not path.startswith("/docs") and (times := time_violations(data)):
            bad_times.setdefault(operation, {}).update(times)
        if response.status < 400:
            return
        try:
            code = data["error"]["code"]
        except (KeyError, TypeError):
            return
        seen.setdefault(operation, set()).add(str(code))


def undeclared() -> dict[str, list[str]]:
    """``"post /api/v1/…": [codes]`` answered in the suite but not declared on the operation."""
    spec: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    missing: dict[str, list[str]] = {}
    for (method, path), codes in sorted(seen.items()):
        operation = spec.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            continue  # not a published operation (HEAD, OPTIONS)
        declared = {c for r in operation.get("responses", {}).values() for c in r.get("x-error-codes", [])}
        absent = sorted(codes - declared - UNIVERSAL)
        if absent:
            missing[f"{method.upper()} {path}"] = absent
    return missing


def times_off_format() -> dict[str, dict[str, str]]:
    """``"get /api/v1/…": {json path: value}`` for times the suite received in another format than +08:00."""
    return {f"{m.upper()} {p}": found for (m, p), found in sorted(bad_times.items())}
