"""Exams: starting, resuming, answering, finishing sections, submitting and scoring attempts; practice; office rules.

The server's clock is the only clock: an attempt's deadline is fixed at start (start + duration) and every check
uses ``now()`` here. Answers are written by the group-committed upsert in :mod:`server.exams.answers`; Redis keeps
the hot state of an attempt (device, deadline, section, status) for quick look-ups, the database the truth.
"""

from __future__ import annotations

import logging
import random
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from server.common import audit, jobs
from server.common.outbox import emit
from server.db import run_atomic
from server.errors import AppError
from server.exams import hooks
from server.exams.answers import hot_redis, writer
from server.exams.errors import (
    AttemptClosed,
    AttemptNotFound,
    BankInsufficient,
    DefinitionInvalid,
    ExamAlreadyPassed,
    ExamAttemptsExhausted,
    ExamDeviceMismatch,
    ExamNotAvailable,
    MakeUpNotAllowed,
    MakeUpUsed,
    OptionInvalid,
    ProvinceOutOfScope,
    QuestionNotFound,
    SectionClosed,
    SectionLocked,
    SectionNotCurrent,
)
from server.exams.models import (
    Answer,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    EndReason,
    ExamDefinition,
    ExamKind,
    Question,
    QuestionType,
    Section,
)
from server.redis import get_redis

log = logging.getLogger(__name__)

GRACE_S = 60  # in-flight saves are accepted this long after the deadline, never longer
AUTO_SUBMIT_JOB = "auto_submit_attempt"
STATE_KEY = "exam:attempt:{ref}"
PAPER_KEY = "exam:paper:{ref}"  # the immutable hot state a save needs (owner, device, deadline, option ids)
PAPER_TTL_S = 2 * 86400
TITLES = {ExamKind.HUMANITIES: "人文医学测评", ExamKind.PROFESSIONAL: "业务水平测评"}
SECTION_TITLES = {Section.LAW: "法律法规", Section.HUMANITIES: "人文医学", Section.PROFESSIONAL: "专业知识"}

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
                "pass_mark": 60.0,
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
                "pass_mark": 60.0,
            },
            {
                "section": "professional",
                "specialty": None,
                "counts": {"single": 56, "multiple": 16, "true_false": 8},
                "pass_mark": 60.0,
            },
        ],
    },
}


def now() -> datetime:
    return datetime.now(UTC)


def _token(n: int = 12) -> str:
    return secrets.token_urlsafe(n)


# ---------------------------------------------------------------------------------------------------------------
# Rules (exam definitions)


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


async def _available_counts(section: str, specialty: str | None) -> dict[str, int]:
    qs = Question.filter(section=section, is_active=True)
    if specialty:
        qs = qs.filter(specialty=specialty)
    counts = {t.value: 0 for t in QuestionType}
    for row in await qs.values_list("type", flat=True):
        counts[str(row)] += 1
    return counts


async def _check_bank(sections: list[dict[str, Any]]) -> None:
    for s in sections:
        available = await _available_counts(s["section"], s.get("specialty"))
        short = {t: n for t, n in s["counts"].items() if n > available.get(t, 0)}
        if short:
            raise BankInsufficient(details={"section": s["section"], "wanted": s["counts"], "available": available})


def _check_office_scope(*, actor_region: str | None, is_admin: bool, province_code: str) -> None:
    if is_admin:
        return
    if not actor_region or actor_region != province_code:
        raise ProvinceOutOfScope()


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
    _check_office_scope(actor_region=actor_region, is_admin=is_admin, province_code=province_code)
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

    async def store() -> ExamDefinition:
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

    return await run_atomic(store)


async def list_definitions(
    *, actor_region: str | None, is_admin: bool, cycle_id: int | None = None
) -> list[ExamDefinition]:
    qs = ExamDefinition.all().order_by("cycle_id", "province_code", "exam_kind")
    if not is_admin:
        qs = qs.filter(province_code=actor_region or "-")
    if cycle_id is not None:
        qs = qs.filter(cycle_id=cycle_id)
    return await qs


async def _rules_for(exam_kind: str, cycle_id: int | None, province_code: str) -> tuple[int | None, str, dict]:
    if cycle_id is not None:
        found = await ExamDefinition.get_or_none(cycle_id=cycle_id, province_code=province_code, exam_kind=exam_kind)
        if found is not None:
            rules = {
                "duration_s": found.duration_s,
                "attempts_allowed": found.attempts_allowed,
                "make_up_allowed": found.make_up_allowed,
                "sections": found.sections,
            }
            return found.id, found.title, rules
    return None, TITLES[ExamKind(exam_kind)], DEFAULT_RULES[exam_kind]


