"""Input parsing: pydantic models for bodies and query strings, failures in the one error shape."""

from __future__ import annotations

import re
import typing
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from functools import wraps
from typing import Any, TypeVar

import orjson
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sanic import Request
from sanic_ext import openapi

from server.common import apidoc
from server.common.apidoc import is_secured
from server.common.auth import authenticate
from server.errors import InvalidJson, ValidationFailed

apidoc.install()  # pydantic schemas in this module's OpenAPI decorators

M = TypeVar("M", bound=BaseModel)


_REASONS = {
    "missing": "不能为空",
    "string_too_short": "长度不足",
    "string_too_long": "长度超出限制",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "应为文本",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为是或否",
    "bool_type": "应为是或否",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "greater_than": "数值过小",
    "less_than": "数值过大",
    "too_short": "数量不足",
    "too_long": "数量超出限制",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD",
    "date_parsing": "日期格式应为 YYYY-MM-DD",
    "datetime_parsing": "时间格式不正确",
    "extra_forbidden": "是不支持的字段",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
}


def validation_error(exc: PydanticValidationError) -> ValidationFailed:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    first = errors[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    reason = _REASONS.get(first["type"])
    if reason is None:
        # Custom validators raise ValueError with a Chinese message of their own.
        msg = str(first.get("msg", ""))
        reason = msg.removeprefix("Value error, ") if msg.startswith("Value error, ") else "格式不正确"
    message = f"{field}：{reason}" if field else reason
    details = {"errors": [{"field": ".".join(str(p) for p in e["loc"]), "type": e["type"]} for e in errors]}
    return ValidationFailed(message, field=field, details=details)


def parse(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise validation_error(exc) from None


def parse_json(request: Request, model: type[M]) -> M:
    """The body as ``model``, strictly: a JSON ``false`` is not the id 0 and ``"12"`` is not the number 12."""
    raw = request.body
    if not raw or not raw.strip():
        raise InvalidJson("请求内容不能为空，应为 JSON 对象")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InvalidJson() from None
    if not isinstance(data, dict):
        raise InvalidJson("请求内容应为 JSON 对象")
    try:
        return model.model_validate_json(raw, strict=True)
    except PydanticValidationError as exc:
        raise validation_error(exc) from None


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def _temporal_kind(annotation: Any) -> str | None:
    """'date' or 'datetime' when a field holds one (optionally), else None."""
    args = typing.get_args(annotation) or (annotation,)
    if datetime in args:
        return "datetime"
    if date in args:
        return "date"
    return None


def parse_query(request: Request, model: type[M]) -> M:
    """The query string as ``model``; dates only in ISO 8601 (a bare ``0`` is not 1970-01-01)."""
    data: dict[str, Any] = {}
    # A blank value (``?submitted_to=``) is a value, judged like any other: an empty string is not a date or a
    # number. Clients leave out a parameter they do not mean to send.
    for key, values in request.get_args(keep_blank_values=True).items():
        data[key] = values if len(values) > 1 else values[0]
    for name, field in model.model_fields.items():
        value = data.get(field.alias or name)
        kind = _temporal_kind(field.annotation)
        if kind and isinstance(value, str):
            pattern = _ISO_DATE if kind == "date" else _ISO_DATETIME
            if not pattern.match(value) and not (kind == "datetime" and _ISO_DATE.match(value)):
                reason = (
                    "日期格式应为 YYYY-MM-DD"
                    if kind == "date"
                    else "时间格式应为 ISO 8601，如 2026-11-24T08:00:00+08:00"
                )
                raise ValidationFailed(
                    f"{name}：{reason}", field=name, details={"errors": [{"field": name, "type": f"{kind}_format"}]}
                )
    return parse(model, data)


Handler = Callable[..., Awaitable[Any]]


async def _signed_in_first(request: Request, guarded: bool) -> None:
    # A guarded route answers "who are you" (401) before "what did you send" (422), whichever decorator is outer.
    if guarded:
        await authenticate(request)


def body(model: type[BaseModel]) -> Callable[[Handler], Handler]:
    """Validate the JSON body into ``model`` and pass it as ``body=``; documents it in OpenAPI."""

    def decorator(fn: Handler) -> Handler:
        guarded = is_secured(fn)

        @wraps(fn)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Any:
            await _signed_in_first(request, guarded)
            return await fn(request, *args, body=parse_json(request, model), **kwargs)

        wrapper.__api_body__ = model  # type: ignore[attr-defined]
        # A model whose fields are all optional accepts a request without a body (read as {}): say so.
        required = any(field.is_required() for field in model.model_fields.values())
        return openapi.body({"application/json": model}, required=required)(wrapper)

    return decorator


def query(model: type[BaseModel]) -> Callable[[Handler], Handler]:
    """Validate the query string into ``model`` and pass it as ``query=``."""

    def decorator(fn: Handler) -> Handler:
        guarded = is_secured(fn)

        @wraps(fn)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Any:
            await _signed_in_first(request, guarded)
            return await fn(request, *args, query=parse_query(request, model), **kwargs)

        wrapper.__api_query__ = model  # type: ignore[attr-defined]

        for name, field in model.model_fields.items():
            kind: type = field.annotation if field.annotation in (str, int, bool) else str  # type: ignore[assignment]
            wrapper = openapi.parameter(
                name,
                kind,
                "query",
                required=field.is_required(),
                description=field.description or "",
            )(wrapper)
        return wrapper

    return decorator
