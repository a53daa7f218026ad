"""The OpenAPI document says exactly what the code accepts and answers.

sanic-ext turns a pydantic model into a schema of its own making and loses what matters to a client: which fields
are required, that unknown fields are refused, patterns, bounds and examples. Here every pydantic model in a
``@openapi.body`` / ``@openapi.response`` / ``@body`` / ``@query`` becomes its own JSON Schema (pydantic's, OpenAPI
3.1 being JSON Schema 2020-12), registered once under ``components/schemas``; query parameters get the schema of
their field; and every operation lists the error responses it can give, in the one error shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from server.common import auth, events, outage, uploads
from server.common.events import Event
from server.errors import (
    AppError,
    InternalError,
    InvalidJson,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    ValidationFailed,
)

COMPONENTS: dict[str, dict[str, Any]] = {}
_OWNERS: dict[str, type[BaseModel]] = {}
REF = "#/components/schemas/{model}"

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "稳定的错误码（大写），见 app_api_docs/error-codes.md"},
                "message": {"type": "string", "description": "可直接展示给用户的中文说明"},
                "field": {"type": "string", "description": "出错的字段（如有）"},
                "details": {"type": "object", "description": "补充信息，如限制值、测量值、重试等待秒数"},
            },
        }
    },
    "examples": [{"error": {"code": "SMS_CODE_INVALID", "message": "验证码错误或已过期", "field": "sms_code"}}],
}


RETRY_AFTER: dict[str, Any] = {
    "description": "数据库或缓存暂时不可用时，建议等待的秒数；等待后再重试（指数退避）",
    "schema": {"type": "integer", "minimum": 1},
}


def _register(name: str, schema: dict[str, Any]) -> None:
    """One schema per component name: two different models with one name would make the spec lie about one."""
    known = COMPONENTS.get(name)
    if known is not None and known != schema:
        raise ValueError(f"two different models are both named {name!r}: rename one (names are the API's schema names)")
    COMPONENTS[name] = schema


def model_ref(model: type[BaseModel]) -> dict[str, Any]:
    """Register ``model`` (and the models it uses) as components and return a reference to it."""
    name = model.__name__
    if _OWNERS.get(name) is not model:
        schema = model.model_json_schema(ref_template=REF)
        for sub_name, sub in schema.pop("$defs", {}).items():
            _register(sub_name, sub)
        _register(name, schema)
        _OWNERS[name] = model
    return {"$ref": REF.format(model=name)}


def field_schema(model: type[BaseModel], name: str) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF)
    for sub_name, sub in schema.pop("$defs", {}).items():
        _register(sub_name, sub)
    found: dict[str, Any] = schema.get("properties", {}).get(name, {})
    return found


def install() -> None:
    """Make sanic-ext use pydantic's own schemas for models named in ``@openapi.body`` and ``@openapi.response``."""
    from sanic_ext.extensions.openapi import definitions

    if getattr(definitions.MediaType.make, "__yishi__", False):
        return
    original = definitions.MediaType.make

    def make(value: Any) -> Any:
        if isinstance(value, type) and issubclass(value, BaseModel):
            return definitions.MediaType(model_ref(value))
        return original(value)

    make.__yishi__ = True  # type: ignore[attr-defined]
    definitions.MediaType.make = staticmethod(make)  # type: ignore[method-assign]


def is_secured(fn: Any) -> bool:
    """Whether ``fn`` or a function it wraps is ``@openapi.secured`` (as every ``@require`` guard is)."""
    from sanic_ext.extensions.openapi.builders import OperationStore

    store = OperationStore()
    while fn is not None:
        if fn in store and getattr(store[fn], "security", None):
            return True
        fn = getattr(fn, "__wrapped__", None)
    return False


# ---- declared errors -----------------------------------------------------------------------------------------------
def raises(*errors: type[AppError] | type[Event]) -> Callable[[Any], Any]:
    """Name the errors a route can answer beyond the ones every route of its kind has (shown in the OpenAPI).

    An event class stands for whatever its subscribers declare with this same decorator: the review engine's
    decision route names ``ReviewDecided``, and the registry's subscriber that may refuse an approval names
    ``ApplicationNotAllowed``; the lower part never has to know the upper part's errors.
    """

    def decorator(fn: Any) -> Any:
        fn.__api_raises__ = tuple(getattr(fn, "__api_raises__", ())) + errors
        return fn

    return decorator


