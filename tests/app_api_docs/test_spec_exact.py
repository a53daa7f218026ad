"""The published spec is exact: typed parameters, every request body, required headers, download media types.

These read the committed app_api_docs/openapi.json (tests/test_schema.py checks that it is what the code generates).
The session-end checks of tests/support/declared_errors.py cover the rest: every error code an operation answered is
declared on it, and every time the suite received is ISO 8601 with +08:00.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

import pytest

from server.app import create_app
from server.config import Settings
from server.openapi import SPEC_PATH

SPEC: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
METHODS = ("get", "post", "put", "patch", "delete")
OPERATIONS = [
    (method, path, op)
    for path, item in SPEC["paths"].items()
    for method, op in item.items()
    if method in METHODS and isinstance(op, dict)
]
# Actions whose whole input is the path and the signed-in user (reviewed one by one): anything else that changes
# data without a described body fails below.
BODILESS_ACTIONS = {
    "post /api/v1/admin/dead-letters/{delivery_id}/retry",
    "post /api/v1/assessment/accounts/{account_id}/unhide",
    "post /api/v1/assessment/self-evaluation",
    "post /api/v1/auth/logout",
    "post /api/v1/exams/attempts/{attempt_ref}/sections/{section}/finish",
    "post /api/v1/exams/attempts/{attempt_ref}/submit",
    "post /api/v1/exams/attempts/{attempt_ref}/takeover",
    "post /api/v1/inbox/read-all",
    "post /api/v1/inbox/{message_id}/read",
    "post /api/v1/my/reviews/{item_id}/withdraw",
    "post /api/v1/registry/applications/{application_id}/submit",
    "post /api/v1/registry/institution/physicians/{registration_id}/activate",
    "post /api/v1/staff/physicians/{user_id}/password-reset",
    "post /api/v1/staff/{user_id}/password-reset",
}
BINARY_TYPES = {
    "application/pdf",
    "image/jpeg",
    "image/png",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "text/csv",
    "application/json",
}


def _ids() -> list[str]:
    return [f"{m} {p}" for m, p, _ in OPERATIONS]


def _resolved(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return dict(SPEC["components"]["schemas"][ref.rsplit("/", 1)[1]]) if ref else schema


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=_ids())
def test_every_parameter_is_typed(method: str, path: str, op: dict[str, Any]) -> None:
    params = op.get("parameters", [])
    in_path = {p["name"]: p for p in params if p["in"] == "path"}
    assert set(in_path) == set(re.findall(r"{(\w+)}", path)), "every path segment is a declared parameter"
    for p in params:
        schema = p.get("schema", {})
        assert "properties" not in schema and schema.get("type") != "object", p["name"]
        if p["in"] == "path":
            assert p["required"] is True
            assert schema.get("type") in ("integer", "string"), p["name"]
            if schema["type"] == "string":
                assert "pattern" in schema or "enum" in schema, p["name"]
        else:
            # a query or header value: one JSON Schema type (or a union of them for optional values); a reference
            # names a component of one type (an enum of strings)
            schema = _resolved(schema)
            types = [schema.get("type")] + [_resolved(s).get("type") for s in schema.get("anyOf", [])]
            assert any(t in ("integer", "string", "boolean", "number", "array") for t in types), (p["name"], schema)


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=_ids())
def test_every_request_body_is_described(method: str, path: str, op: dict[str, Any]) -> None:
    if method == "get":
        assert "requestBody" not in op
        return
    if method == "delete" and "requestBody" not in op:
        return  # a DELETE names its object in the path; one that asks more (a password) describes its body
    if f"{method} {path}" in BODILESS_ACTIONS:
        assert "requestBody" not in op
        return
    content = op["requestBody"]["content"]
    assert set(content) <= {"application/json", "multipart/form-data"}
    for media in content.values():
        assert media["schema"], (method, path)


def _declared_codes(op: dict[str, Any]) -> set[str]:
    return {c for r in op["responses"].values() for c in r.get("x-error-codes", [])}


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=_ids())
def test_uploads_name_their_file_field_types_and_size(method: str, path: str, op: dict[str, Any]) -> None:
    if "UPLOAD_MISSING" not in _declared_codes(op):
        assert "multipart/form-data" not in op.get("requestBody", {}).get("content", {})
        return
    form = op["requestBody"]["content"]["multipart/form-data"]
    schema = form["schema"]
    files = [
        name
        for name, prop in schema["properties"].items()
        if prop.get("format") == "binary" or prop.get("items", {}).get("format") == "binary"
    ]
    assert files, "the file field is named"
    if "application/json" not in op["requestBody"]["content"]:  # a file that may be left out goes as JSON then
        assert set(files) <= set(schema["required"]), "the file field is required"
    for name in files:
        prop = schema["properties"][name]
        one = prop.get("items", prop)
        assert one.get("maxLength"), f"{name}: the size limit is stated"
        assert one.get("contentMediaType") or name in form.get("encoding", {}), f"{name}: the media types are stated"


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=_ids())
def test_required_headers_are_declared(method: str, path: str, op: dict[str, Any]) -> None:
    headers = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "header"}
    if "DEVICE_ID_REQUIRED" in _declared_codes(op):
        assert headers["X-Device-Id"]["required"] is True


def test_every_download_declares_its_media_type() -> None:
    app = create_app(Settings(app_env="test", redis_url="redis://unused"), name="yishi_spec_exact", connect=False)
    downloads = []
    for route in app.router.routes:
        fn = route.handler
        while hasattr(fn, "__wrapped__"):
            fn = fn.__wrapped__
        if not inspect.isfunction(fn) or "file_out(" not in inspect.getsource(fn):  # static files are partials
            continue
        path = "/" + re.sub(r"<(\w+)(?::[^>]*)?>", r"{\1}", route.path.strip("/"))
        for method in route.methods:
            downloads.append(f"{method.lower()} {path}")
            if path not in SPEC["paths"]:
                continue  # not a published operation
            ok = SPEC["paths"][path][method.lower()]["responses"]["200"]
            media = set(ok.get("content", {}))
            assert media and media <= BINARY_TYPES, (method, path, media)
            for m in media:
                assert ok["content"][m]["schema"] == {"type": "string", "format": "binary"}
    assert len(downloads) >= 9  # PDF forms and notices, photos, attachments, proofs, Excel and question exports


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=_ids())
def test_every_success_answer_has_a_shape(method: str, path: str, op: dict[str, Any]) -> None:
    success = {code: r for code, r in op["responses"].items() if code.startswith("2")}
    assert success, "a success response is declared"
    for code, response in success.items():
        assert code == "204" or response.get("content"), code


def test_the_one_time_format_is_stated() -> None:
    assert "+08:00" in SPEC["info"]["description"]


def test_a_start_repeated_on_the_same_device_has_its_200_in_the_spec() -> None:
    """Starting again on the same device answers 200 with the attempt in progress (tests/exams/test_attempts.py): the
    app must find that answer described, not only the 201 of a new attempt."""
    responses = SPEC["paths"]["/api/v1/exams/{exam_kind}/attempts"]["post"]["responses"]
    for status in ("200", "201"):
        assert responses[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AttemptOut"}
        assert responses[status]["description"]
