"""Practice: untimed, the right answer shown at once, never scored nor stored.

Practice draws only from its own pool (section ``practice``), kept apart from the exam pools: whatever practice
reveals can never be on a paper (an outside client could otherwise collect every answer of the law section).
"""

from __future__ import annotations

import random
from typing import Any

from server.exams.errors import OptionInvalid, QuestionNotFound
from server.exams.models import Question, Section


async def practice_questions(*, limit: int) -> list[Question]:
    ids = await Question.filter(section=Section.PRACTICE, is_active=True).values_list("id", flat=True)
    chosen = random.SystemRandom().sample(list(ids), min(limit, len(ids)))
    found = {q.id: q for q in await Question.filter(id__in=chosen)}
    return [found[i] for i in chosen if i in found]


def practice_option_id(index: int) -> str:
    return "abcdef"[index]


async def check_practice(*, question_ref: str, option_ids: list[str]) -> dict[str, Any]:
    q = await Question.get_or_none(ref=question_ref, section=Section.PRACTICE, is_active=True)
    if q is None:
        raise QuestionNotFound()
    valid = {practice_option_id(i) for i in range(len(q.options))}
    if not option_ids or len(set(option_ids)) != len(option_ids) or not valid.issuperset(option_ids):
        raise OptionInvalid(field="option_ids")
    right = sorted(practice_option_id(i) for i in q.answer)
    return {
        "question_ref": q.ref,
        "correct": sorted(option_ids) == right,
        "correct_option_ids": right,
        "explanation": q.explanation,
    }
