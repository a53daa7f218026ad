"""The three replaceable hooks through which exams asks other parts (pinned contract, see COMMON.md).

The lead points them at the assessment and proctoring services; until then the defaults refuse, so that no exam
starts without an eligibility decision and an accepted face capture. Tests install their own with
:func:`installed`; the benchmark server may ask for permissive hooks with ``EXAMS_PERMISSIVE_HOOKS=1``, which is
honoured only outside production.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from server.exams.errors import ExamNotAvailable, FaceCaptureRequired

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Eligibility:
    assessment_id: int | None
    cycle_id: int | None
    province_code: str
    region_code: str | None
    institution_id: int | None
    is_make_up: bool
    window_closes_at: datetime | None


class EligibilityLike(Protocol):
    @property
    def assessment_id(self) -> int | None: ...
    @property
    def cycle_id(self) -> int | None: ...
    @property
    def province_code(self) -> str: ...
    @property
    def region_code(self) -> str | None: ...
    @property
    def institution_id(self) -> int | None: ...
    @property
    def is_make_up(self) -> bool: ...
    @property
    def window_closes_at(self) -> datetime | None: ...


CheckEligibility = Callable[..., Awaitable[EligibilityLike]]
ClaimCapture = Callable[..., Awaitable[None]]
OnResult = Callable[..., Awaitable[bool | None]]


async def _refuse_eligibility(*, user_id: int, exam_kind: str) -> EligibilityLike:
    raise ExamNotAvailable("考核尚未开放考试，请在考核安排开放后再参加")


async def _refuse_capture(*, user_id: int, capture_id: str, attempt_ref: str) -> None:
    raise FaceCaptureRequired()


async def _ignore_result(**kwargs: Any) -> bool | None:
    return None


_hooks: dict[str, Callable[..., Awaitable[Any]]] = {
    "check_eligibility": _refuse_eligibility,
    "claim_capture": _refuse_capture,
    "on_result": _ignore_result,
}


async def check_eligibility(*, user_id: int, exam_kind: str) -> EligibilityLike:
    return await _hooks["check_eligibility"](user_id=user_id, exam_kind=exam_kind)


async def claim_capture(*, user_id: int, capture_id: str, attempt_ref: str) -> None:
    await _hooks["claim_capture"](user_id=user_id, capture_id=capture_id, attempt_ref=attempt_ref)


async def on_result(
    *,
    user_id: int,
    assessment_id: int | None,
    exam_kind: str,
    attempt_ref: str,
    score: float,
    passed: bool,
    is_make_up: bool,
) -> bool | None:
    """Report a score; returns the assessment's own pass decision when it has one (None: the paper's stands).

    The assessment office may set an overall pass mark above the paper's section marks, so the attempt, its
    notice and the make-up rules must follow the assessment's decision rather than the paper's alone.
    """
    decided = await _hooks["on_result"](
        user_id=user_id,
        assessment_id=assessment_id,
        exam_kind=exam_kind,
        attempt_ref=attempt_ref,
        score=score,
        passed=passed,
        is_make_up=is_make_up,
    )
    return None if decided is None else bool(decided)


def set_hooks(
    *,
    check_eligibility: CheckEligibility | None = None,
    claim_capture: ClaimCapture | None = None,
    on_result: OnResult | None = None,
) -> dict[str, Callable[..., Awaitable[Any]]]:
    """Replace some hooks; returns the previous set (to restore with :func:`restore_hooks`)."""
    previous = dict(_hooks)
    if check_eligibility is not None:
        _hooks["check_eligibility"] = check_eligibility
    if claim_capture is not None:
        _hooks["claim_capture"] = claim_capture
    if on_result is not None:
        _hooks["on_result"] = on_result
    return previous


def restore_hooks(previous: dict[str, Callable[..., Awaitable[Any]]]) -> None:
    _hooks.clear()
    _hooks.update(previous)


def reset_hooks() -> None:
    restore_hooks(
        {"check_eligibility": _refuse_eligibility, "claim_capture": _refuse_capture, "on_result": _ignore_result}
    )


@contextmanager
def installed(
    *,
    check_eligibility: CheckEligibility | None = None,
    claim_capture: ClaimCapture | None = None,
    on_result: OnResult | None = None,
) -> Iterator[None]:
    previous = set_hooks(check_eligibility=check_eligibility, claim_capture=claim_capture, on_result=on_result)
    try:
        yield
    finally:
        restore_hooks(previous)


async def _permissive_eligibility(*, user_id: int, exam_kind: str) -> EligibilityLike:
    return Eligibility(
        assessment_id=None,
        cycle_id=1,
        province_code="110000",
        region_code=None,
        institution_id=None,
        is_make_up=False,
        window_closes_at=None,
    )


async def _permissive_capture(*, user_id: int, capture_id: str, attempt_ref: str) -> None:
    return None


def install_from_env() -> None:
    """Permissive hooks for the load benchmark, never in production."""
    if os.environ.get("EXAMS_PERMISSIVE_HOOKS") != "1":
        return
    from server.config import get_settings

    if get_settings().is_production:
        log.error("EXAMS_PERMISSIVE_HOOKS is ignored in production")
        return
    log.warning("exams: permissive eligibility and capture hooks installed (benchmark only)")
    set_hooks(check_eligibility=_permissive_eligibility, claim_capture=_permissive_capture)
