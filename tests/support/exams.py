"""Exam test helpers: a small bank with known answers, the candidacy a test decides, answer keys of a paper, and the
world of the exam tests (tests/exams/conftest.py's ``world``)."""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from server.accounts.models import User
from server.exams.api import Eligibility, ExamNotAvailable
from server.exams.events import AttemptScored
from server.exams.models import AttemptQuestion, ExamDefinition, Question
from tests.support import factories as f

_seq = itertools.count(1)

# Small papers keep the tests fast: professional = 3 law + 4 professional, humanities = 4.
SMALL_RULES = {
    "professional": [
        {"section": "law", "specialty": None, "counts": {"single": 2, "true_false": 1}, "pass_mark": 60.0},
        {"section": "professional", "specialty": None, "counts": {"single": 2, "multiple": 2}, "pass_mark": 50.0},
    ],
    "humanities": [
        {
            "section": "humanities",
            "specialty": None,
            "counts": {"single": 2, "multiple": 1, "true_false": 1},
            "pass_mark": 60.0,
        },
    ],
}


async def question(section: str, qtype: str = "single", *, specialty: str | None = None) -> Question:
    n = next(_seq)
    if qtype == "true_false":
        options, answer = ["正确", "错误"], [0]
    elif qtype == "multiple":
        options, answer = [f"选项{i}" for i in range(4)], [0, 2]
    else:
        options, answer = [f"选项{i}" for i in range(4)], [1]
    return await Question.create(
        ref=f"t-{section}-{n}",
        section=section,
        specialty=specialty,
        type=qtype,
        stem=f"测试题干{n}",
        options=options,
        answer=answer,
        explanation=f"解析{n}",
        difficulty=1,
    )


async def small_bank(per_type: int = 4, specialty: str = "internal_medicine") -> None:
    """``per_type`` questions of each type in each section; the professional ones of one specialty (内科专业's)."""
    for section in ("law", "humanities", "professional"):
        for qtype in ("single", "multiple", "true_false"):
            for _ in range(per_type):
                await question(section, qtype, specialty=specialty if section == "professional" else None)


async def small_definitions(cycle_id: int = 1, province_code: str = "110000", **extra: Any) -> None:
    for kind, sections in SMALL_RULES.items():
        await ExamDefinition.create(
            cycle_id=cycle_id,
            province_code=province_code,
            exam_kind=kind,
            title="测试" + kind,
            duration_s=3600,
            sections=sections,
            **extra,
        )


@dataclass
class Candidacy:
    """What the assessment would decide for a candidate, steered by the test (the exams part takes it as given)."""

    eligible: bool = True
    is_make_up: bool = False
    cycle_id: int = 1
    province_code: str = "110000"
    window_closes_at: datetime | None = None
    specialty: str | None = "internal_medicine"  # the pool small_bank() fills (内科专业's exam specialty)
    practice_scope: str | None = "内科专业"
    capture_required: bool = False  # True: a real accepted proctoring capture must be claimed
    results: list[dict[str, Any]] = field(default_factory=list)  # every AttemptScored seen, as a dict

    def eligibility(self, user_id: int) -> Eligibility:
        if not self.eligible:
            raise ExamNotAvailable("考试窗口未开放")
        return Eligibility(
            assessment_id=100 + user_id,
            cycle_id=self.cycle_id,
            province_code=self.province_code,
            region_code="110105",
            institution_id=None,
            is_make_up=self.is_make_up,
            window_closes_at=self.window_closes_at,
            specialty=self.specialty,
            practice_scope=self.practice_scope,
            capture_required=self.capture_required,
        )

    async def record(self, event: AttemptScored) -> None:
        self.results.append(asdict(event))


# The candidacy the test app's start route (tests/support/routes.py) hands to the exams part
CURRENT: list[Candidacy] = []


@dataclass
class ExamWorld:
    hooks: Candidacy
    physician: User
    headers: dict[str, str]
    other: User
    other_headers: dict[str, str]


async def world() -> ExamWorld:
    """A small bank and rules, two physicians with headers, and a fresh candidacy made the current one."""
    await small_bank()
    await small_definitions()
    hooks = Candidacy()
    physician = await f.physician()
    other = await f.physician()
    CURRENT[:] = [hooks]
    return ExamWorld(
        hooks=hooks,
        physician=physician,
        headers=await f.auth_headers(physician),
        other=other,
        other_headers=await f.auth_headers(other),
    )


async def answer_key(attempt_ref: str) -> dict[str, dict[str, Any]]:
    """question_ref -> {section, type, right: [option ids], wrong: [option ids]} read from the database."""
    rows = await AttemptQuestion.filter(attempt__ref=attempt_ref).prefetch_related("question")
    key = {}
    for r in rows:
        right = [o["id"] for o in r.options if o["index"] in r.question.answer]
        wrong = [o["id"] for o in r.options if o["index"] not in r.question.answer][:1]
        key[r.ref] = {"section": r.section, "type": str(r.question.type), "right": right, "wrong": wrong}
    return key


THREE_SPECIALTIES = ("internal_medicine", "pediatrics", "surgery")


async def three_specialty_bank(per_type: int = 4, *, short: str | None = None) -> None:
    """small_bank()'s law and humanities, and ``per_type`` professional questions of each type for each of the three
    demo specialties (``short``: that specialty gets one single-choice question only)."""
    await small_bank(per_type)  # internal medicine's professional pool is small_bank's own
    for specialty in THREE_SPECIALTIES[1:]:
        if specialty == short:
            await question("professional", "single", specialty=specialty)
            continue
        for qtype in ("single", "multiple", "true_false"):
            for _ in range(per_type):
                await question("professional", qtype, specialty=specialty)


async def paper_specialties(attempt_ref: str, section: str = "professional") -> set[str | None]:
    """The specialties of the bank questions one section of a paper was drawn from."""
    rows = await AttemptQuestion.filter(attempt__ref=attempt_ref, section=section).values_list(
        "question__specialty", flat=True
    )
    return {str(s) if s is not None else None for s in rows}