def upload_form(
    field: str,
    kinds: tuple[str, ...],
    max_bytes: int,
    *,
    description: str = "",
    fields: dict[str, dict[str, Any]] | None = None,
    required: tuple[str, ...] = (),
    multiple: int = 1,
) -> Callable[[Any], Any]:
    """Describe the route's ``multipart/form-data`` body: the file field (its kinds and size limit), other fields.

    The values are those the route hands to ``uploads.read_file`` / ``read_files``, so the document cannot drift
    from what the parser accepts. ``multiple`` > 1: the field may be repeated up to that many times.
    """

    def decorator(fn: Any) -> Any:
        fn.__api_upload__ = {
            "field": field,
            "kinds": kinds,
            "max_bytes": max_bytes,
            "description": description,
            "fields": fields or {},
            "required": required,
            "multiple": multiple,
        }
        return fn

    return decorator


def header(name: str, description: str, *, required: bool = True, **schema: Any) -> Callable[[Any], Any]:
    """Declare a request header the route reads (``X-Device-Id``): in the document, with its schema."""

    def decorator(fn: Any) -> Any:
        entry = {"name": name, "description": description, "required": required, "schema": {"type": "string", **schema}}
        fn.__api_headers__ = (*getattr(fn, "__api_headers__", ()), entry)
        return fn

    return decorator


def path_param(name: str, description: str = "", **schema: Any) -> Callable[[Any], Any]:
    """What a ``<name:str>`` path segment may be (a pattern, an enum), beyond "a string"."""

    def decorator(fn: Any) -> Any:
        fn.__api_paths__ = {**getattr(fn, "__api_paths__", {}), name: {"description": description, "schema": schema}}
        return fn

    return decorator


def _size(max_bytes: int) -> str:
    return f"{max_bytes // (1024 * 1024)} MB" if max_bytes % (1024 * 1024) == 0 else f"{max_bytes // 1024} KB"


def _upload_body(spec: dict[str, Any]) -> dict[str, Any]:
    kinds = [uploads.KIND_LABELS[k] for k in spec["kinds"]]
    file_schema: dict[str, Any] = {
        "type": "string",
        "format": "binary",
        "contentMediaType": ", ".join(uploads.CONTENT_TYPES[k] for k in spec["kinds"]),
        "maxLength": spec["max_bytes"],
        "description": (spec["description"] + "；" if spec["description"] else "")
        + f"格式：{'/'.join(kinds)}（按文件内容判断），每个文件最大 {_size(spec['max_bytes'])}",
    }
    if spec["multiple"] > 1:
        file_schema = {"type": "array", "items": file_schema, "minItems": 1, "maxItems": spec["multiple"]}
    properties = {spec["field"]: file_schema, **spec["fields"]}
    schema = {"type": "object", "required": [spec["field"], *spec["required"]], "properties": properties}
    media = ", ".join(uploads.CONTENT_TYPES[k] for k in spec["kinds"])
    return {
        "required": True,
        "content": {"multipart/form-data": {"schema": schema, "encoding": {spec["field"]: {"contentType": media}}}},
    }


def _path_schema(label: str) -> dict[str, Any]:
    if label == "int":
        # database ids (server.app registers the pattern): larger than 64 bits is simply not found
        return {"type": "integer", "format": "int64"}
    return {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}


def _expand(named: tuple[type[AppError] | type[Event], ...]) -> list[type[AppError]]:
    found: list[type[AppError]] = []
    for item in named:
        if issubclass(item, Event):
            for handler in events.subscribers(item):
                found += _expand(getattr(handler, "__api_raises__", ()))
        else:
            found.append(item)
    return found


def _path_of(uri: str) -> str:
    return "/" + re.sub(r"<(\w+)(?::[^>]*)?>", r"{\1}", uri.strip("/"))


def _describe(errors: list[tuple[str, str]]) -> str:
    return "；".join(f"`{code}` {message}" for code, message in errors)


def _auth_errors() -> list[type[AppError]]:
    return [auth.TokenMissing, auth.TokenInvalid, auth.TokenExpired, auth.SessionEnded]


def _forbidden_errors() -> list[type[AppError]]:
    return [auth.RoleForbidden, auth.PasswordChangeRequired]


def _guarded(handler: Any) -> bool:
    """Whether a function down the handler's chain of decorators is ``@openapi.secured`` (``require`` does it).

    sanic-ext keeps the security of the function it was given, which an outer decorator (``@body``, ``@query``)
    hides from the document; the chain of ``__wrapped__`` still leads to it.
    """
    return is_secured(getattr(handler, "__wrapped__", None))


