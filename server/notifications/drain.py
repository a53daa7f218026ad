"""The delivery engine the worker runs: dispatch events into deliveries, claim due deliveries, send, record.

Why it works without a job per event: ``emit`` has no hook after its caller's commit, so the worker polls. Every
second a cron job (``tasks.drain_notifications``) runs :func:`drain` until nothing is due.

1. **Dispatch** (:func:`fanout.dispatch_events`): events without ``dispatched_at`` get one Delivery per channel the kind
   uses and the user wants; the inbox message is written in the same transaction and its delivery is ``sent`` at
   once. Delivery and InboxMessage have unique keys (event id and channel, event id), so two workers dispatching
   the same event cannot create a second message: the loser's rows are ignored.
2. **Claim** (:func:`delivery.deliver_due`): due ``pending`` / ``failed`` deliveries whose lease is free are leased
   with a conditional UPDATE (``lease_owner`` = a fresh token, ``leased_until`` = now + LEASE) whose WHERE re-checks
   the lease; PostgreSQL re-evaluates it after a competing worker's row lock, SQLite has one writer at a time. Only
   rows carrying our token are ours. A worker that dies while holding a lease, before calling a provider, leaves the
   row claimable again when the lease runs out.
3. **Send**: the row is switched to ``in_flight`` (attempts + 1; for WeChat the user's remaining subscription is
   decremented in the same transaction) and committed *before* the provider is called, in a thread. The answer is
   recorded as ``sent`` (with the provider's message id), ``skipped`` (nothing to send to, 43101), ``failed`` (retry
   at ``next_attempt_at``, exponential backoff with a cap) or ``dead`` (configuration error, or the last try).
4. **Recovery** (:func:`recovery.recover_stale`): an ``in_flight`` row whose lease ran out belongs to a worker that died
   between calling the provider and recording the answer. Neither Aliyun SMS, Aliyun push nor WeChat subscribe
   messages can be asked "did you accept this?" idempotently (SMS OutId is only echoed in receipts), so resending
   could text the user twice. The row is dead-lettered with ``OUTCOME_UNKNOWN``: at most once per provider, and an
   administrator sees it and may retry it deliberately. The inbox copy never depends on this.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from server.notifications.delivery import deliver_due
from server.notifications.fanout import dispatch_events
from server.notifications.recovery import recover_stale


@dataclass(frozen=True)
class DrainStats:
    dispatched: int = 0
    delivered: int = 0
    recovered: int = 0


async def drain(*, max_seconds: float = 50.0, now: datetime | None = None) -> DrainStats:
    """Recover, dispatch and deliver until nothing is due (or ``max_seconds`` passed)."""
    started = time.monotonic()
    recovered = await recover_stale(now=now)
    dispatched = delivered = 0
    while time.monotonic() - started < max_seconds:
        d1 = await dispatch_events(now=now)
        d2 = await deliver_due(now=now)
        dispatched += d1
        delivered += d2
        if d1 == 0 and d2 == 0:
            break
    return DrainStats(dispatched=dispatched, delivered=delivered, recovered=recovered)
