"""Assessment: three-year cycles and their per-province windows."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from server.common.models import created_at


class WindowKind(StrEnum):
    ENROLMENT = "enrolment"
    SELF_EVALUATION = "self_evaluation"
    EXAM = "exam"
    MAKE_UP = "make_up"


class Cycle(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=64)  # e.g. 2024—2026年度
    starts_on = fields.DateField()
    ends_on = fields.DateField()
    created_at = created_at()

    class Meta:
        table = "cycle"


class CycleWindow(Model):
    id = fields.BigIntField(primary_key=True)
    cycle: fields.ForeignKeyRelation[Cycle] = fields.ForeignKeyField(
        "assessment.Cycle", related_name="windows", on_delete=fields.CASCADE
    )
    province_code = fields.CharField(max_length=12)
    kind = fields.CharEnumField(WindowKind, max_length=24)
    opens_at = fields.DatetimeField()
    closes_at = fields.DatetimeField()

    class Meta:
        table = "cycle_window"
        unique_together = (("cycle", "province_code", "kind"),)
