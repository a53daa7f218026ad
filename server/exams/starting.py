"""Starting an attempt: the paper drawn from the bank, its options shuffled, the auto-submit at the deadline."""

from __future__ import annotations

import logging
import random
import secrets
from datetime import timedelta
from typing import Any

from server.accounts import api as accounts_api
from server.common import audit, jobs
from server.common.outbox import emit
from server.db import run_atomic
from server.directory import api as directory_api
from server.exams import definitions
from server.exams.attempts import AUTO_SUBMIT_JOB, DONE, Eligibility, finalize_attempt
from server.exams.errors import (
    BankInsufficient,
    ExamAlreadyPassed,
    ExamAttemptsExhausted,
    ExamNotAvailable,
    MakeUpNotAllowed,
    MakeUpUsed,
    SpecialtyNotExaminable,
)
from server.exams.hot import GRACE_S, _publish_state, _state, check_holder, now
from server.exams.models import (
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
from server.redis import get_redis

log = logging.getLogger(__name__)

SPECIALTY_NOTICE = "exam.specialty_unavailable"  # to the office: a candidate's specialty cannot be examined


def _token(n: int = 12) -> str:
    return secrets.token_urlsafe(n)


# ---------------------------------------------------------------------------------------------------------------
# Starting


async def _draw_paper(sections: list[dict[str, Any]]) -> list[tuple[str, Question]]:
    """Draw every section of resolved rules (``Rules.for_specialty``): the professional one only from its pool."""
    paper: list[tuple[str, Question]] = []
    rng = random.SystemRandom()
    for s in sections:
        drawn: list[Question] = []
        professional = s["section"] == Section.PROFESSIONAL
        for qtype, count in s["counts"].items():
            if count <= 0:
                continue
            qs = Question.filter(section=s["section"], type=qtype, is_active=True)
            if professional:
                qs = qs.filter(specialty=s["specialty"])  # never another specialty's, never "any professional"
            ids = await qs.values_list("id", flat=True)
            if len(ids) < count:
                details = {"section": s["section"], "type": qtype, "specialty": s.get("specialty")}
                if professional:
                    raise SpecialtyNotExaminable(details={**details, "reason": "bank_short"})
                raise BankInsufficient(details=details)
            chosen = rng.sample(list(ids), count)
            drawn += await Question.filter(id__in=chosen)
        rng.shuffle(drawn)
        paper += [(s["section"], q) for q in drawn]
    return paper


async def fixed_specialty(*, user_id: int, cycle_id: int | None) -> str | None:
    """The specialty of this cycle's first professional attempt: a make-up (or any later sitting) keeps it."""
    found = (
        await Attempt.filter(user_id=user_id, exam_kind=ExamKind.PROFESSIONAL, cycle_id=cycle_id)
        .order_by("id")
        .limit(1)
        .values_list("specialty", flat=True)
    )
    return str(found[0]) if found and found[0] else None


async def _refuse_specialty(eligibility: Eligibility, specialty: str | None, exc: SpecialtyNotExaminable) -> None:
    """Tell the province's office (through the outbox) that a candidate's specialty cannot be examined, then raise.

    One notice per office, cycle, specialty and day: the readiness page lists every candidate concerned.
    """
    reason = (exc.details or {}).get("reason", "unknown_specialty")
    name = directory_api.specialty_name(specialty)
    day = now().date().isoformat()
    key = specialty or f"scope:{eligibility.practice_scope or '-'}"
    offices = await accounts_api.office_reviewer_ids(province_code=eligibility.province_code)

    async def tell() -> None:
        for office_id in offices:
            await emit(
                kind=SPECIALTY_NOTICE,
                user_id=office_id,
                payload={
                    "cycle_id": eligibility.cycle_id,
                    "province_code": eligibility.province_code,
                    "specialty": specialty,
                    "specialty_name": name,
                    "practice_scope": eligibility.practice_scope,
                    "reason": reason,
                },
                dedupe_key=f"{SPECIALTY_NOTICE}:{eligibility.cycle_id}:{eligibility.province_code}:{key}:{day}:{office_id}",
            )

    if offices:
        await run_atomic(tell)
    scope_text = eligibility.practice_scope or "未填写"
    raise SpecialtyNotExaminable(
        definitions.specialty_refusal(reason, practice_scope=eligibility.practice_scope, specialty=specialty),
        details={**(exc.details or {}), "reason": reason, "specialty": specialty, "practice_scope": scope_text},
    )


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
    session_id: str,
    ip: str | None = None,
) -> tuple[Attempt, bool]:
    """Start (or, for the same device and log-in session, return the open) attempt; returns (attempt, created)."""
    if eligibility.window_closes_at is not None and eligibility.window_closes_at <= now():
        raise ExamNotAvailable("考试时间已截止")

    open_attempt = await Attempt.filter(user_id=user_id, exam_kind=exam_kind, status=AttemptStatus.IN_PROGRESS).first()
    if open_attempt is not None:
        if open_attempt.deadline_at.timestamp() + GRACE_S < now().timestamp():
            await finalize_attempt(attempt_ref=open_attempt.ref, reason=EndReason.DEADLINE)
        else:
            await check_holder(
                user_id=user_id,
                attempt_ref=open_attempt.ref,
                held_by=(open_attempt.device_id, open_attempt.session_id),
                device_id=device_id,
                session_id=session_id,
                ip=ip,
            )
            return open_attempt, False

    rules = await definitions.rules_for(exam_kind, eligibility.cycle_id, eligibility.province_code)
    specialty: str | None = None
    if exam_kind == ExamKind.PROFESSIONAL:
        # Fixed at the first start of the cycle: a later correction by the institution cannot move a make-up.
        specialty = await fixed_specialty(user_id=user_id, cycle_id=eligibility.cycle_id) or eligibility.specialty
        if specialty is None:
            await _refuse_specialty(eligibility, None, SpecialtyNotExaminable(details={"reason": "unknown_specialty"}))
    drawn_rules = rules.for_specialty(specialty)
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
        try:
            paper = await _draw_paper(drawn_rules["sections"])
        except SpecialtyNotExaminable as exc:
            await _refuse_specialty(eligibility, specialty, exc)
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
                definition_id=rules.definition_id,
                title=rules.title,
                rules=drawn_rules,
                is_make_up=eligibility.is_make_up,
                device_id=device_id,
                session_id=session_id,
                capture_id=capture_id,
                specialty=specialty,
                status=AttemptStatus.IN_PROGRESS,
                current_section=drawn_rules["sections"][0]["section"],
                started_at=started,
                deadline_at=started + timedelta(seconds=int(drawn_rules["duration_s"])),
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
