"""Exam rules per cycle and province (试卷规则): sections, question counts, pass marks, duration, make-up.

This is the one place a pass mark lives. The office sets it here (directly, or through the assessment's rules
page); a paper copies the rules it was drawn under, shows them to the candidate and is scored by them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from server.common import audit
from server.db import run_atomic
from server.exams.errors import BankInsufficient, DefinitionInvalid, ProvinceOutOfScope
from server.exams.models import ExamDefinition, ExamKind, Question, QuestionType, Section

TITLES = {ExamKind.HUMANITIES: "人文医学测评", ExamKind.PROFESSIONAL: "业务水平测评"}
SECTION_TITLES = {Section.LAW: "法律法规", Section.HUMANITIES: "人文医学", Section.PROFESSIONAL: "专业知识"}
DEFAULT_PASS_MARK = 60.0

DEFAULT_RULES: dict[str, dict[str, Any]] = {
    ExamKind.HUMANITIES: {
        "duration_s": 3600,
        "attempts_allowed": 1,
        "make_up_allowed": True,
        "sections": [
            {
                "section": "humanities",
                "specialty": None,
                "counts": {"single": 35, "multiple": 10, "true_false": 5},
                "pass_mark": DEFAULT_PASS_MARK,
            },
        ],
    },
    ExamKind.PROFESSIONAL: {
        "duration_s": 3600,
        "attempts_allowed": 1,
        "make_up_allowed": True,
        "sections": [
            {
                "section": "law",
                "specialty": None,
                "counts": {"single": 14, "multiple": 4, "true_false": 2},
                "pass_mark": DEFAULT_PASS_MARK,
            },
            {
                "section": "professional",
                "specialty": None,
                "counts": {"single": 56, "multiple": 16, "true_false": 8},
                "pass_mark": DEFAULT_PASS_MARK,
            },
        ],
    },
}
# The section whose pass mark is "the exam's pass mark" where one number is asked for (the assessment's rules page)
MAIN_SECTION = {ExamKind.HUMANITIES: Section.HUMANITIES, ExamKind.PROFESSIONAL: Section.PROFESSIONAL}


@dataclass(frozen=True, slots=True)
class Rules:
    definition_id: int | None
    title: str
    rules: dict[str, Any]  # duration_s, attempts_allowed, make_up_allowed, sections

    def pass_mark(self, section: str) -> float:
        return next(float(s["pass_mark"]) for s in self.rules["sections"] if s["section"] == section)


def check_rules(*, exam_kind: str, sections: list[dict[str, Any]]) -> None:
    """Refuse rules that cannot describe a paper: sections in the right order, counts, pass marks."""
    names = [s["section"] for s in sections]
    if not sections or len(set(names)) != len(names):
        raise DefinitionInvalid("至少一个部分，且部分不能重复", field="sections")
    if exam_kind == ExamKind.HUMANITIES and names != [Section.HUMANITIES]:
        raise DefinitionInvalid("人文医学测评只包含 humanities 部分", field="sections")
    if exam_kind == ExamKind.PROFESSIONAL and names != [Section.LAW, Section.PROFESSIONAL]:
        raise DefinitionInvalid("业务水平测评依次包含 law 和 professional 两部分", field="sections")
    for s in sections:
        if sum(s["counts"].values()) < 1:
            raise DefinitionInvalid("每部分至少1题", field="sections")


async def available_counts(section: str, specialty: str | None) -> dict[str, int]:
    qs = Question.filter(section=section, is_active=True)
    if specialty:
        qs = qs.filter(specialty=specialty)
    counts = {t.value: 0 for t in QuestionType}
    for row in await qs.values_list("type", flat=True):
        counts[str(row)] += 1
    return counts


async def _check_bank(sections: list[dict[str, Any]]) -> None:
    for s in sections:
        available = await available_counts(s["section"], s.get("specialty"))
        short = {t: n for t, n in s["counts"].items() if n > available.get(t, 0)}
        if short:
            raise BankInsufficient(details={"section": s["section"], "wanted": s["counts"], "available": available})


def check_office_scope(*, actor_region: str | None, is_admin: bool, province_code: str) -> None:
    if is_admin:
        return
    if not actor_region or actor_region != province_code:
        raise ProvinceOutOfScope()


async def _store(
    *, actor_id: int, cycle_id: int, province_code: str, exam_kind: str, values: dict[str, Any]
) -> ExamDefinition:
    """Create or replace one definition, in the caller's transaction, with its audit entry."""
    found = (
        await ExamDefinition.filter(cycle_id=cycle_id, province_code=province_code, exam_kind=exam_kind)
        .select_for_update()
        .first()
    )
    if found is None:
        found = await ExamDefinition.create(
            cycle_id=cycle_id, province_code=province_code, exam_kind=exam_kind, **values
        )
    else:
        found.update_from_dict(values)
        await found.save()
    await audit.record(
        action="exam.definition_saved",
        actor_id=actor_id,
        subject_type="exam_definition",
        subject_id=str(found.id),
        details={"cycle_id": cycle_id, "province_code": province_code, "exam_kind": exam_kind},
    )
    return found


