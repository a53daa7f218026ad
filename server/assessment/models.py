"""Assessment: cycles and windows, assessment accounts, one assessment per cycle, proofs and rules."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.common.fields import created_at, updated_at


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
    """One window of a cycle for one region: the province's (set by the provincial office), or a city's or
    county's own, narrower one inside it (set by that office). A physician's window is the nearest one above them."""

    id = fields.BigIntField(primary_key=True)
    cycle: fields.ForeignKeyRelation[Cycle] = fields.ForeignKeyField(
        "assessment.Cycle", related_name="windows", on_delete=fields.CASCADE
    )
    province_code = fields.CharField(max_length=12)
    region_code = fields.CharField(max_length=12, default="", db_default="")
    kind = fields.CharEnumField(WindowKind, max_length=24)
    opens_at = fields.DatetimeField()
    closes_at = fields.DatetimeField()
    set_by_id = fields.BigIntField(null=True)

    class Meta:
        table = "cycle_window"
        unique_together = (("cycle", "region_code", "kind"),)

    async def save(self, *args: Any, **kwargs: Any) -> None:
        # A window created with only its province (the demo data, older callers) is that province's window
        if not self.region_code:
            self.region_code = self.province_code
        await super().save(*args, **kwargs)


class AssessmentAccount(Model):
    """定考账号: the assessment record of one person in one province, bound to at most one app account.

    The initial credential is random, hashed with argon2id, single use and expiring.
    """

    id = fields.BigIntField(primary_key=True)
    province_code = fields.CharField(max_length=12, db_index=True)
    name = fields.CharField(max_length=64)
    # What kind of document id_number is (the registry's ID types: resident_id, passport, military_id, …)
    document_type = fields.CharField(max_length=24, default="resident_id")
    id_number_enc = fields.TextField()
    id_number_index = fields.CharField(max_length=64, db_index=True)
    institution: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "directory.Institution", related_name="assessment_accounts", on_delete=fields.RESTRICT
    )
    region_code = fields.CharField(max_length=12, db_index=True)
    user: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="assessment_accounts", null=True, on_delete=fields.SET_NULL
    )
    bound_at = fields.DatetimeField(null=True)
    is_hidden = fields.BooleanField(default=False)
    credential_hash = fields.CharField(max_length=255, null=True)
    credential_expires_at = fields.DatetimeField(null=True)
    credential_used_at = fields.DatetimeField(null=True)
    credential_issued_by_id = fields.BigIntField(null=True)
    notice_version = fields.CharField(max_length=16, null=True)
    notice_accepted_at = fields.DatetimeField(null=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "assessment_account"
        unique_together = (("province_code", "id_number_index"),)


class Procedure(StrEnum):
    SIMPLIFIED = "simplified"
    GENERAL = "general"


class AssessmentStatus(StrEnum):
    DRAFT = "draft"
    ENROLMENT_SUBMITTED = "enrolment_submitted"
    ENROLMENT_RETURNED = "enrolment_returned"
    ENROLMENT_REJECTED = "enrolment_rejected"
    ENROLLED = "enrolled"
    PROCEDURE_CHOSEN = "procedure_chosen"
    SELF_EVALUATION_SUBMITTED = "self_evaluation_submitted"
    SELF_EVALUATION_RETURNED = "self_evaluation_returned"
    SELF_EVALUATED = "self_evaluated"
    PASSED = "passed"
    FAILED = "failed"


class ExemptionStatus(StrEnum):
    NONE = "none"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"


class Assessment(Model):
    """One physician's assessment in one cycle."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[AssessmentAccount] = fields.ForeignKeyField(
        "assessment.AssessmentAccount", related_name="assessments", on_delete=fields.CASCADE
    )
    cycle: fields.ForeignKeyRelation[Cycle] = fields.ForeignKeyField(
        "assessment.Cycle", related_name="assessments", on_delete=fields.RESTRICT
    )
    user_id = fields.BigIntField(db_index=True)
    institution_id = fields.BigIntField(db_index=True)
    region_code = fields.CharField(max_length=12, db_index=True)
    status = fields.CharEnumField(AssessmentStatus, max_length=32, default=AssessmentStatus.DRAFT, db_index=True)
    enrolment: dict[str, Any] = fields.JSONField(default=dict)
    specialty = fields.CharField(max_length=64, null=True)
    procedure = fields.CharEnumField(Procedure, max_length=16, null=True)
    simplified_conditions: list[str] = fields.JSONField(default=list)
    procedure_proof_ids: list[int] = fields.JSONField(default=list)
    self_evaluation: dict[str, Any] = fields.JSONField(default=dict)
    exemption_status = fields.CharEnumField(ExemptionStatus, max_length=16, default=ExemptionStatus.NONE)
    exemption_reason = fields.CharField(max_length=32, null=True)
    professional_score = fields.FloatField(null=True)
    professional_passed = fields.BooleanField(null=True)
    professional_make_up_used = fields.BooleanField(default=False)
    humanities_score = fields.FloatField(null=True)
    humanities_passed = fields.BooleanField(null=True)
    # Every exam result recorded, by attempt_ref, so a repeated report of one attempt changes nothing
    exam_records: list[dict[str, Any]] = fields.JSONField(default=list)
    result_decided_at = fields.DatetimeField(null=True)
    verification_code = fields.CharField(max_length=24, null=True, unique=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "assessment"
        unique_together = (("account", "cycle"),)


class Proof(Model):
    """An uploaded proof document, stored under a server-generated key."""

    id = fields.BigIntField(primary_key=True)
    owner_id = fields.BigIntField(db_index=True)
    assessment: fields.ForeignKeyRelation[Assessment] = fields.ForeignKeyField(
        "assessment.Assessment", related_name="proofs", on_delete=fields.CASCADE
    )
    storage_key = fields.CharField(max_length=128)
    kind = fields.CharField(max_length=8)
    filename = fields.CharField(max_length=128, default="")
    size = fields.IntField()
    created_at = created_at()

    class Meta:
        table = "assessment_proof"


class AppealStatus(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"
    DISMISSED = "dismissed"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class Appeal(Model):
    """成绩申诉: a physician questions one result, and the assessment office decides through the review engine."""

    id = fields.BigIntField(primary_key=True)
    assessment: fields.ForeignKeyRelation[Assessment] = fields.ForeignKeyField(
        "assessment.Assessment", related_name="appeals", on_delete=fields.CASCADE
    )
    user_id = fields.BigIntField(db_index=True)
    institution_id = fields.BigIntField(db_index=True)
    region_code = fields.CharField(max_length=12, db_index=True)
    reason = fields.TextField()
    status = fields.CharEnumField(AppealStatus, max_length=16, default=AppealStatus.PENDING, db_index=True)
    # The assessment's id while the appeal is pending, NULL once closed: the unique index lets the database, not a
    # read-then-write race, keep one open appeal per result
    open_for = fields.BigIntField(null=True, unique=True)
    review_item_id = fields.BigIntField(null=True, db_index=True)
    file_key = fields.CharField(max_length=128, null=True)
    file_kind = fields.CharField(max_length=8, null=True)
    file_name = fields.CharField(max_length=128, default="")
    file_size = fields.IntField(null=True)
    # The office's words: why it was dismissed or returned, or (upheld) what happens next
    decision_note = fields.TextField(null=True)
    decided_at = fields.DatetimeField(null=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "assessment_appeal"