# ---------------------------------------------------------------------------------------------------------------
# Hot state: what every save needs, cached per process (immutable parts) and in Redis (shared, mutable parts)


@dataclass(slots=True)
class AttemptState:
    id: int
    ref: str
    user_id: int
    device_id: str
    deadline_ts: float
    questions: dict[str, tuple[str, str, frozenset[str]]]  # ref -> (section, type, option ids)
    closed: bool = False
    deadline_iso: str = ""

    def __post_init__(self) -> None:
        self.deadline_iso = datetime.fromtimestamp(self.deadline_ts, UTC).isoformat()


_cache: OrderedDict[str, AttemptState] = OrderedDict()
_CACHE_MAX = 20000


def _remember(state: AttemptState) -> None:
    _cache[state.ref] = state
    _cache.move_to_end(state.ref)
    while len(_cache) > _CACHE_MAX:
        _cache.popitem(last=False)


def _state_blob(state: AttemptState) -> bytes:
    return orjson.dumps(
        {
            "id": state.id,
            "user_id": state.user_id,
            "device_id": state.device_id,
            "deadline_ts": state.deadline_ts,
            "questions": {ref: [sec, qtype, sorted(opts)] for ref, (sec, qtype, opts) in state.questions.items()},
        }
    )


async def _state(attempt_ref: str) -> AttemptState | None:
    """The immutable part of an attempt: process memory, else Redis (one GET), else the database."""
    state = _cache.get(attempt_ref)
    if state is not None:
        return state
    redis = get_redis()
    blob = await hot_redis().get(PAPER_KEY.format(ref=attempt_ref))
    if blob:
        doc = orjson.loads(blob)
        state = AttemptState(
            id=doc["id"],
            ref=attempt_ref,
            user_id=doc["user_id"],
            device_id=doc["device_id"],
            deadline_ts=doc["deadline_ts"],
            questions={ref: (sec, qtype, frozenset(opts)) for ref, (sec, qtype, opts) in doc["questions"].items()},
        )
        _remember(state)
        return state
    attempt = await Attempt.get_or_none(ref=attempt_ref)
    if attempt is None:
        return None
    rows = await AttemptQuestion.filter(attempt_id=attempt.id).values_list(
        "ref", "section", "options", "question__type"
    )
    state = AttemptState(
        id=attempt.id,
        ref=attempt.ref,
        user_id=attempt.user_id,
        device_id=attempt.device_id,
        deadline_ts=attempt.deadline_at.timestamp(),
        questions={
            str(ref): (str(section), str(qtype), frozenset(o["id"] for o in options))
            for ref, section, options, qtype in rows
        },
        closed=attempt.status != AttemptStatus.IN_PROGRESS,
    )
    _remember(state)
    await redis.set(PAPER_KEY.format(ref=attempt_ref), _state_blob(state), ex=PAPER_TTL_S)
    return state


async def forget_cached_state(*, attempt_ref: str) -> None:
    """Drop this process's and Redis's copy of an attempt's hot state (after its deadline was changed)."""
    _cache.pop(attempt_ref, None)
    await get_redis().delete(PAPER_KEY.format(ref=attempt_ref))


async def _publish_state(attempt: Attempt) -> None:
    key = STATE_KEY.format(ref=attempt.ref)
    await get_redis().hset(  # type: ignore[misc]
        key,
        mapping={
            "user_id": attempt.user_id,
            "device_id": attempt.device_id,
            "deadline_at": attempt.deadline_at.isoformat(),
            "current_section": attempt.current_section or "",
            "status": str(attempt.status),
        },
    )
    await get_redis().expire(key, int(attempt.rules.get("duration_s", 3600)) + 86400)


async def _device_refused(*, user_id: int, attempt_ref: str, device_id: str, ip: str | None) -> ExamDeviceMismatch:
    await audit.record(
        action="exam.device_mismatch",
        actor_id=user_id,
        subject_type="exam_attempt",
        subject_id=attempt_ref,
        ip=ip,
        details={"device_id": device_id[:64]},
    )
    return ExamDeviceMismatch()


# ---------------------------------------------------------------------------------------------------------------
# Starting


