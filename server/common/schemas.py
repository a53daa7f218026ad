"""Base request shapes every part's ``schemas.py`` builds on."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


class StrictIn(BaseModel):
    """A request body or query: unknown fields are refused, text is trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _iso_date(value: Any) -> Any:
    # pydantic would read a number (``0``, ``"0"``) as a Unix time; the contract says YYYY-MM-DD only.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("日期格式应为 YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
RegionCode = Annotated[
    str, Field(pattern=r"^\d{6}$", description="GB/T 2260 行政区划代码（6 位）", examples=["110101"])
]


class CursorQuery(StrictIn):
    cursor: int | None = Field(default=None, ge=0, le=2**62, description="上一页返回的 next_cursor；第一页不传")
    limit: int = Field(default=20, ge=1, le=50, description="每页条数")


class AcceptedOut(BaseModel):
    """The answer to a request whose outcome a person must not be able to read (no account enumeration)."""

    accepted: bool = True
    message: str = "如该手机号符合条件，验证码将很快送达"
