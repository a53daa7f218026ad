"""Replaceable hooks other parts may point at their own code (the lead wires them at start-up).

``on_attempt_invalidated`` runs inside the transaction in which the assessment office invalidates an attempt
(decision ``invalidated`` on one of its flags), so whatever the exams part does there commits or rolls back with it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable


async def _invalidated_noop(*, user_id: int, attempt_ref: str, flag_id: int, reason: str) -> None:
    """Default: the decision is recorded on the flag only."""


on_attempt_invalidated: Callable[..., Awaitable[None]] = _invalidated_noop