async def _draw_paper(sections: list[dict[str, Any]]) -> list[tuple[str, Question]]:
    paper: list[tuple[str, Question]] = []
    rng = random.SystemRandom()
    for s in sections:
        drawn: list[Question] = []
        for qtype, count in s["counts"].items():
            if count <= 0:
                continue
            qs = Question.filter(section=s["section"], type=qtype, is_active=True)
            if s.get("specialty"):
                qs = qs.filter(specialty=s["specialty"])
            ids = await qs.values_list("id", flat=True)
            if len(ids) < count:
                raise BankInsufficient(details={"section": s["section"], "type": qtype})
            chosen = rng.sample(list(ids), count)
            drawn += await Question.filter(id__in=chosen)
        rng.shuffle(drawn)
        paper += [(s["section"], q) for q in drawn]
    return paper


def _shuffled_options(q: Question) -> list[dict[str, Any]]:
    indexes = list(range(len(q.options)))
    if q.type != QuestionType.TRUE_FALSE:
        random.SystemRandom().shuffle(indexes)
    return [{"id": _token(6), "index": i} for i in indexes]


async def start_attempt(
    *, user_id: int, exam_kind: str, capture_id: str, device_id: str, ip: str | None = None
) -> tuple[Attempt, bool]:
    """Start (or, for the same device, return the open) attempt; returns (attempt, created)."""
    eligibility = await hooks.check_eligibility(user_id=user_id, exam_kind=exam_kind)
    if eligibility.window_closes_at is not None and eligibility.window_closes_at <= now():
        raise ExamNotAvailable("考试时间已截止")

    open_attempt = await Attempt.filter(user_id=user_id, exam_kind=exam_kind, status=AttemptStatus.IN_PROGRESS).first()
    if open_attempt is not None:
        if open_attempt.deadline_at.timestamp() + GRACE_S < now().timestamp():
            await finalize_attempt(attempt_ref=open_attempt.ref, reason=EndReason.DEADLINE)
        elif open_attempt.device_id != device_id:
            raise await _device_refused(user_id=user_id, attempt_ref=open_attempt.ref, device_id=device_id, ip=ip)
        else:
            return open_attempt, False

    definition_id, title, rules = await _rules_for(exam_kind, eligibility.cycle_id, eligibility.province_code)
    done = await Attempt.filter(
        user_id=user_id, exam_kind=exam_kind, cycle_id=eligibility.cycle_id, status=AttemptStatus.SCORED
    ).values_list("is_make_up", "passed")
    if any(passed for _, passed in done):
        raise ExamAlreadyPassed()
    regular = sum(1 for make_up, _ in done if not make_up)
    make_ups = sum(1 for make_up, _ in done if make_up)
    if eligibility.is_make_up:
        if not rules.get("make_up_allowed", True) or regular == 0:
            raise MakeUpNotAllowed()
        if make_ups >= 1:
            raise MakeUpUsed()
    elif regular >= int(rules.get("attempts_allowed", 1)):
        raise ExamAttemptsExhausted(details={"make_up": bool(rules.get("make_up_allowed", True))})

    # One start at a time per candidate and exam (a double tap must not draw two papers).
    lock_key = f"exam:start:{user_id}:{exam_kind}"
    if not await get_redis().set(lock_key, "1", nx=True, ex=30):
        raise ExamNotAvailable("正在开始考试，请稍候再试")
    try:
        paper = await _draw_paper(rules["sections"])
        started = now()
        ref = _token(16)

        async def store() -> Attempt:
            attempt = await Attempt.create(
                ref=ref,
                user_id=user_id,
                exam_kind=exam_kind,
                cycle_id=eligibility.cycle_id,
                assessment_id=eligibility.assessment_id,
                province_code=eligibility.province_code,
                definition_id=definition_id,
                title=title,
                rules=rules,
                is_make_up=eligibility.is_make_up,
                device_id=device_id,
                capture_id=capture_id,
                status=AttemptStatus.IN_PROGRESS,
                current_section=rules["sections"][0]["section"],
                started_at=started,
                deadline_at=started + timedelta(seconds=int(rules["duration_s"])),
            )
            await AttemptQuestion.bulk_create(
                [
                    AttemptQuestion(
                        attempt_id=attempt.id,
                        ref=_token(9),
                        position=i,
                        section=section,
                        question_id=q.id,
                        options=_shuffled_options(q),
                    )
                    for i, (section, q) in enumerate(paper)
                ]
            )
            await hooks.claim_capture(user_id=user_id, capture_id=capture_id, attempt_ref=ref)
            await audit.record(
                action="exam.attempt_started",
                actor_id=user_id,
                subject_type="exam_attempt",
                subject_id=ref,
                ip=ip,
                details={"exam_kind": exam_kind, "is_make_up": eligibility.is_make_up, "device_id": device_id[:64]},
            )
            return attempt

        attempt = await run_atomic(store)
    finally:
        await get_redis().delete(lock_key)
    await _publish_state(attempt)
    await _state(attempt.ref)  # loads it once from the database into Redis and this process
    await schedule_auto_submit(attempt)
    return attempt, True


