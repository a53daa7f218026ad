"""Timed attempts: starting (with an eligibility the caller decided), resuming, saving answers, finishing sections,
submitting, scoring at the deadline.

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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from server.common import audit, jobs
from server.db import run_atomic
from server.errors import AppError
from server.exams import definitions, scoring
from server.exams.answers import writer
from server.exams.definitions import SECTION_TITLES
from server.exams.errors import (
    AttemptClosed,
    AttemptNotFound,
    BankInsufficient,
    ExamAlreadyPassed,
    ExamAttemptsExhausted,
    ExamDeviceMismatch,
    ExamNotAvailable,
    MakeUpNotAllowed,
    MakeUpUsed,
    OptionInvalid,
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
    ExamKind,
    Question,
    QuestionType,
    Section,
)
from server.proctoring import api as proctoring_api
from server.redis import get_redis, hot_redis

log = logging.getLogger(__name__)

GRACE_S = 60  # in-flight saves are accepted this long after the deadline, never longer
AUTO_SUBMIT_JOB = "auto_submit_attempt"
STATE_KEY = "exam:attempt:{ref}"
PAPER_KEY = "exam:paper:{ref}"  # the immutable hot state a save needs (owner, device, deadline, option ids)
PAPER_TTL_S = 2 * 86400
DONE = (AttemptStatus.SCORED, AttemptStatus.INVALIDATED)


@dataclass(frozen=True, slots=True)
class Eligibility:
    """What the part that decides who may sit an exam (the assessment) hands over when a candidate starts one."""

    assessment_id: int | None
    cycle_id: int | None
    province_code: str
    region_code: str | None
    institution_id: int | None
    is_make_up: bool
    window_closes_at: datetime | None
    specialty: str | None = None  # 报考专业: the professional section comes from this specialty's pool
    capture_required: bool = True  # False only where identity was confirmed another way


def now() -> datetime:
    return datetime.now(UTC)


def _token(n: int = 12) -> str:
    return secrets.token_urlsafe(n)


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
    await get_redis().set(PAPER_KEY.format(ref=attempt_ref), _state_blob(state), ex=PAPER_TTL_S)
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
    await run_atomic(
        audit.record,
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


def _specialty_of(section: dict[str, Any], eligibility: Eligibility) -> str | None:
    """The pool a section is drawn from: the professional section follows the candidate's specialty."""
    if section["section"] == Section.PROFESSIONAL and eligibility.specialty:
        return eligibility.specialty
    return section.get("specialty")


