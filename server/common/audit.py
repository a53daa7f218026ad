"""The security audit trail. Other parts call :func:`record` with exactly this signature."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from server.common.models import AuditEntry

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