async def schedule_auto_submit(attempt: Attempt) -> None:
    run_at = attempt.deadline_at + timedelta(seconds=GRACE_S + 1)
    try:
        await jobs.enqueue(AUTO_SUBMIT_JOB, attempt.ref, job_id=f"exam-auto-submit:{attempt.ref}", run_at=run_at)
    except Exception:  # the attempt is still closed lazily on the next read; the sweep catches the rest
        log.exception("could not schedule auto-submit", extra={"attempt_ref": attempt.ref})


# ---------------------------------------------------------------------------------------------------------------
# Reading (resume)


async def _own_attempt(*, user_id: int, attempt_ref: str) -> Attempt:
    attempt = await Attempt.get_or_none(ref=attempt_ref)
    if attempt is None or attempt.user_id != user_id:
        raise AttemptNotFound()
    return attempt


async def get_attempt(*, user_id: int, attempt_ref: str, device_id: str, ip: str | None = None) -> dict[str, Any]:
    """Everything a client needs to resume: open questions, acknowledged answers, deadline and server time."""
    attempt = await _own_attempt(user_id=user_id, attempt_ref=attempt_ref)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        if attempt.device_id != device_id:
            raise await _device_refused(user_id=user_id, attempt_ref=attempt_ref, device_id=device_id, ip=ip)
        if attempt.deadline_at.timestamp() + GRACE_S < now().timestamp():
            await finalize_attempt(attempt_ref=attempt_ref, reason=EndReason.DEADLINE)
            attempt = await Attempt.get(id=attempt.id)
    return await attempt_view(attempt)


def _sections_view(attempt: Attempt, counts: dict[str, int]) -> list[dict[str, Any]]:
    names = [s["section"] for s in attempt.rules["sections"]]
    current = attempt.current_section
    out = []
    for i, s in enumerate(attempt.rules["sections"]):
        if attempt.status != AttemptStatus.IN_PROGRESS:
            status = "finished"
        elif current is not None and i < names.index(current):
            status = "finished"
        elif s["section"] == current:
            status = "open"
        else:
            status = "locked"
        out.append(
            {
                "section": s["section"],
                "title": SECTION_TITLES.get(Section(s["section"]), s["section"]),
                "question_count": counts.get(s["section"], 0),
                "pass_mark": s["pass_mark"],
                "status": status,
                "score": attempt.section_scores.get(s["section"]),
            }
        )
    return out


async def attempt_view(attempt: Attempt) -> dict[str, Any]:
    rows = await AttemptQuestion.filter(attempt_id=attempt.id).order_by("position").prefetch_related("question")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.section] = counts.get(r.section, 0) + 1
    questions: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    if attempt.status == AttemptStatus.IN_PROGRESS:
        names = [s["section"] for s in attempt.rules["sections"]]
        opened = set(names[: names.index(attempt.current_section) + 1]) if attempt.current_section else set()
        for r in rows:
            if r.section not in opened:
                continue
            q = r.question
            questions.append(
                {
                    "question_ref": r.ref,
                    "section": r.section,
                    "type": str(q.type),
                    "stem": q.stem,
                    "options": [{"option_id": o["id"], "text": q.options[o["index"]]} for o in r.options],
                }
            )
        for a in await Answer.filter(attempt_id=attempt.id).order_by("id"):
            answers.append({"question_ref": a.question_ref, "option_ids": orjson.loads(a.option_ids), "seq": a.seq})
    return {
        "attempt_ref": attempt.ref,
        "exam_kind": str(attempt.exam_kind),
        "title": attempt.title,
        "status": str(attempt.status),
        "is_make_up": attempt.is_make_up,
        "started_at": attempt.started_at.isoformat(),
        "deadline_at": attempt.deadline_at.isoformat(),
        "server_time": now().isoformat(),
        "current_section": attempt.current_section if attempt.status == AttemptStatus.IN_PROGRESS else None,
        "sections": _sections_view(attempt, counts),
        "questions": questions,
        "answers": answers,
        "score": attempt.score,
        "passed": attempt.passed,
        "end_reason": attempt.end_reason,
    }


