"""The one way a route answers: a JSON body from its ``…Out`` schema, or a file download.

    return out(AttemptOut(**view))                     # 200, the schema's JSON (UTF-8, no ASCII escapes)
    return out(CaptureOut.of(result), status=201)
    return file_out(pdf, content_type=PDF, filename="申请表.pdf", inline=True)

``json_content(Model)`` is what ``@openapi.response`` is given, and ``binary_content(media type)`` a download's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, Field
from sanic.response import HTTPResponse, json, raw

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JPEG = "image/jpeg"
PNG = "image/png"
CSV = "text/csv; charset=utf-8"
JSON_FILE = "application/json"


class OkOut(BaseModel):
    """The answer of an action with nothing else to say."""

    ok: bool = Field(default=True, description="恒为 true")


def out(model: BaseModel, status: int = 200, *, headers: dict[str, str] | None = None) -> HTTPResponse:
    """The schema instance as the JSON body: what the OpenAPI document promises, field for field."""
    return json(model.model_dump(mode="json"), status=status, headers=headers, ensure_ascii=False)


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
