"""Retry policy: backoff, when a failed try becomes final (a dead letter), events whose deliveries are all final."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from server.notifications.engine import Claimed, utcnow
from server.notifications.models import FINAL_STATUSES, Delivery, DeliveryStatus, OutboxEvent

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF_BASE_S = 30
BACKOFF_CAP_S = 3600
# 45009 / 45011 (WeChat quota), SMS business limits: the quota comes back in minutes to hours, not seconds
RATE_LIMITED_MIN_S = 600


@dataclass(frozen=True)
class _Outcome:
    status: DeliveryStatus
    code: str | None = None
    reason: str | None = None
    provider_message_id: str | None = None
    retry_after_s: float | None = None  # for FAILED: at least this long


def backoff_s(attempts: int) -> float:
    """Delay before attempt ``attempts + 1``: 30 s, 60 s, 120 s … capped at an hour, with 10 % jitter."""
    delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(attempts - 1, 0))
    return delay * (1 + random.random() / 10)


async def _finish(delivery: Claimed, token: str, outcome: _Outcome, now: datetime) -> None:
    values: dict[str, Any] = {"lease_owner": None, "leased_until": None}
    status = outcome.status
    reason = outcome.reason
    if status == DeliveryStatus.FAILED:
        if delivery.attempts >= MAX_ATTEMPTS:
            status = DeliveryStatus.DEAD
            reason = f"已尝试 {delivery.attempts} 次仍失败：{reason}"
        else:
            delay = max(backoff_s(delivery.attempts), outcome.retry_after_s or 0)
            values["next_attempt_at"] = utcnow() + timedelta(seconds=delay)
    values["status"] = status
    if status == DeliveryStatus.SENT:
        values["sent_at"] = utcnow()
        values["provider_message_id"] = (outcome.provider_message_id or "")[:128] or None
    else:
        values["error_code"] = (outcome.code or "")[:64] or None
        values["last_error"] = (reason or "")[:500] or None
    if status == DeliveryStatus.DEAD:
        values["dead_at"] = utcnow()
        log.warning("delivery %s dead-lettered: %s", delivery.id, reason)
    await Delivery.filter(id=delivery.id, lease_owner=token).update(**values)


async def _finish_sent(answered: list[tuple[Claimed, _Outcome]], token: str) -> None:
    """Record many sent rows in two statements, only those still leased to ``token``: what ``_finish`` does for a
    sent row, without building an UPDATE per row (that cost more than the provider call it records).

    Each row's provider message id goes first, as one prepared statement run for every row (executemany); then one
    UPDATE marks them all sent and frees their lease."""
    if not answered:
        return
    conn = Delivery._choose_db(for_write=True)
    mark = "?" if conn.capabilities.dialect == "sqlite" else "${}"
    n = iter(range(1, 4))
    table = Delivery._meta.db_table
    sql = (
        f'UPDATE "{table}" SET "provider_message_id"={mark.format(next(n))} '
        f'WHERE "id"={mark.format(next(n))} AND "lease_owner"={mark.format(next(n))}'
    )
    await conn.execute_many(sql, [[(o.provider_message_id or "")[:128] or None, d.id, token] for d, o in answered])
    await Delivery.filter(id__in=[d.id for d, _ in answered], lease_owner=token).update(
        status=DeliveryStatus.SENT, sent_at=utcnow(), lease_owner=None, leased_until=None
    )


async def _complete_events(event_ids: set[int]) -> None:
    """Stamp ``delivered_at`` on those of ``event_ids`` whose deliveries are all final."""
    if not event_ids:
        return
    still_open = set(
        await Delivery.filter(event_id__in=event_ids)
        .exclude(status__in=FINAL_STATUSES)
        .values_list("event_id", flat=True)
    )
    done = event_ids - still_open
    if done:
        await OutboxEvent.filter(id__in=done, delivered_at=None).update(delivered_at=utcnow())
