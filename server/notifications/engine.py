"""What the delivery engine's modules share: the batch size and the clock, in the database's zone."""

from __future__ import annotations

from datetime import datetime

from server.notifications.templates import SHANGHAI

BATCH = 200


def utcnow() -> datetime:
    """Now, in the database's configured zone: SQLite stores and compares datetimes as text, so every value the
    worker writes or filters on must carry the same offset (+08:00) for the comparison to mean time order."""
    return datetime.now(SHANGHAI)


def _db_time(value: datetime | None) -> datetime:
    return value.astimezone(SHANGHAI) if value is not None else utcnow()