async def _draw_paper(sections: list[dict[str, Any]], eligibility: Eligibility) -> list[tuple[str, Question]]:
    paper: list[tuple[str, Question]] = []
    rng = random.SystemRandom()
    for s in sections:
        drawn: list[Question] = []
        specialty = _specialty_of(s, eligibility)
        for qtype, count in s["counts"].items():
            if count <= 0:
                continue
            qs = Question.filter(section=s["section"], type=qtype, is_active=True)
            if specialty:
                qs = qs.filter(specialty=specialty)
            ids = await qs.values_list("id", flat=True)
            if len(ids) < count:
                raise BankInsufficient(details={"section": s["section"], "type": qtype, "specialty": specialty})
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
    *,
    user_id: int,
    exam_kind: str,
    eligibility: Eligibility,
    capture_id: str,
    device_id: str,
    ip: str | None = None,
) -> tuple[Attempt, bool]:
    """Start (or, for the same device, return the open) attempt; returns (attempt, created)."""
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

    rules = await definitions.rules_for(exam_kind, eligibility.cycle_id, eligibility.province_code)
    done = await Attempt.filter(
        user_id=user_id, exam_kind=exam_kind, cycle_id=eligibility.cycle_id, status__in=list(DONE)
    ).values_list("is_make_up", "passed", "status")
    if any(passed and status == AttemptStatus.SCORED for _, passed, status in done):
        raise ExamAlreadyPassed()
    regular = sum(1 for make_up, _, _ in done if not make_up)
    make_ups = sum(1 for make_up, _, _ in done if make_up)
    if eligibility.is_make_up:
        if not rules.rules.get("make_up_allowed", True) or regular == 0:
            raise MakeUpNotAllowed()
        if make_ups >= 1:
            raise MakeUpUsed()
    elif regular >= int(rules.rules.get("attempts_allowed", 1)):
        raise ExamAttemptsExhausted(details={"make_up": bool(rules.rules.get("make_up_allowed", True))})

    # One start at a time per candidate and exam (a double tap must not draw two papers).
    lock_key = f"exam:start:{user_id}:{exam_kind}"
    if not await get_redis().set(lock_key, "1", nx=True, ex=30):
        raise ExamNotAvailable("正在开始考试，请稍候再试")
    try:
        paper = await _draw_paper(rules.rules["sections"], eligibility)
        started = now()
        ref = _token(16)
        specialty = eligibility.specialty if exam_kind == ExamKind.PROFESSIONAL else None

        async def store() -> Attempt:
            attempt = await Attempt.create(
                ref=ref,
                user_id=user_id,
                exam_kind=exam_kind,
                cycle_id=eligibility.cycle_id,
                assessment_id=eligibility.assessment_id,
                province_code=eligibility.province_code,
                definition_id=rules.definition_id,
                title=rules.title,
                rules=rules.rules,
                is_make_up=eligibility.is_make_up,
                device_id=device_id,
                capture_id=capture_id,
                specialty=specialty,
                status=AttemptStatus.IN_PROGRESS,
                current_section=rules.rules["sections"][0]["section"],
                started_at=started,
                deadline_at=started + timedelta(seconds=int(rules.rules["duration_s"])),
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
            if eligibility.capture_required:
                await proctoring_api.claim_capture(
                    user_id=user_id, capture_id=capture_id, attempt_ref=ref, exam_kind=exam_kind
                )
            await audit.record(
                action="exam.attempt_started",
                actor_id=user_id,
                subject_type="exam_attempt",
                subject_id=ref,
                ip=ip,
                details={
                    "exam_kind": exam_kind,
                    "is_make_up": eligibility.is_make_up,
                    "device_id": device_id[:64],
                    "specialty": specialty,
                    "face_capture": eligibility.capture_required,
                },
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
        "specialty": attempt.specialty,
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
        "invalidation_reason": attempt.invalidation_reason,
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


async def _close(attempt_id: int, reason: str) -> bool:
    """Mark the attempt scored (first writer wins); waits for in-flight answer saves holding the row."""
    changed = await Attempt.filter(id=attempt_id, status=AttemptStatus.IN_PROGRESS).update(
        status=AttemptStatus.SCORED, ended_at=now(), end_reason=reason
    )
    return bool(changed)


async def _close_and_score(attempt_id: int, reason: str) -> Attempt | None:
    """Inside a transaction: close the attempt once, end its proctoring, score it. None if it was closed already."""
    if not await _close(attempt_id, reason):
        return None
    attempt = await Attempt.get(id=attempt_id)
    await proctoring_api.close_attempt(attempt_ref=attempt.ref)  # flags the snapshots that never came
    return await scoring.score(attempt, reason)


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
        scored = await _close_and_score(attempt.id, reason)
        return scored or await Attempt.get(id=attempt.id)

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
        scores = await scoring.section_scores(fresh, only=section)
        fresh.section_scores = {**fresh.section_scores, **scores}
        await Attempt.filter(id=attempt.id).update(section_scores=fresh.section_scores)
        if section == Section.LAW and scores.get(section, 0.0) < float(rule["pass_mark"]):
            await _close_and_score(attempt.id, EndReason.LAW_GATE)
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


async def invalidate_attempt(*, attempt_ref: str, reason: str, decided_by: int, flag_id: int | None) -> bool:
    """Void an attempt the office ruled invalid (caller's transaction); one still running is scored first."""
    attempt = await Attempt.get_or_none(ref=attempt_ref)
    if attempt is None:
        return False
    if attempt.status == AttemptStatus.IN_PROGRESS:
        await _close_and_score(attempt.id, EndReason.SUBMITTED)
        attempt = await Attempt.get(id=attempt.id)
        cached = _cache.get(attempt.ref)
        if cached is not None:
            cached.closed = True
    return await scoring.invalidate(attempt, reason=reason, decided_by=decided_by, flag_id=flag_id)


# ---------------------------------------------------------------------------------------------------------------
# Lists


async def list_results(*, user_id: int) -> list[Attempt]:
    return await Attempt.filter(user_id=user_id, status__in=list(DONE)).order_by("-ended_at", "-id")


async def list_my_exams(*, user_id: int, eligibilities: Mapping[str, Eligibility | AppError]) -> list[dict[str, Any]]:
    """One row per exam kind: whether it can be taken now (as the caller decided), the open attempt, the best score."""
    out = []
    for kind in ExamKind:
        decided = eligibilities.get(kind.value)
        eligibility = decided if isinstance(decided, Eligibility) else None
        status = ("make_up_available" if eligibility.is_make_up else "available") if eligibility else "not_available"
        reason = decided.text if isinstance(decided, AppError) else None
        attempts = await Attempt.filter(user_id=user_id, exam_kind=kind).order_by("-id")
        scored = [a for a in attempts if a.status == AttemptStatus.SCORED and a.score is not None]
        open_attempt = next((a for a in attempts if a.status == AttemptStatus.IN_PROGRESS), None)
        if open_attempt is not None:
            status = "in_progress"
        elif any(a.passed for a in scored):
            status = "passed"
        elif scored and status == "available":
            status = "failed"
        rules = await definitions.rules_for(
            kind.value, eligibility.cycle_id if eligibility else None, eligibility.province_code if eligibility else ""
        )
        out.append(
            {
                "exam_kind": kind.value,
                "title": rules.title,
                "status": status,
                "reason": reason,
                "duration_minutes": int(rules.rules["duration_s"]) // 60,
                "question_count": sum(sum(s["counts"].values()) for s in rules.rules["sections"]),
                "pass_marks": {s["section"]: float(s["pass_mark"]) for s in rules.rules["sections"]},
                "specialty": eligibility.specialty if eligibility and kind == ExamKind.PROFESSIONAL else None,
                "window_closes_at": eligibility.window_closes_at.isoformat()
                if eligibility and eligibility.window_closes_at
                else None,
                "is_make_up": eligibility.is_make_up if eligibility else False,
                "best_score": max((a.score for a in scored if a.score is not None), default=None),
                "attempt_ref": open_attempt.ref if open_attempt else None,
            }
        )
    return out
