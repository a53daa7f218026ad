"""Events the review engine publishes, inside the transaction of the change they report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from server.common.events import Event

Decision = Literal["approved", "rejected", "returned"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewEvent(Event):
    item_id: int
    kind: str
    subject_type: str
    subject_id: str
    applicant_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewDecided(ReviewEvent):
    """The last step approved the item, or a step rejected or returned it. The owner of the kind must apply it:
    a subscriber that finds its subject no longer in the state to take the decision raises, and the decision is
    undone with it."""

    decision: Decision
    step: int
    actor_id: int
    reason: str | None
    payload: dict[str, Any] = field(default_factory=dict)
    comment: str | None = None  # the deciding reviewer's remark (an approval's only words)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewWithdrawn(ReviewEvent):
    """The applicant took the item back before anyone decided."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewResubmitted(ReviewEvent):
    """A returned item went back to its first step with a corrected payload."""

    payload: dict[str, Any] = field(default_factory=dict)
