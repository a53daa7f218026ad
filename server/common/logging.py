"""Structured logs: one line per event, key=value by default, JSON with LOG_JSON=true."""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class _Formatter(logging.Formatter):
    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = request_id_var.get()
        if rid:
            fields["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _RESERVED and not key.startswith("_"):
                fields[key] = value
        if record.exc_info:
            fields["exc"] = self.formatException(record.exc_info)
        if self.as_json:
            return json.dumps(fields, ensure_ascii=False, default=str)
        head = f"{fields.pop('ts')} {fields.pop('level'):<7} {fields.pop('logger')}: {fields.pop('msg')}"
        exc = fields.pop("exc", None)
        tail = " ".join(f"{k}={v}" for k, v in fields.items())
        return f"{head} {tail}".rstrip() + (f"\n{exc}" if exc else "")


class _OneLineEvery(logging.Filter):
    """A library's retry warnings during an outage as one line (the error's summary, no traceback), each distinct
    message at most once every ``seconds``: asyncpg's pool logs a full traceback every time it fails to reconnect."""

    def __init__(self, seconds: float = 10.0) -> None:
        super().__init__()
        self.seconds = seconds
        self._last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            record.exc_info = None
            record.exc_text = None
        key = record.getMessage()
        now = record.created
        if now - self._last.get(key, float("-inf")) < self.seconds:
            return False
        self._last[key] = now
        return True


def configure_logging(level: str = "INFO", *, as_json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(as_json))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Sanic's own access log would duplicate ours; its error and root loggers go through our handler.
    for name in ("sanic.access",):
        logging.getLogger(name).disabled = True
    for name in ("sanic.root", "sanic.error", "sanic.server"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    asyncpg_pool = logging.getLogger("asyncpg.pool")
    asyncpg_pool.filters[:] = [_OneLineEvery()]
    for name in ("aiosqlite", "asyncio", "tortoise", "tortoise.db_client", "aliyunsdkcore", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
