"""Events the proctoring part publishes."""

from __future__ import annotations

from dataclasses import dataclass

from server.common.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class FlagInvalidated(Event):
    """The office ruled a flag "invalidated": the attempt it concerns must not count (成绩作废)."""

    flag_id: int
    attempt_ref: str
    user_id: int
    reason: str
    decided_by: int
