"""Every error code an operation answers in the suite must be declared on that operation in the published spec.

The test app records each error response it gives (operation and code); at the end of the session the records are
checked against ``x-error-codes`` of ``app_api_docs/openapi.json``. A code an app would receive without the spec
naming it fails the run, listed by operation. Declare it where the route is (``@raises(...)``) and regenerate the
spec (``make openapi``).
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


def _path(route_path: str) -> str:
    return "/" + re.sub(r"<(\w+)(?::[^>]*)?>", r"{\1}", route_path.strip("/"))


def install(app: Sanic) -> None:
    @app.on_response(priority=10)  # type: ignore[call-arg]
    async def record(request: Request, response: HTTPResponse) -> None:
        if response.status < 400 or request.route is None or not response.body:
            return
        path = _path(request.route.path)
        if path.startswith("/_test"):
            return
        try:
            code = orjson.loads(response.body)["error"]["code"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return
        seen.setdefault((request.method.lower(), path), set()).add(str(code))


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
