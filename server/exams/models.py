"""Exams: the question bank, exam definitions per cycle and province, attempts, their papers and answers."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.common.fields import created_at, updated_at


class ExamKind(StrEnum):
    HUMANITIES = "humanities"
    PROFESSIONAL = "professional"


class Section(StrEnum):
    LAW = "law"
    HUMANITIES = "humanities"
    PROFESSIONAL = "professional"
    # A question pool, never a paper section: practice shows its answers, so no paper may hold one of its questions
    PRACTICE = "practice"


PAPER_SECTIONS = (Section.LAW, Section.HUMANITIES, Section.PROFESSIONAL)


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"


class AttemptStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    SCORED = "scored"
    INVALIDATED = "invalidated"  # the office voided it (成绩作废): no score, counts as a failed sitting


class EndReason(StrEnum):
    SUBMITTED = "submitted"
    DEADLINE = "deadline"
    LAW_GATE = "law_gate"


class Question(Model):
    """One bank question. options is a list of texts, answer the 0-based indexes of the right ones."""

    id = fields.BigIntField(primary_key=True)
    ref = fields.CharField(max_length=64, unique=True)
    section = fields.CharEnumField(Section, max_length=16, db_index=True)
    specialty = fields.CharField(max_length=64, null=True)
    type = fields.CharEnumField(QuestionType, max_length=16)
    stem = fields.TextField()
    options: list[str] = fields.JSONField(default=list)
    answer: list[int] = fields.JSONField(default=list)
    explanation = fields.TextField(default="")
    difficulty = fields.SmallIntField(default=1)
    is_active = fields.BooleanField(default=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "exam_question"


class ExamDefinition(Model):
    """The rules of one exam in one cycle and province, set by the assessment office.

    sections is an ordered list of objects with section, specialty, counts per question type and pass_mark.
    """

    id = fields.BigIntField(primary_key=True)
    cycle_id = fields.BigIntField()
    province_code = fields.CharField(max_length=12)
    exam_kind = fields.CharEnumField(ExamKind, max_length=16)
    title = fields.CharField(max_length=64)
    duration_s = fields.IntField()
    sections: list[dict[str, Any]] = fields.JSONField(default=list)
    attempts_allowed = fields.SmallIntField(default=1)
    make_up_allowed = fields.BooleanField(default=True)
    updated_by = fields.BigIntField(null=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "exam_definition"
        unique_together = (("cycle_id", "province_code", "exam_kind"),)


class Attempt(Model):
    """One candidate's sitting of one exam, with the rules it was drawn under copied in."""

    id = fields.BigIntField(primary_key=True)
    ref = fields.CharField(max_length=32, unique=True)
    user_id = fields.BigIntField(db_index=True)
    exam_kind = fields.CharEnumField(ExamKind, max_length=16)
    cycle_id = fields.BigIntField(null=True)
    assessment_id = fields.BigIntField(null=True)
    province_code = fields.CharField(max_length=12, default="")
    definition_id = fields.BigIntField(null=True)
    title = fields.CharField(max_length=64)
    rules: dict[str, Any] = fields.JSONField(default=dict)
    is_make_up = fields.BooleanField(default=False)
    device_id = fields.CharField(max_length=128)
    # The log-in session (token sid) the attempt belongs to: only it may answer; another session of the same device
    # continues through an explicit takeover that ends this one ("" for attempts started before the rule)
    session_id = fields.CharField(max_length=64, default="")
    takeovers: list[dict[str, Any]] = fields.JSONField(default=list)  # each: at, device_id (for the office)
    capture_id = fields.CharField(max_length=128, default="")
    status = fields.CharEnumField(AttemptStatus, max_length=16, default=AttemptStatus.IN_PROGRESS)
    current_section = fields.CharField(max_length=16, null=True)
    started_at = fields.DatetimeField()
    deadline_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    end_reason = fields.CharField(max_length=16, null=True)
    section_scores: dict[str, Any] = fields.JSONField(default=dict)
    score = fields.FloatField(null=True)
    passed = fields.BooleanField(null=True)
    # 报考专业: the specialty whose pool the professional section was drawn from (fixed once the attempt starts)
    specialty = fields.CharField(max_length=64, null=True)
    invalidation_reason = fields.CharField(max_length=200, null=True)
    created_at = created_at()

    class Meta:
        table = "exam_attempt"
        indexes = (("user_id", "exam_kind", "cycle_id"),)


class AttemptQuestion(Model):
    """A question on one paper: its opaque per-attempt ref and its options in shuffled order.

    options is a list of objects with the per-attempt option id and the bank index it stands for.
    """

    id = fields.BigIntField(primary_key=True)
    attempt: fields.ForeignKeyRelation[Attempt] = fields.ForeignKeyField(
        "exams.Attempt", related_name="questions", on_delete=fields.CASCADE
    )
    ref = fields.CharField(max_length=32)
    position = fields.IntField()
    section = fields.CharField(max_length=16)
    question: fields.ForeignKeyRelation[Question] = fields.ForeignKeyField(
        "exams.Question", related_name="papers", on_delete=fields.RESTRICT
    )
    options: list[dict[str, Any]] = fields.JSONField(default=list)

    class Meta:
        table = "exam_attempt_question"
        unique_together = (("attempt", "ref"),)


class Answer(Model):
    """The latest acknowledged answer to one question of one attempt (written by raw upserts, see answers.py).

    option_ids is a JSON text list of per-attempt option ids. seq orders the client's saves. The attempt link has
    no database constraint on purpose: the upsert joins the attempt row (locked FOR SHARE) anyway, and a foreign
    key check per row would double the database work of the hottest statement.
    """

    id = fields.BigIntField(primary_key=True)
    attempt: fields.ForeignKeyRelation[Attempt] = fields.ForeignKeyField(
        "exams.Attempt", related_name="answers", on_delete=fields.CASCADE, db_constraint=False
    )
    question_ref = fields.CharField(max_length=32)
    option_ids = fields.TextField()
    seq = fields.BigIntField()
    saved_at = fields.DatetimeField()

    class Meta:
        table = "exam_answer"
        unique_together = (("attempt", "question_ref"),)
