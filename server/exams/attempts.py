"""Timed attempts: resuming, finishing sections, submitting, scoring at the deadline, invalidating, listing.

Starting one (with an eligibility the caller decided) is in :mod:`server.exams.starting`, saving answers (the hot
path) in :mod:`server.exams.hot`.

The server's clock is the only clock: an attempt's deadline is fixed at start (start + duration) and every check
uses ``hot.now()``. Answers are written by the group-committed upsert in :mod:`server.exams.answers`; Redis keeps
the hot state of an attempt (device, deadline, section, status) for quick look-ups, the database the truth.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from server.accounts import api as accounts_api
from server.common import audit, jobs
from server.db import run_atomic
from server.directory import api as directory_api
from server.errors import AppError
from server.exams import definitions, hot, scoring
from server.exams.definitions import SECTION_TITLES
from server.exams.errors import AttemptClosed, AttemptNotFound, SectionNotCurrent
from server.exams.hot import GRACE_S, _cache, _publish_state, check_holder, forget_cached_state, now
from server.exams.models import Answer, Attempt, AttemptQuestion, AttemptStatus, EndReason, ExamKind, Section
from server.proctoring import api as proctoring_api

log = logging.getLogger(__name__)

AUTO_SUBMIT_JOB = "auto_submit_attempt"
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the wire's one time format
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
    specialty: str | None = None  # the exam specialty (directory code) whose pool the professional section is from
    practice_scope: str | None = None  # 报考专业 as enrolled (a practice scope), named in refusals
    capture_required: bool = True  # False only where identity was confirmed another way


# ---------------------------------------------------------------------------------------------------------------
# Reading (resume)


async def _own_attempt(*, user_id: int, attempt_ref: str) -> Attempt:
    attempt = await Attempt.get_or_none(ref=attempt_ref)
    if attempt is None or attempt.user_id != user_id:
        raise AttemptNotFound()
    return attempt


async def _check_holder(attempt: Attempt, *, device_id: str, session_id: str, ip: str | None) -> None:
    await check_holder(
        user_id=attempt.user_id,
        attempt_ref=attempt.ref,
        held_by=(attempt.device_id, attempt.session_id),
        device_id=device_id,
        session_id=session_id,
        ip=ip,
    )


async def get_attempt(
    *, user_id: int, attempt_ref: str, device_id: str, session_id: str, ip: str | None = None
) -> dict[str, Any]:
    """Everything a client needs to resume: open questions, acknowledged answers, deadline and server time."""
    attempt = await _own_attempt(user_id=user_id, attempt_ref=attempt_ref)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        await _check_holder(attempt, device_id=device_id, session_id=session_id, ip=ip)
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
    counts: dict[str, int] = {}
    questions: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    if attempt.status != AttemptStatus.IN_PROGRESS:
        for (section,) in await AttemptQuestion.filter(attempt_id=attempt.id).values_list("section"):
            counts[section] = counts.get(section, 0) + 1
    else:
        names = [s["section"] for s in attempt.rules["sections"]]
        opened = set(names[: names.index(attempt.current_section) + 1]) if attempt.current_section else set()
        # One joined query read as tuples: a resume is the heaviest read of an exam (the whole paper), and model
        # instances for every paper row and bank question cost more than the query (tests/bench/exam_peak.py)
        rows = await (
            AttemptQuestion.filter(attempt_id=attempt.id)
            .order_by("position")
            .values_list("ref", "section", "options", "question__type", "question__stem", "question__options")
        )
        for ref, section, options, qtype, stem, texts in rows:
            counts[section] = counts.get(section, 0) + 1
            if section not in opened:
                continue
            questions.append(
                {
                    "question_ref": ref,
                    "section": section,
                    "type": str(qtype),
                    "stem": stem,
                    "options": [{"option_id": o["id"], "text": texts[o["index"]]} for o in options],
                }
            )
        for question_ref, option_ids, seq in (
            await Answer.filter(attempt_id=attempt.id).order_by("id").values_list("question_ref", "option_ids", "seq")
        ):
            answers.append({"question_ref": question_ref, "option_ids": orjson.loads(option_ids), "seq": seq})
    return {
        "attempt_ref": attempt.ref,
        "exam_kind": str(attempt.exam_kind),
        "title": attempt.title,
        "specialty": attempt.specialty,
        "specialty_name": directory_api.specialty_name(attempt.specialty),
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
        "takeovers": list(attempt.takeovers),
    }


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


async def submit_attempt(
    *, user_id: int, attempt_ref: str, device_id: str, session_id: str, ip: str | None = None
) -> dict[str, Any]:
    """Hand in the paper; a repeated submit returns the same result."""
    attempt = await _own_attempt(user_id=user_id, attempt_ref=attempt_ref)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        await _check_holder(attempt, device_id=device_id, session_id=session_id, ip=ip)
        late = attempt.deadline_at.timestamp() + GRACE_S < now().timestamp()
        await finalize_attempt(attempt_ref=attempt_ref, reason=EndReason.DEADLINE if late else EndReason.SUBMITTED)
        attempt = await Attempt.get(id=attempt.id)
    return await attempt_view(attempt)


async def finish_section(
    *, user_id: int, attempt_ref: str, section: str, device_id: str, session_id: str, ip: str | None = None
) -> dict[str, Any]:
    """Leave the current section; leaving the law section below its pass mark ends the attempt failed."""
    attempt = await _own_attempt(user_id=user_id, attempt_ref=attempt_ref)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed()
    await _check_holder(attempt, device_id=device_id, session_id=session_id, ip=ip)
    if attempt.deadline_at.timestamp() + GRACE_S < now().timestamp():
        await finalize_attempt(attempt_ref=attempt_ref, reason=EndReason.DEADLINE)
        return await attempt_view(await Attempt.get(id=attempt.id))
    names = [s["section"] for s in attempt.rules["sections"]]
    if section != attempt.current_section:
        raise SectionNotCurrent()
    index = names.index(section)
    if index == len(names) - 1:
        return await submit_attempt(
            user_id=user_id, attempt_ref=attempt_ref, device_id=device_id, session_id=session_id, ip=ip
        )
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


async def office_attempt(*, attempt_ref: str, actor_region: str | None, is_admin: bool) -> Attempt:
    """One attempt for the office of its province (or an administrator); 404 otherwise."""
    attempt = await Attempt.get_or_none(ref=attempt_ref)
    if attempt is None or not (is_admin or (actor_region and actor_region == attempt.province_code)):
        raise AttemptNotFound()
    return attempt


async def take_over(
    *, user_id: int, attempt_ref: str, device_id: str, session_id: str, ip: str | None = None
) -> dict[str, Any]:
    """Continue a running attempt in this log-in session (the app was reinstalled, the phone restarted).

    Only from the device that started it; the session that held it ends at once (its token stops working), the
    takeover is audited and listed on the attempt for the office. Taking over from the holding session is a no-op.
    """
    attempt = await _own_attempt(user_id=user_id, attempt_ref=attempt_ref)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        raise AttemptClosed()
    if attempt.deadline_at.timestamp() + GRACE_S < now().timestamp():
        await finalize_attempt(attempt_ref=attempt_ref, reason=EndReason.DEADLINE)
        raise AttemptClosed()
    if attempt.device_id != device_id:
        await _check_holder(attempt, device_id=device_id, session_id=session_id, ip=ip)
    if attempt.session_id == session_id:
        return await attempt_view(attempt)
    old = attempt.session_id
    at = now()

    async def body() -> bool:
        entry = {"at": at.astimezone(SHANGHAI).isoformat(), "device_id": device_id[:64]}
        moved = await Attempt.filter(id=attempt.id, status=AttemptStatus.IN_PROGRESS, session_id=old).update(
            session_id=session_id, takeovers=[*attempt.takeovers, entry]
        )
        if not moved:  # closed, or taken over by yet another session meanwhile
            return False
        if old:
            await accounts_api.end_session(user_id=user_id, session_id=old)
        await audit.record(
            action="exam.attempt_taken_over",
            actor_id=user_id,
            subject_type="exam_attempt",
            subject_id=attempt.ref,
            ip=ip,
            details={"device_id": device_id[:64], "ended_session": old[:8], "session": session_id[:8]},
        )
        return True

    if not await run_atomic(body):
        raise AttemptClosed("考试状态已变化，请刷新后重试")
    fresh = await Attempt.get(id=attempt.id)
    await forget_cached_state(attempt_ref=fresh.ref)
    await _publish_state(fresh)
    await hot._state(fresh.ref)  # rewrites the shared copy: other processes re-read it on their next mismatch
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


async def sweep_overdue(*, limit: int = 500, overdue_s: float = GRACE_S + 120) -> int:
    """Score attempts whose deadline passed ``overdue_s`` ago (a lost job must not leave an attempt open).

    The routine sweep leaves two minutes past the grace period to the attempt's own job; after an outage (its job
    failed, or was lost with Redis) the worker sweeps everything past the grace period at once.
    """
    cutoff = now() - timedelta(seconds=overdue_s)
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
        found = await definitions.rules_for(
            kind.value, eligibility.cycle_id if eligibility else None, eligibility.province_code if eligibility else ""
        )
        # What this candidate's paper would hold: the professional section counts and pass mark of their specialty
        # (the one the cycle's first professional attempt fixed, if any)
        specialty = None
        if eligibility and kind == ExamKind.PROFESSIONAL:
            fixed = [a.specialty for a in attempts if a.cycle_id == eligibility.cycle_id and a.specialty]
            specialty = fixed[-1] if fixed else eligibility.specialty
            if status in ("available", "make_up_available"):
                problem = await definitions.specialty_problem(
                    found, specialty=specialty, practice_scope=eligibility.practice_scope
                )
                if problem is not None:  # the exam page says why, before a capture is taken for nothing
                    status, reason = "not_available", problem
        rules = definitions.Rules(found.definition_id, found.title, found.for_specialty(specialty))
        out.append(
            {
                "exam_kind": kind.value,
                "title": rules.title,
                "status": status,
                "reason": reason,
                "duration_minutes": int(rules.rules["duration_s"]) // 60,
                "question_count": sum(sum(s["counts"].values()) for s in rules.rules["sections"]),
                "pass_marks": {s["section"]: float(s["pass_mark"]) for s in rules.rules["sections"]},
                "specialty": specialty,
                "specialty_name": directory_api.specialty_name(specialty),
                "window_closes_at": eligibility.window_closes_at.isoformat()
                if eligibility and eligibility.window_closes_at
                else None,
                "is_make_up": eligibility.is_make_up if eligibility else False,
                "best_score": max((a.score for a in scored if a.score is not None), default=None),
                "attempt_ref": open_attempt.ref if open_attempt else None,
            }
        )
    return out
