"""The security audit trail. Other parts call :func:`record` with exactly this signature."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from server.common.models import AuditEntry
from server.common.scope import region_q
from server.redis import get_redis

log = logging.getLogger(__name__)


async def record(
    *,
    action: str,
    actor_id: int | None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Write one audit entry (inside the caller's transaction when there is one)."""
    await AuditEntry.create(
        action=action,
        actor_id=actor_id,
        subject_type=subject_type,
        subject_id=subject_id,
        ip=(ip or None) and ip[:64],
        details=details,
    )


# ---------------------------------------------------------------- refused access, aggregated
#
# Every request a signed-in person makes that is refused (403) or answered "not found" for an object named in its
# path (404: another person's object, or one out of the caller's scope, looks absent on purpose) is audited. A scan
# makes thousands of them, so they are counted in Redis per principal, route and hour, and the log holds one row
# per (principal, route, hour) whose ``details.count`` says how many; the row is written at the first refusal and
# its count brought up to date at each further one.

REFUSAL_ACTION = "access.refused"
REFUSAL_WINDOW_S = 3600
_REFUSAL_KEY = "audit:refused:{actor}:{route}:{window}"
_REFUSAL_CATCH_UP = 8  # rewrites at most per refusal while the count grows under it (a scan of thousands a second)

# KEYS[1]: the window's counter. ARGV: window seconds. Answers {count, row id or false}.
_REFUSAL_SCRIPT = """
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('HGET', KEYS[1], 'id')}
"""


async def record_refusal(
    *,
    actor_id: int,
    method: str,
    route: str,
    status: int,
    code: str,
    params: dict[str, Any],
    ip: str | None,
    region_of: Callable[[], Awaitable[str | None]],
) -> None:
    """Count one refused access of ``actor_id`` to ``method route``; one audit row per principal, route and hour.

    The row's subject is the region the actor belongs to (``region_of``, asked once per row), so an assessment
    office finds the refusals of the people in its region (:func:`list_refusals`).
    """
    target = f"{method} {route}"
    window = int(time.time()) // REFUSAL_WINDOW_S
    key = _REFUSAL_KEY.format(actor=actor_id, route=target, window=window)
    redis = get_redis()
    count, row_id = await redis.eval(_REFUSAL_SCRIPT, 1, key, str(REFUSAL_WINDOW_S))  # type: ignore[misc]
    count = int(count)
    details = {
        "route": target,
        "status": status,
        "code": code,
        "params": {k: str(v)[:64] for k, v in params.items()},
        "count": count,
        "window_s": REFUSAL_WINDOW_S,
    }
    if count == 1:
        region = await region_of()
        entry = await AuditEntry.create(
            action=REFUSAL_ACTION,
            actor_id=actor_id,
            subject_type="region" if region else None,
            subject_id=region,
            ip=(ip or None) and ip[:64],
            details=details,
        )
        await redis.hset(key, "id", entry.id)  # type: ignore[misc]
        row_id = entry.id
    elif row_id:
        await _write_count(int(row_id), details)
    else:  # a refusal racing the window's first finds no row yet; the first brings the count up to date
        return
    # Concurrent refusals' updates may commit out of order, and those racing the first wrote nothing: after its own
    # write each one re-reads the counter and writes again while it has grown. The last write to commit is then the
    # latest count (any increment after its re-read would have a writer whose update commits later still).
    for _ in range(_REFUSAL_CATCH_UP):
        latest = int(await redis.hget(key, "n") or 0)  # type: ignore[misc]
        if latest <= count:
            return
        count = details["count"] = latest
        await _write_count(int(row_id), details)


async def _write_count(row_id: int, details: dict[str, Any]) -> None:
    await AuditEntry.filter(id=row_id).update(details=details)


async def list_refusals(
    *, region_code: str | None, before_id: int | None = None, limit: int = 50
) -> tuple[list[AuditEntry], int | None]:
    """Refused-access rows, newest first; of the actors in ``region_code`` and below (None: everyone's)."""
    qs = AuditEntry.filter(action=REFUSAL_ACTION)
    if region_code is not None:
        qs = qs.filter(subject_type="region").filter(region_q(region_code, field="subject_id"))
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    rows = await qs.order_by("-id").limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


async def list_entries(
    *,
    action: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> tuple[list[AuditEntry], int | None]:
    """Newest first; the cursor is the id to continue below."""
    qs = AuditEntry.all()
    if action:
        qs = qs.filter(action=action)
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    rows = await qs.order_by("-id").limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)
