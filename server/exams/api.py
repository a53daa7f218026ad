"""The exams part's public face, for the assessment (which decides who may sit which exam) and the office pages.

attempt, created = await exams_api.start_attempt(user_id=, exam_kind=, eligibility=Eligibility(...), ...)
marks = await exams_api.pass_marks(cycle_id=, province_code=)           # the one place pass marks live
SUBSCRIPTIONS = {exams_api.AttemptScored: [...], exams_api.AttemptInvalidated: [...]}
"""

from __future__ import annotations

from server.exams import errors
from server.exams.attempts import Eligibility, attempt_view, list_my_exams
from server.exams.definitions import (
    DEFAULT_RULES,
    PassMarks,
    Rules,
    SpecialtyReadiness,
    pass_marks,
    readiness,
    rules_for,
    save_definition,
    set_pass_marks,
)
from server.exams.errors import ExamNotAvailable
from server.exams.events import AttemptInvalidated, AttemptScored
from server.exams.models import ExamKind
from server.exams.schemas import AttemptOut, MyExamListOut, StartAttemptIn
from server.exams.starting import fixed_specialty, start_attempt

EXAM_KINDS = tuple(k.value for k in ExamKind)

__all__ = [
    "EXAM_KINDS",
    "AttemptOut",
    "MyExamListOut",
    "StartAttemptIn",
    "errors",
    "AttemptInvalidated",
    "AttemptScored",
    "Eligibility",
    "ExamNotAvailable",
    "DEFAULT_RULES",
    "PassMarks",
    "Rules",
    "rules_for",
    "save_definition",
    "attempt_view",
    "list_my_exams",
    "pass_marks",
    "readiness",
    "SpecialtyReadiness",
    "set_pass_marks",
    "fixed_specialty",
    "start_attempt",
]