# ---------------------------------------------------------------------------------------------------------------
# Saving an answer (hot path)


async def save_answer(
    *,
    user_id: int,
    attempt_ref: str,
    question_ref: str,
    option_ids: list[str],
    seq: int,
    device_id: str,
    ip: str | None = None,
) -> dict[str, Any]:
    """Store one answer durably (idempotent, ordered by seq); returns the acknowledgement."""
    state = await _state(attempt_ref)
    if state is None or state.user_id != user_id:
        raise AttemptNotFound()
    if state.device_id != device_id:
        raise await _device_refused(user_id=user_id, attempt_ref=attempt_ref, device_id=device_id, ip=ip)
    question = state.questions.get(question_ref)
    if question is None:
        raise QuestionNotFound()
    section, qtype, valid = question
    if len(set(option_ids)) != len(option_ids) or not valid.issuperset(option_ids):
        raise OptionInvalid(field="option_ids")
    if len(option_ids) > 1 and qtype != "multiple":
        raise OptionInvalid("单选题和判断题只能选择一个选项", field="option_ids")
    if state.closed or time.time() > state.deadline_ts + GRACE_S:
        raise AttemptClosed()
    outcome, saved_at = await writer().save(
        attempt_id=state.id,
        question_ref=question_ref,
        option_ids=orjson.dumps(option_ids).decode(),
        seq=seq,
        section=section,
    )
    if outcome == "closed":
        await _explain_refusal(state, section)
    return {
        "question_ref": question_ref,
        "seq": seq,
        "applied": outcome == "applied",
        "saved_at": saved_at.isoformat(),
        "server_time": now().isoformat(),
        "deadline_at": state.deadline_iso,
    }


async def _explain_refusal(state: AttemptState, section: str) -> None:
    attempt = await Attempt.get(id=state.id)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        state.closed = True
        raise AttemptClosed()
    names = [s["section"] for s in attempt.rules["sections"]]
    if attempt.current_section and names.index(section) < names.index(attempt.current_section):
        raise SectionClosed()
    raise SectionLocked()


# ---------------------------------------------------------------------------------------------------------------
# Sections, submission and scoring


def _is_correct(chosen: list[str], options: list[dict[str, Any]], answer: list[int]) -> bool:
    by_id = {o["id"]: o["index"] for o in options}
    picked = sorted(by_id[c] for c in chosen if c in by_id)
    return bool(picked) and picked == sorted(answer)


async def _section_scores(attempt: Attempt, only: str | None = None) -> dict[str, float]:
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


async def _score_in_transaction(attempt: Attempt, reason: str) -> Attempt:
    scores = await _section_scores(attempt)
    total = await AttemptQuestion.filter(attempt_id=attempt.id).count()
    # the overall score weighs every question alike
    counts: dict[str, int] = {}
    for section in await AttemptQuestion.filter(attempt_id=attempt.id).values_list("section", flat=True):
        counts[str(section)] = counts.get(str(section), 0) + 1
    score = round(sum(scores.get(s, 0.0) * n for s, n in counts.items()) / max(total, 1), 1)
    passed = reason != EndReason.LAW_GATE and all(
        scores.get(s["section"], 0.0) >= float(s["pass_mark"]) for s in attempt.rules["sections"]
    )
    decided = await hooks.on_result(
        user_id=attempt.user_id,
        assessment_id=attempt.assessment_id,
        exam_kind=str(attempt.exam_kind),
        attempt_ref=attempt.ref,
        score=score,
        passed=passed,
        is_make_up=attempt.is_make_up,
    )
    if decided is not None:
        passed = decided  # the assessment's pass mark has the last word (it never passes a failed paper)
    attempt.section_scores = {**attempt.section_scores, **scores}
    attempt.score = score
    attempt.passed = passed
    await Attempt.filter(id=attempt.id).update(section_scores=attempt.section_scores, score=score, passed=passed)
    await emit(
        kind="exam.scored",
        user_id=attempt.user_id,
        payload={
            "exam_kind": str(attempt.exam_kind),
            "score": score,
            "passed": passed,
            "attempt_ref": attempt.ref,
            "is_make_up": attempt.is_make_up,  # a failed make-up must not be told of another make-up
        },
        dedupe_key=f"exam.scored:{attempt.ref}",
    )
    await audit.record(
        action="exam.attempt_scored",
        actor_id=None if reason == EndReason.DEADLINE else attempt.user_id,
        subject_type="exam_attempt",
        subject_id=attempt.ref,
        details={"reason": reason, "score": score, "passed": passed},
    )
    return attempt


