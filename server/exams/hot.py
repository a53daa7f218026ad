"""The hot path of an answer save: an attempt's immutable state, cached per process and in Redis, and the save."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from server.common import audit
from server.common.web import wire_time
from server.db import run_atomic
from server.exams.answers import writer
from server.exams.errors import (
    AttemptClosed,
    AttemptNotFound,
    ExamDeviceMismatch,
    ExamTakeoverRequired,
    OptionInvalid,
    QuestionNotFound,
    SectionClosed,
    SectionLocked,
)
from server.exams.models import Attempt, AttemptQuestion, AttemptStatus
from server.redis import bounded, get_redis, hot_redis

GRACE_S = 60  # in-flight saves are accepted this long after the deadline, never longer
STATE_KEY = "exam:attempt:{ref}"
PAPER_KEY = "exam:paper:{ref}"  # the immutable hot state a save needs (owner, device, deadline, option ids)
PAPER_TTL_S = 2 * 86400


def now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------------------------------------------
# Hot state: what every save needs, cached per process (immutable parts) and in Redis (shared, mutable parts)


@dataclass(slots=True)
class AttemptState:
    id: int
    ref: str
    user_id: int
    device_id: str
    session_id: str
    deadline_ts: float
    questions: dict[str, tuple[str, str, frozenset[str]]]  # ref -> (section, type, option ids)
    closed: bool = False
    deadline_iso: str = ""

    def __post_init__(self) -> None:
        self.deadline_iso = wire_time(datetime.fromtimestamp(self.deadline_ts, UTC))  # once, not per save


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
            "session_id": state.session_id,
            "deadline_ts": state.deadline_ts,
            "questions": {ref: [sec, qtype, sorted(opts)] for ref, (sec, qtype, opts) in state.questions.items()},
        }
    )


async def _shared_state(attempt_ref: str) -> AttemptState | None:
    """The copy in Redis (one GET), remembered in this process; None when Redis has none."""
    blob = await bounded(hot_redis().get(PAPER_KEY.format(ref=attempt_ref)))
    if not blob:
        return None
    doc = orjson.loads(blob)
    state = AttemptState(
        id=doc["id"],
        ref=attempt_ref,
        user_id=doc["user_id"],
        device_id=doc["device_id"],
        session_id=doc.get("session_id", ""),
        deadline_ts=doc["deadline_ts"],
        questions={ref: (sec, qtype, frozenset(opts)) for ref, (sec, qtype, opts) in doc["questions"].items()},
    )
    cached = _cache.get(attempt_ref)
    if cached is not None:
        state.closed = cached.closed
    _remember(state)
    return state


async def _state(attempt_ref: str) -> AttemptState | None:
    """The immutable part of an attempt: process memory, else Redis (one GET), else the database.

    "Immutable" but for the owning session, which a takeover replaces: the process that took it over rewrites the
    Redis copy, and another process whose memory still names the old session re-reads Redis once (see save_answer).
    """
    state = _cache.get(attempt_ref)
    if state is not None:
        return state
    state = await _shared_state(attempt_ref)
    if state is not None:
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
        session_id=attempt.session_id,
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
            "session_id": attempt.session_id,
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


async def _session_refused(*, user_id: int, attempt_ref: str, session_id: str, ip: str | None) -> ExamTakeoverRequired:
    await run_atomic(
        audit.record,
        action="exam.session_mismatch",
        actor_id=user_id,
        subject_type="exam_attempt",
        subject_id=attempt_ref,
        ip=ip,
        details={"session": session_id[:8]},
    )
    return ExamTakeoverRequired(details={"attempt_ref": attempt_ref, "takeover": "POST 接管后继续"})


async def check_holder(
    *, user_id: int, attempt_ref: str, held_by: tuple[str, str], device_id: str, session_id: str, ip: str | None
) -> None:
    """The attempt's device and log-in session (``held_by``) must be the caller's: another device is refused,
    another session of the same device is told to take the attempt over. Legacy attempts have no session."""
    device, session = held_by
    if device != device_id:
        raise await _device_refused(user_id=user_id, attempt_ref=attempt_ref, device_id=device_id, ip=ip)
    if session and session != session_id:
        raise await _session_refused(user_id=user_id, attempt_ref=attempt_ref, session_id=session_id, ip=ip)


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
    session_id: str,
    ip: str | None = None,
) -> dict[str, Any]:
    """Store one answer durably (idempotent, ordered by seq); returns the acknowledgement."""
    state = await _state(attempt_ref)
    if state is None or state.user_id != user_id:
        raise AttemptNotFound()
    if state.session_id and state.session_id != session_id:
        # This process may remember the session from before a takeover elsewhere: one Redis GET, no database
        state = await _shared_state(attempt_ref) or state
    if state.device_id != device_id or (state.session_id and state.session_id != session_id):
        await check_holder(
            user_id=user_id,
            attempt_ref=attempt_ref,
            held_by=(state.device_id, state.session_id),
            device_id=device_id,
            session_id=session_id,
            ip=ip,
        )
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
        "saved_at": wire_time(saved_at),
        "server_time": wire_time(now()),
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