async def save_definition(
    *,
    actor_id: int,
    actor_region: str | None,
    is_admin: bool,
    cycle_id: int,
    province_code: str,
    exam_kind: str,
    title: str | None,
    duration_minutes: int,
    sections: list[dict[str, Any]],
    attempts_allowed: int,
    make_up_allowed: bool,
) -> ExamDefinition:
    """Create or replace the rules of one exam in one cycle and province (the office of that province)."""
    check_office_scope(actor_region=actor_region, is_admin=is_admin, province_code=province_code)
    check_rules(exam_kind=exam_kind, sections=sections)
    await _check_bank(sections)
    values: dict[str, Any] = {
        "title": title or TITLES[ExamKind(exam_kind)],
        "duration_s": duration_minutes * 60,
        "sections": sections,
        "attempts_allowed": attempts_allowed,
        "make_up_allowed": make_up_allowed,
        "updated_by": actor_id,
    }
    return await run_atomic(
        _store, actor_id=actor_id, cycle_id=cycle_id, province_code=province_code, exam_kind=exam_kind, values=values
    )


async def list_definitions(
    *, actor_region: str | None, is_admin: bool, cycle_id: int | None = None
) -> list[ExamDefinition]:
    qs = ExamDefinition.all().order_by("cycle_id", "province_code", "exam_kind")
    if not is_admin:
        qs = qs.filter(province_code=actor_region or "-")
    if cycle_id is not None:
        qs = qs.filter(cycle_id=cycle_id)
    return await qs


async def rules_for(exam_kind: str, cycle_id: int | None, province_code: str) -> Rules:
    """The rules a paper of this exam is drawn under now: the office's, else the built-in defaults."""
    if cycle_id is not None:
        found = await ExamDefinition.get_or_none(cycle_id=cycle_id, province_code=province_code, exam_kind=exam_kind)
        if found is not None:
            rules = {
                "duration_s": found.duration_s,
                "attempts_allowed": found.attempts_allowed,
                "make_up_allowed": found.make_up_allowed,
                "sections": found.sections,
            }
            return Rules(found.id, found.title, rules)
    return Rules(None, TITLES[ExamKind(exam_kind)], copy.deepcopy(DEFAULT_RULES[exam_kind]))


@dataclass(frozen=True, slots=True)
class PassMarks:
    professional: float
    humanities: float
    law: float
    professional_set: bool  # whether the office set them (False: the built-in defaults)
    humanities_set: bool


async def pass_marks(*, cycle_id: int, province_code: str) -> PassMarks:
    """The pass marks candidates of this cycle and province are shown and scored by."""
    prof = await rules_for(ExamKind.PROFESSIONAL, cycle_id, province_code)
    hum = await rules_for(ExamKind.HUMANITIES, cycle_id, province_code)
    return PassMarks(
        professional=prof.pass_mark(Section.PROFESSIONAL),
        humanities=hum.pass_mark(Section.HUMANITIES),
        law=prof.pass_mark(Section.LAW),
        professional_set=prof.definition_id is not None,
        humanities_set=hum.definition_id is not None,
    )


async def set_pass_marks(
    *, actor_id: int, cycle_id: int, province_code: str, professional: float, humanities: float
) -> PassMarks:
    """Set the main pass mark of both exams (a definition is created from the defaults where there is none).

    Joins the caller's transaction. Papers already drawn keep the mark they were shown.
    """
    for kind, mark in ((ExamKind.PROFESSIONAL, professional), (ExamKind.HUMANITIES, humanities)):
        current = await rules_for(kind, cycle_id, province_code)
        sections = copy.deepcopy(current.rules["sections"])
        for s in sections:
            if s["section"] == MAIN_SECTION[kind]:
                s["pass_mark"] = float(mark)
        values = {
            "title": current.title,
            "duration_s": current.rules["duration_s"],
            "sections": sections,
            "attempts_allowed": current.rules["attempts_allowed"],
            "make_up_allowed": current.rules["make_up_allowed"],
            "updated_by": actor_id,
        }
        await _store(actor_id=actor_id, cycle_id=cycle_id, province_code=province_code, exam_kind=kind, values=values)
    return await pass_marks(cycle_id=cycle_id, province_code=province_code)
