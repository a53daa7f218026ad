"""Exam rules per cycle and province (试卷规则): sections, question counts, pass marks, duration, make-up.

This is the one place a pass mark lives. The office sets it here (directly, or through the assessment's rules
page); a paper copies the rules it was drawn under, shows them to the candidate and is scored by them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from server.common import audit
from server.db import run_atomic
from server.directory import api as directory_api
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

    def pass_mark(self, section: str, specialty: str | None = None) -> float:
        found = next(s for s in self.rules["sections"] if s["section"] == section)
        return float(resolve_section(found, specialty)["pass_mark"])

    def for_specialty(self, specialty: str | None) -> dict[str, Any]:
        """The rules a paper of this specialty is drawn and scored under (what an attempt copies)."""
        rules = copy.deepcopy(self.rules)
        rules["sections"] = [resolve_section(s, specialty) for s in rules["sections"]]
        return rules


def resolve_section(section: dict[str, Any], specialty: str | None) -> dict[str, Any]:
    """One section's rule for a candidate: the professional section follows their specialty.

    The office may set counts and a pass mark per specialty (``by_specialty``); what it leaves unset falls back to
    the section's own. The result names the specialty the section is drawn from and has no ``by_specialty``.
    """
    resolved = {k: v for k, v in section.items() if k != "by_specialty"}
    if section["section"] != Section.PROFESSIONAL:
        resolved["specialty"] = None
        return resolved
    resolved["specialty"] = specialty
    own = (section.get("by_specialty") or {}).get(specialty or "") or {}
    if own.get("counts"):
        resolved["counts"] = dict(own["counts"])
    if own.get("pass_mark") is not None:
        resolved["pass_mark"] = float(own["pass_mark"])
    return resolved


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
        if s.get("specialty"):
            raise DefinitionInvalid("专业知识部分按考生的报考专业出题，不能为整场考试指定专业", field="sections")
        by_specialty = s.get("by_specialty") or {}
        if by_specialty and s["section"] != Section.PROFESSIONAL:
            raise DefinitionInvalid("只有专业知识部分可以按专业设置题量和合格分", field="sections")
        unknown = sorted(set(by_specialty) - set(directory_api.SPECIALTIES))
        if unknown:
            raise DefinitionInvalid(
                "按专业设置的专业不在考核专业列表中", field="sections", details={"specialties": unknown}
            )
        for own in by_specialty.values():
            if own.get("counts") is not None and sum(own["counts"].values()) < 1:
                raise DefinitionInvalid("按专业设置的题量至少1题", field="sections")


async def available_counts(section: str, specialty: str | None) -> dict[str, int]:
    qs = Question.filter(section=section, is_active=True)
    if specialty:
        qs = qs.filter(specialty=specialty)
    counts = {t.value: 0 for t in QuestionType}
    for row in await qs.values_list("type", flat=True):
        counts[str(row)] += 1
    return counts


async def specialty_counts() -> dict[str, dict[str, int]]:
    """Active professional questions per specialty and type (one query)."""
    pools: dict[str, dict[str, int]] = {}
    rows = await Question.filter(section=Section.PROFESSIONAL, is_active=True).values_list("specialty", "type")
    for specialty, qtype in rows:
        pool = pools.setdefault(str(specialty), {t.value: 0 for t in QuestionType})
        pool[str(qtype)] += 1
    return pools


def _fits(counts: dict[str, int], available: dict[str, int]) -> bool:
    return all(n <= available.get(t, 0) for t, n in counts.items())


async def _check_bank(sections: list[dict[str, Any]]) -> None:
    """Refuse rules the bank cannot fill. Law and humanities pools are shared; a professional rule is refused when
    no specialty's pool can fill it (it would examine nobody), or when a specialty's own counts exceed its pool.
    Which specialties fall short, and which candidates that concerns, is the readiness check's (``readiness``)."""
    for s in sections:
        if s["section"] != Section.PROFESSIONAL:
            available = await available_counts(s["section"], None)
            if not _fits(s["counts"], available):
                raise BankInsufficient(details={"section": s["section"], "wanted": s["counts"], "available": available})
            continue
        pools = await specialty_counts()
        if not any(_fits(s["counts"], pool) for pool in pools.values()):
            raise BankInsufficient(details={"section": s["section"], "wanted": s["counts"], "available": pools})
        for code in s.get("by_specialty") or {}:
            wanted = resolve_section(s, code)["counts"]
            pool = pools.get(code, {t.value: 0 for t in QuestionType})
            if not _fits(wanted, pool):
                raise BankInsufficient(
                    details={"section": s["section"], "specialty": code, "wanted": wanted, "available": pool}
                )


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
    professional_by_specialty: dict[str, float] = field(default_factory=dict)  # where the office set its own


