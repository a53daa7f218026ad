"""The one way a route answers: a JSON body from its ``…Out`` schema, or a file download.

    return out(AttemptOut(**view))                     # 200, the schema's JSON (UTF-8, no ASCII escapes)
    return out(CaptureOut.of(result), status=201)
    return file_out(pdf, content_type=PDF, filename="申请表.pdf", inline=True)

``json_content(Model)`` is what ``@openapi.response`` is given, and ``binary_content(media type)`` a download's.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import orjson
from pydantic import BaseModel, Field
from sanic.response import HTTPResponse, json, raw

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JPEG = "image/jpeg"
PNG = "image/png"
CSV = "text/csv; charset=utf-8"
JSON_FILE = "application/json"


WIRE_TZ = ZoneInfo("Asia/Shanghai")
WIRE_OFFSET = "+08:00"
# A time with an offset (``Z`` or ``±hh:mm``) as pydantic and ``isoformat()`` write it
_AWARE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")


# China has kept +08:00 all year since 1992 (summer time ended in 1991): from then on a fixed offset gives the same
# text as the zone, without the zone's lookups (two times in every answer save)
_FIXED_SINCE = datetime(1992, 1, 1, tzinfo=UTC)
_FIXED_TZ = timezone(timedelta(hours=8))


def wire_time(value: datetime) -> str:
    """The one time format on the wire: ISO 8601 in Asia/Shanghai, ``2026-11-24T08:00:00+08:00``.

    A naive value is UTC (what the database and ``datetime.now(UTC)`` mean everywhere in the server).
    """
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(_FIXED_TZ if aware >= _FIXED_SINCE else WIRE_TZ).isoformat()


def wire_times(value: Any) -> Any:
    """Every time in a JSON-ready value rewritten to +08:00, wherever it sits and however it was typed.

    Services hand times over as ``datetime`` fields or as ``isoformat()`` strings of UTC values (stored JSON,
    cached attempt state, error details): converting here, once, for every answer keeps one format without each
    schema and service having to remember it.

    Every answer passes through here, a resumed exam paper with a thousand strings in it: the plain JSON types are
    told apart by ``type() is`` first (a quarter of the cost of a chain of ``isinstance``), subclasses fall through
    to the general rules.
    """
    kind = type(value)
    if kind is dict:
        return {k: wire_times(v) for k, v in value.items()}
    if kind is list:
        return [wire_times(v) for v in value]
    if kind is str:
        return _wire_text(value)
    if value is None or kind is int or kind is bool or kind is float:
        return value
    if isinstance(value, str):
        return _wire_text(value)
    if isinstance(value, datetime):
        return wire_time(value)
    if isinstance(value, dict):
        return {k: wire_times(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire_times(v) for v in value]
    return value


def _wire_text(value: str) -> str:
    # The shortest time text is 20 characters (``2026-11-24T00:00:00Z``), always with its ``T`` at index 10
    if len(value) < 20 or value[10] != "T" or value.endswith(WIRE_OFFSET) or not _AWARE_TIME.match(value):
        return value
    return wire_time(datetime.fromisoformat(value.replace("Z", "+00:00")))


class OkOut(BaseModel):
    """The answer of an action with nothing else to say."""

    ok: bool = Field(default=True, description="恒为 true")


def out(model: BaseModel, status: int = 200, *, headers: dict[str, str] | None = None) -> HTTPResponse:
    """The schema instance as the JSON body: what the OpenAPI document promises, field for field."""
    return json(wire_times(model.model_dump(mode="json")), status=status, headers=headers, dumps=json_bytes)


def json_bytes(value: Any) -> bytes:
    """Every JSON body the API answers (``out`` and the error body): UTF-8 with no ASCII escapes, compact; orjson,
    several times faster than the json module."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def ok() -> HTTPResponse:
    return out(OkOut())


def json_content(model: type[BaseModel]) -> dict[str, Any]:
    """``@openapi.response(200, json_content(ThingOut))``."""
    return {"application/json": model}


def binary_content(*media_types: str) -> dict[str, Any]:
    """``@openapi.response(200, binary_content(PDF))``: a download of one of these media types."""
    return {m.split(";")[0]: {"schema": {"type": "string", "format": "binary"}} for m in media_types}


def file_out(
    data: bytes,
    *,
    content_type: str,
    filename: str,
    inline: bool = False,
    cache_control: str = "private, no-store",
) -> HTTPResponse:
    """A file: the browser or WeChat shows it (``inline``) or saves it under ``filename`` (UTF-8 names too)."""
    disposition = "inline" if inline else "attachment"
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "") or "file"
    return raw(
        data,
        content_type=content_type,
        headers={
            "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": cache_control,
            "X-Content-Type-Options": "nosniff",
        },
    )
