"""emit(): queue a message for a user inside the caller's current transaction."""

from __future__ import annotations

from typing import Any

from server.common.models import OutboxEvent


async def emit(*, kind: str, user_id: int, payload: dict[str, Any], dedupe_key: str | None = None) -> bool:
    """Insert one outbox row in the current transaction; a repeated ``dedupe_key`` is ignored (False).

    Call it from inside ``run_atomic`` so that the message exists exactly when the change it reports commits.
    """
    if dedupe_key is not None and await OutboxEvent.filter(dedupe_key=dedupe_key).exists():
        return False
    await OutboxEvent.create(kind=kind, user_id=user_id, payload=payload, dedupe_key=dedupe_key)
    return True
