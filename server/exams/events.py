"""Events the exams part publishes, inside the transaction that scores or voids an attempt."""

from __future__ import annotations

from dataclasses import dataclass, field

from server.common.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptScored(Event):
    """An attempt was scored (submitted, at its deadline, or ended by the law-section gate)."""

    attempt_ref: str
    user_id: int
    assessment_id: int | None
    cycle_id: int | None
    exam_kind: str
    score: float
    passed: bool  # every section at or above the pass mark the candidate was shown
    is_make_up: bool
    specialty: str | None = None
    section_scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptInvalidated(Event):
    """The office voided an attempt (成绩作废): its score no longer counts; it stays a failed sitting."""

    attempt_ref: str
    user_id: int
    assessment_id: int | None
    exam_kind: str
    is_make_up: bool
    reason: str
    decided_by: int
