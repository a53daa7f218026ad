"""The request and reply shapes the emulator handlers share, so they never touch the socket."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    content_type: str

    def json(self) -> Any:
        """The body parsed as JSON; raises ValueError when it is not."""
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        if self.body and self.content_type.startswith("application/x-www-form-urlencoded"):
            return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))
        return {}


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"


def json_reply(obj: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(obj, ensure_ascii=False).encode("utf-8"))


def html_reply(text: str, status: int = 200) -> Reply:
    return Reply(status, text.encode("utf-8"), "text/html; charset=utf-8")


def wechat_rid() -> str:
    """The "rid" WeChat appends to every errmsg, e.g. ``rid: 66695e1c-2387d9e9-6ccb22ba``."""
    return "-".join(secrets.token_hex(4) for _ in range(3))


def aliyun_request_id() -> str:
    return str(uuid.uuid4()).upper()
