"""Scoring an attempt, and voiding one the office invalidated.

An attempt passes when every section reaches the pass mark it was drawn under (the one the candidate was shown).
Both happen inside a transaction the caller holds, and tell the parts above through an event in that transaction.
"""

from __future__ import annotations

import orjson

from server.common import audit, events
from server.common.outbox import emit
from server.exams.events import AttemptInvalidated, AttemptScored
from server.exams.models import Answer, Attempt, AttemptQuestion, AttemptStatus, EndReason

SCORED_NOTICE = "exam.scored"
INVALIDATED_NOTICE = "exam.invalidated"


def _is_correct(chosen: list[str], options: list[dict[str, object]], answer: list[int]) -> bool:
    by_id = {o["id"]: o["index"] for o in options}
    picked = sorted(by_id[c] for c in chosen if c in by_id)  # type: ignore[type-var]
    return bool(picked) and picked == sorted(answer)


async def section_scores(attempt: Attempt, only: str | None = None) -> dict[str, float]:
    """Per section: the share of questions answered right, 0–100 with one decimal."""
    rows = await AttemptQuestion.filter(attempt_id=attempt.id).prefetch_related("question")
    answers = {a.question_ref: orjson.loads(a.option_ids) for a in await Answer.filter(attempt_id=attempt.id)}
    totals: dict[str, int] = {}
    right: dict[str, int] = {}
    for r in rows:
        if only and r.section != only:
            continue
        totals[r.section] = totals.get(r.section, 0) + 1
        if _is_correct(answers.get(r.ref, []), r.options, r.question.answer):
            right[r.section] = right.get(r.section, 0) + 1
    return {s: round(100.0 * right.get(s, 0) / n, 1) for s, n in totals.items()}


async def score(attempt: Attempt, reason: str) -> Attempt:
    """Score a closed attempt (caller's transaction), tell the parts above and the candidate."""
    scores = await section_scores(attempt)
    counts: dict[str, int] = {}
    for section in await AttemptQuestion.filter(attempt_id=attempt.id).values_list("section", flat=True):
        counts[str(section)] = counts.get(str(section), 0) + 1
    total = sum(counts.values())
    # the overall score weighs every question alike
    overall = round(sum(scores.get(s, 0.0) * n for s, n in counts.items()) / max(total, 1), 1)
    passed = reason != EndReason.LAW_GATE and all(
        scores.get(s["section"], 0.0) >= float(s["pass_mark"]) for s in attempt.rules["sections"]
    )
    attempt.section_scores = {**attempt.section_scores, **scores}
    attempt.score = overall
    attempt.passed = passed
    await Attempt.filter(id=attempt.id).update(section_scores=attempt.section_scores, score=overall, passed=passed)
    await events.publish(
        AttemptScored(
            attempt_ref=attempt.ref,
            user_id=attempt.user_id,
            assessment_id=attempt.assessment_id,
            cycle_id=attempt.cycle_id,
            exam_kind=str(attempt.exam_kind),
            score=overall,
            passed=passed,
            is_make_up=attempt.is_make_up,
            specialty=attempt.specialty,
            section_scores=dict(attempt.section_scores),
        )
    )
    await emit(
        kind=SCORED_NOTICE,
        user_id=attempt.user_id,
        payload={
            "exam_kind": str(attempt.exam_kind),
            "score": overall,
            "passed": passed,
            "attempt_ref": attempt.ref,
            "is_make_up": attempt.is_make_up,  # a failed make-up must not be told of another make-up
        },
        dedupe_key=f"{SCORED_NOTICE}:{attempt.ref}",
    )
    await audit.record(
        action="exam.attempt_scored",
        actor_id=None if reason == EndReason.DEADLINE else attempt.user_id,
        subject_type="exam_attempt",
        subject_id=attempt.ref,
        details={"reason": reason, "score": overall, "passed": passed},
    )
    return attempt


async def invalidate(attempt: Attempt, *, reason: str, decided_by: int, flag_id: int | None) -> bool:
    """Void a scored attempt (caller's transaction): no score, not passed; the parts above recount. Idempotent."""
    changed = await Attempt.filter(id=attempt.id, status=AttemptStatus.SCORED).update(
        status=AttemptStatus.INVALIDATED, score=None, passed=False, invalidation_reason=reason[:200]
    )
    if not changed:
        return False
    await events.publish(
        AttemptInvalidated(
            attempt_ref=attempt.ref,
            user_id=attempt.user_id,
            assessment_id=attempt.assessment_id,
            exam_kind=str(attempt.exam_kind),
            is_make_up=attempt.is_make_up,
            reason=reason,
            decided_by=decided_by,
        )
    )
    await emit(
        kind=INVALIDATED_NOTICE,
        user_id=attempt.user_id,
        payload={
            "exam_kind": str(attempt.exam_kind),
            "title": attempt.title,
            "attempt_ref": attempt.ref,
            "reason": reason,
            "is_make_up": attempt.is_make_up,
        },
        dedupe_key=f"{INVALIDATED_NOTICE}:{attempt.ref}",
    )
    await audit.record(
        action="exam.attempt_invalidated",
        actor_id=decided_by,
        subject_type="exam_attempt",
        subject_id=attempt.ref,
        details={"reason": reason, "flag_id": flag_id, "previous_score": attempt.score},
    )
    return True
