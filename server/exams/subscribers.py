"""What the exams part does when the parts below it report something."""

from __future__ import annotations

from server.common.events import Subscriptions
from server.exams import attempts
from server.proctoring import api as proctoring_api


async def void_invalidated_attempt(event: proctoring_api.FlagInvalidated) -> None:
    """The office ruled a proctoring flag invalid: the attempt's score no longer counts."""
    await attempts.invalidate_attempt(
        attempt_ref=event.attempt_ref, reason=event.reason, decided_by=event.decided_by, flag_id=event.flag_id
    )


SUBSCRIPTIONS: Subscriptions = {proctoring_api.FlagInvalidated: [void_invalidated_attempt]}