async def _close(attempt_id: int, reason: str) -> bool:
    """Mark the attempt scored (first writer wins); waits for in-flight answer saves holding the row."""
    changed = await Attempt.filter(id=attempt_id, status=AttemptStatus.IN_PROGRESS).update(
        status=AttemptStatus.SCORED, ended_at=now(), end_reason=reason
    )
    return bool(changed)


async def _after_close(attempt: Attempt) -> None:
    cached = _cache.get(attempt.ref)
    if cached is not None:
        cached.closed = True
    try:
        await _publish_state(attempt)
    except Exception:
        log.exception("could not publish attempt state", extra={"attempt_ref": attempt.ref})


async def finalize_attempt(*, attempt_ref: str, reason: str) -> Attempt | None:
    """Close and score an attempt once (idempotent); None when there is no such attempt."""

    async def body() -> Attempt | None:
        attempt = await Attempt.get_or_none(ref=attempt_ref)
        if attempt is None:
            return None
        if not await _close(attempt.id, reason):
            return await Attempt.get(id=attempt.id)
        attempt = await Attempt.get(id=attempt.id)
        return await _score_in_transaction(attempt, reason)

    attempt = await run_atomic(body)
    if attempt is not None:
        await _after_close(attempt)
    return attempt


async def submit_attempt(*, user_id: int, attempt_ref: str, device_id: str, ip: str | None = None) -> dict[str, Any]:
    """Hand in the paper; a repeated submit returns the same result."""
    attempt = await _own_attempt(user_id=user_id, attempt_ref=attempt_ref)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        if attempt.device_id != device_id:
            raise await _device_refused(user_id=user_id, attempt_ref=attempt_ref, device_id=device_id, ip=ip)
        late = attempt.deadline_at.timestamp() + GRACE_S < now().timestamp()
        await finalize_attempt(attempt_ref=attempt_ref, reason=EndReason.DEADLINE if late else EndReason.SUBMITTED)
        attempt = await Attempt.get(id=attempt.id)
    return await attempt_view(attempt)


async def finish_section(
    *, user_id: int, attempt_ref: str, section: str, device_id: str, ip: str | None = None
) -> dict[str, Any]:
    """Leave the current section; leaving the law section below its pass mark ends the attempt failed."""
    attempt = await _own_attempt(user_id=user_id, attempt_ref=attempt_ref)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed()
    if attempt.device_id != device_id:
        raise await _device_refused(user_id=user_id, attempt_ref=attempt_ref, device_id=device_id, ip=ip)
    if attempt.deadline_at.timestamp() + GRACE_S < now().timestamp():
        await finalize_attempt(attempt_ref=attempt_ref, reason=EndReason.DEADLINE)
        return await attempt_view(await Attempt.get(id=attempt.id))
    names = [s["section"] for s in attempt.rules["sections"]]
    if section != attempt.current_section:
        raise SectionNotCurrent()
    index = names.index(section)
    if index == len(names) - 1:
        return await submit_attempt(user_id=user_id, attempt_ref=attempt_ref, device_id=device_id, ip=ip)
    rule = attempt.rules["sections"][index]

    async def body() -> bool:
        # The conditional update locks the row: in-flight saves of this section land before the score is taken.
        moved = await Attempt.filter(id=attempt.id, status=AttemptStatus.IN_PROGRESS, current_section=section).update(
            current_section=names[index + 1]
        )
        if not moved:
            raise SectionNotCurrent()
        fresh = await Attempt.get(id=attempt.id)
        scores = await _section_scores(fresh, only=section)
        fresh.section_scores = {**fresh.section_scores, **scores}
        await Attempt.filter(id=attempt.id).update(section_scores=fresh.section_scores)
        if section == Section.LAW and scores.get(section, 0.0) < float(rule["pass_mark"]):
            await _close(attempt.id, EndReason.LAW_GATE)
            await _score_in_transaction(await Attempt.get(id=attempt.id), EndReason.LAW_GATE)
            return True
        return False

    ended = await run_atomic(body)
    fresh = await Attempt.get(id=attempt.id)
    if ended:
        await _after_close(fresh)
    else:
        await _publish_state(fresh)
    return await attempt_view(fresh)