def complete(spec: dict[str, Any], routes: list[Any]) -> dict[str, Any]:
    """Rewrite the sanic-ext document: OpenAPI 3.1, precise query parameters, components, error responses."""
    spec["openapi"] = "3.1.0"
    handlers: dict[tuple[str, str], Any] = {}
    path_labels: dict[str, dict[str, str]] = {}
    for route in routes:
        for method in route.methods:
            handlers[(_path_of(route.path), method.lower())] = route.handler
        segments = re.findall(r"<(\w+)(?::(\w+))?", route.path)
        path_labels[_path_of(route.path)] = {name: label or "str" for name, label in segments}

    for path, operations in spec.get("paths", {}).items():
        for method, op in operations.items():
            if not isinstance(op, dict):
                continue
            handler = handlers.get((path, method))
            if "operationId" in op:
                # "post~accounts.login" → "accounts_login": what a generated client names its function
                op["operationId"] = re.sub(r"^\w+~", "", op["operationId"]).replace(".", "_")
            query_model = getattr(handler, "__api_query__", None)
            body_model = getattr(handler, "__api_body__", None)
            declared = _expand(getattr(handler, "__api_raises__", ()))
            if handler is not None and not op.get("security") and _guarded(handler):
                op["security"] = [{"bearer": []}]
            params = []
            labels = path_labels.get(path, {})
            documented = getattr(handler, "__api_paths__", {})
            for name, label in labels.items():
                given: dict[str, Any] = next(
                    (p for p in op.get("parameters", []) if p.get("in") == "path" and p["name"] == name), {}
                )
                extra = documented.get(name, {})
                params.append(
                    {
                        "in": "path",
                        "name": name,
                        "required": True,
                        "description": extra.get("description") or given.get("description") or "",
                        "schema": {**_path_schema(label), **extra.get("schema", {})},
                    }
                )
            for p in op.get("parameters", []):
                if p.get("in") == "path" or (p.get("in") == "query" and query_model is not None):
                    continue
                params.append(p)
            for h in getattr(handler, "__api_headers__", ()):
                params = [p for p in params if not (p.get("in") == "header" and p["name"] == h["name"])]
                params.append({"in": "header", **h})
            if body_model is not None and "requestBody" not in op:
                # the body was described on a function an outer decorator (``@require``) then wrapped
                required = any(f.is_required() for f in body_model.model_fields.values())
                op["requestBody"] = {
                    "required": required,
                    "content": {"application/json": {"schema": model_ref(body_model)}},
                }
            if (upload := getattr(handler, "__api_upload__", None)) is not None:
                op["requestBody"] = _upload_body(upload)
            if query_model is not None:
                for name, field in query_model.model_fields.items():
                    params.append(
                        {
                            "in": "query",
                            "name": field.alias or name,
                            "required": field.is_required(),
                            "description": field.description or "",
                            "schema": field_schema(query_model, name),
                        }
                    )
            if params:
                op["parameters"] = params

            errors: list[type[AppError]] = []
            if op.get("security"):
                errors += _auth_errors() + _forbidden_errors()
            if any(p.get("in") == "path" for p in params):
                errors.append(NotFound)
            if body_model is not None or query_model is not None:
                errors.append(ValidationFailed)
            if body_model is not None:
                errors += [InvalidJson, PayloadTooLarge]
            if "multipart/form-data" in op.get("requestBody", {}).get("content", {}):
                errors += [*uploads.ERRORS, PayloadTooLarge]
            errors += declared
            if not path.startswith(outage.ALWAYS_ANSWERED):
                errors.append(ServiceUnavailable)  # any operation, while the database or Redis is down
            by_status: dict[int, list[tuple[str, str]]] = {}
            for err in errors:
                entry = (err.code, err.message)
                if entry not in by_status.setdefault(err.status, []):
                    by_status[err.status].append(entry)
            responses = op.setdefault("responses", {})
            if "204" in responses:
                responses["204"].pop("content", None)  # no content is no media type (sanic-ext writes */*)
            error_ref = {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}
            for status, entries in sorted(by_status.items()):
                existing = responses.get(str(status))
                if existing is None:
                    existing = responses[str(status)] = {"description": _describe(entries), "content": error_ref}
                # The codes as data, for clients generating their error handling (and the suite's check that what
                # an operation answers is declared: tests/support/declared_errors.py)
                existing["x-error-codes"] = [code for code, _ in entries]
                if status == ServiceUnavailable.status:
                    existing["headers"] = {"Retry-After": RETRY_AFTER}
            responses["default"] = {
                "description": "其他错误（统一错误格式，见错误码表）；"
                + _describe([(InternalError.code, InternalError.message)]),
                "content": error_ref,
            }
    if "tags" in spec:  # sanic-ext collects them in no stable order
        spec["tags"] = sorted(spec["tags"], key=lambda tag: str(tag.get("name", "")))
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(COMPONENTS)
    schemas["Error"] = ERROR_SCHEMA
    return spec


# Routes decorated at import time (server/common/health.py is imported by server/app.py) describe their models as
# soon as they are imported: the patch must be in place before any of them, so importing this module installs it.
install()
