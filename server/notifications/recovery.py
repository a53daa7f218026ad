"""Crash recovery: an in-flight row whose worker died mid-call is dead-lettered as OUTCOME_UNKNOWN, not resent."""

from __future__ import annotations

import logging
from datetime import datetime

from server.notifications.engine import _db_time
from server.notifications.models import Delivery, DeliveryStatus
from server.notifications.retry import _complete_events

log = logging.getLogger(__name__)

OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN"
OUTCOME_UNKNOWN_REASON = (
    "投递进程在调用服务商之后、记录结果之前中断，无法确认对方是否已收到；为避免重复发送未自动重试，请核实后手动重试"
)


async def recover_stale(*, now: datetime | None = None) -> int:
    """Dead-letter in-flight rows whose worker died mid-call (see the docstring of ``drain``); returns how many."""
    now = _db_time(now)
    stale = list(
        await Delivery.filter(status=DeliveryStatus.IN_FLIGHT, leased_until__lt=now).values_list("id", "event_id")
    )
    if not stale:
        return 0
    changed = await Delivery.filter(
        id__in=[i for i, _ in stale], status=DeliveryStatus.IN_FLIGHT, leased_until__lt=now
    ).update(
        status=DeliveryStatus.DEAD,
        error_code=OUTCOME_UNKNOWN,
        last_error=OUTCOME_UNKNOWN_REASON,
        dead_at=now,
        lease_owner=None,
        leased_until=None,
    )
    await _complete_events({e for _, e in stale})
    log.warning("recovered %s in-flight deliveries of dead workers as %s", changed, OUTCOME_UNKNOWN)
    return changed