async def pass_marks(*, cycle_id: int, province_code: str) -> PassMarks:
    """The pass marks candidates of this cycle and province are shown and scored by."""
    prof = await rules_for(ExamKind.PROFESSIONAL, cycle_id, province_code)
    hum = await rules_for(ExamKind.HUMANITIES, cycle_id, province_code)
    section = next(s for s in prof.rules["sections"] if s["section"] == Section.PROFESSIONAL)
    own = {
        code: float(rule["pass_mark"])
        for code, rule in sorted((section.get("by_specialty") or {}).items())
        if rule.get("pass_mark") is not None
    }
    return PassMarks(
        professional=prof.pass_mark(Section.PROFESSIONAL),
        humanities=hum.pass_mark(Section.HUMANITIES),
        law=prof.pass_mark(Section.LAW),
        professional_set=prof.definition_id is not None,
        humanities_set=hum.definition_id is not None,
        professional_by_specialty=own,
    )


async def set_pass_marks(
    *,
    actor_id: int,
    cycle_id: int,
    province_code: str,
    professional: float,
    humanities: float,
    professional_by_specialty: dict[str, float] | None = None,
) -> PassMarks:
    """Set the main pass mark of both exams (a definition is created from the defaults where there is none), and
    when given, the professional pass mark of each listed specialty (replacing the specialty marks set before;
    per-specialty counts stay).

    Joins the caller's transaction. Papers already drawn keep the mark they were shown.
    """
    unknown = sorted(set(professional_by_specialty or {}) - set(directory_api.SPECIALTIES))
    if unknown:
        raise DefinitionInvalid(
            "按专业设置的专业不在考核专业列表中", field="professional_by_specialty", details={"specialties": unknown}
        )
    for kind, mark in ((ExamKind.PROFESSIONAL, professional), (ExamKind.HUMANITIES, humanities)):
        current = await rules_for(kind, cycle_id, province_code)
        sections = copy.deepcopy(current.rules["sections"])
        for s in sections:
            if s["section"] == MAIN_SECTION[kind]:
                s["pass_mark"] = float(mark)
            if s["section"] == Section.PROFESSIONAL and professional_by_specialty is not None:
                own = {code: {**rule, "pass_mark": None} for code, rule in (s.get("by_specialty") or {}).items()}
                for code, value in professional_by_specialty.items():
                    own[code] = {**own.get(code, {"counts": None}), "pass_mark": float(value)}
                s["by_specialty"] = {c: r for c, r in own.items() if r.get("counts") or r.get("pass_mark") is not None}
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


def specialty_refusal(reason: str, *, practice_scope: str | None, specialty: str | None) -> str:
    """What a candidate whose specialty cannot be examined is told (reason: unknown_specialty | bank_short)."""
    scope_text = practice_scope or "未填写"
    if reason == "bank_short":
        return (
            f"你的报考专业“{scope_text}”（考核专业：{directory_api.specialty_name(specialty)}）题库题目不足，"
            "暂时无法组卷；考核机构已收到通知，请稍后再试"
        )
    return f"你的报考专业“{scope_text}”没有对应的考核专业，不能组卷；请联系所在机构核对并更正报考专业"


async def specialty_problem(rules: Rules, *, specialty: str | None, practice_scope: str | None) -> str | None:
    """Why a professional paper of this specialty cannot be drawn under these rules now (None: it can)."""
    if specialty is None:
        return specialty_refusal("unknown_specialty", practice_scope=practice_scope, specialty=None)
    section = next(s for s in rules.for_specialty(specialty)["sections"] if s["section"] == Section.PROFESSIONAL)
    if _fits(section["counts"], await available_counts(Section.PROFESSIONAL, specialty)):
        return None
    return specialty_refusal("bank_short", practice_scope=practice_scope, specialty=specialty)


@dataclass(frozen=True, slots=True)
class SpecialtyReadiness:
    """Whether papers of one specialty can be drawn: what a paper needs per question type against the bank."""

    specialty: str
    name: str
    needed: dict[str, int]
    available: dict[str, int]
    pass_mark: float

    @property
    def short(self) -> dict[str, int]:
        return {t: n - self.available.get(t, 0) for t, n in self.needed.items() if n > self.available.get(t, 0)}

    @property
    def ready(self) -> bool:
        return not self.short


async def readiness(*, cycle_id: int, province_code: str, specialties: Iterable[str]) -> list[SpecialtyReadiness]:
    """For each specialty (directory codes), the professional section its papers need and what its pool holds."""
    rules = await rules_for(ExamKind.PROFESSIONAL, cycle_id, province_code)
    pools = await specialty_counts()
    out = []
    for code in sorted(set(specialties)):
        resolved = rules.for_specialty(code)
        section = next(s for s in resolved["sections"] if s["section"] == Section.PROFESSIONAL)
        out.append(
            SpecialtyReadiness(
                specialty=code,
                name=directory_api.specialty_name(code) or code,
                needed={t: int(n) for t, n in section["counts"].items() if int(n) > 0},
                available=pools.get(code, {t.value: 0 for t in QuestionType}),
                pass_mark=float(section["pass_mark"]),
            )
        )
    return out
