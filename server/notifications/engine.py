"""What the delivery engine's modules share: the batch size, the clock in the database's zone, and the plain rows a
claimed batch is read into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.notifications.templates import SHANGHAI

BATCH = 500  # events dispatched, and deliveries claimed, per step of a drain


def utcnow() -> datetime:
    """Now, in the database's configured zone: SQLite stores and compares datetimes as text, so every value the
    worker writes or filters on must carry the same offset (+08:00) for the comparison to mean time order."""
    return datetime.now(SHANGHAI)


def _db_time(value: datetime | None) -> datetime:
    return value.astimezone(SHANGHAI) if value is not None else utcnow()


@dataclass(frozen=True, slots=True)
class EventRow:
    """An outbox event read as plain values (EVENT_FIELDS), for the fan-out and for a claimed delivery."""

    id: int
    user_id: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime


@dataclass(slots=True)
class Claimed:
    """A leased delivery row with its event, read as plain values: building ORM objects for every row of a batch
    cost more than sending it. ``attempts`` follows the row as the worker changes it."""

    id: int
    event_id: int
    user_id: int
    channel: str
    status: str
    attempts: int
    idempotency_key: str
    event: EventRow


CLAIMED_FIELDS = ("id", "event_id", "user_id", "channel", "status", "attempts", "idempotency_key")
EVENT_FIELDS = ("id", "user_id", "kind", "payload", "created_at")