async def auto_submit(*, attempt_ref: str) -> str:
    """The deadline job: score an attempt left open; re-queue itself if woken early."""
    attempt = await Attempt.get_or_none(ref=attempt_ref)
    if attempt is None:
        return "missing"
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return "already_scored"
    if attempt.deadline_at.timestamp() + GRACE_S > now().timestamp():
        await jobs.enqueue(
            AUTO_SUBMIT_JOB,
            attempt_ref,
            job_id=f"exam-auto-submit:{attempt_ref}:{int(now().timestamp())}",
            run_at=attempt.deadline_at + timedelta(seconds=GRACE_S + 1),
        )
        return "rescheduled"
    await finalize_attempt(attempt_ref=attempt_ref, reason=EndReason.DEADLINE)
    return "scored"


async def sweep_overdue(*, limit: int = 500) -> int:
    """Score attempts whose deadline passed long ago (a lost job must not leave an attempt open)."""
    cutoff = now() - timedelta(seconds=GRACE_S + 120)
    refs = (
        await Attempt.filter(status=AttemptStatus.IN_PROGRESS, deadline_at__lt=cutoff)
        .limit(limit)
        .values_list("ref", flat=True)
    )
    for ref in refs:
        await finalize_attempt(attempt_ref=str(ref), reason=EndReason.DEADLINE)
    return len(refs)


# ---------------------------------------------------------------------------------------------------------------
# Lists


async def list_results(*, user_id: int) -> list[Attempt]:
    return await Attempt.filter(user_id=user_id, status=AttemptStatus.SCORED).order_by("-ended_at", "-id")


async def list_my_exams(*, user_id: int) -> list[dict[str, Any]]:
    """One row per exam kind: whether it can be taken now, the open attempt, the best score."""
    out = []
    for kind in ExamKind:
        status = "not_available"
        reason = None
        window = None
        is_make_up = False
        cycle_id = None
        province = ""
        try:
            eligibility = await hooks.check_eligibility(user_id=user_id, exam_kind=kind.value)
            window = eligibility.window_closes_at
            is_make_up = eligibility.is_make_up
            cycle_id = eligibility.cycle_id
            province = eligibility.province_code
            status = "make_up_available" if is_make_up else "available"
        except AppError as exc:
            reason = exc.text
        attempts = await Attempt.filter(user_id=user_id, exam_kind=kind).order_by("-id")
        scored = [a for a in attempts if a.status == AttemptStatus.SCORED and a.score is not None]
        open_attempt = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
        if open_attempt is not None:
            status = "in_progress"
        elif any(a.passed for a in scored):
            status = "passed"
        elif scored and status == "available":
            status = "failed"
        _, title, rules = await _rules_for(kind.value, cycle_id, province)
        out.append(
            {
                "exam_kind": kind.value,
                "title": title,
                "status": status,
                "reason": reason,
                "duration_minutes": int(rules["duration_s"]) // 60,
                "question_count": sum(sum(s["counts"].values()) for s in rules["sections"]),
                "window_closes_at": window.isoformat() if window else None,
                "is_make_up": is_make_up,
                "best_score": max((a.score for a in scored if a.score is not None), default=None),
                "attempt_ref": open_attempt.ref if open_attempt else None,
            }
        )
    return out


# ---------------------------------------------------------------------------------------------------------------
# Practice: law questions, untimed, the right answer shown at once, never scored nor stored


async def practice_questions(*, limit: int) -> list[Question]:
    ids = await Question.filter(section=Section.LAW, is_active=True).values_list("id", flat=True)
    chosen = random.SystemRandom().sample(list(ids), min(limit, len(ids)))
    found = {q.id: q for q in await Question.filter(id__in=chosen)}
    return [found[i] for i in chosen if i in found]


def practice_option_id(index: int) -> str:
    return "abcdef"[index]


async def check_practice(*, question_ref: str, option_ids: list[str]) -> dict[str, Any]:
    q = await Question.get_or_none(ref=question_ref, section=Section.LAW, is_active=True)
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
