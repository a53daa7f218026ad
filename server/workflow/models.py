"""Review engine tables: one row per reviewed thing and its history of actions."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.common.fields import created_at, updated_at


class ReviewStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


class ActionKind(StrEnum):
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REJECT = "reject"
    RETURN = "return"


DECISIONS = (ActionKind.APPROVE, ActionKind.REJECT, ActionKind.RETURN)


class ReviewItem(Model):
    """A reviewed thing: what it is, whose it is, where it belongs and how far its chain has come."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=64, db_index=True)
    subject_type = fields.CharField(max_length=64)
    subject_id = fields.CharField(max_length=64)
    # The applicant's account (a foreign key into accounts; read through accounts' face, never joined)
    applicant: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="review_items", on_delete=fields.RESTRICT
    )
    # Scope: institution steps match institution_id, region steps match region_code (county, GB/T 2260)
    institution_id = fields.BigIntField(null=True, db_index=True)
    region_code = fields.CharField(max_length=12, null=True, db_index=True)
    payload: dict[str, Any] = fields.JSONField(default=dict)
    attachments: list[Any] = fields.JSONField(default=list)
    status = fields.CharEnumField(ReviewStatus, max_length=16, default=ReviewStatus.PENDING, db_index=True)
    current_step = fields.IntField(default=0)
    # Bumped by every state change, so a conditional update can tell a stale read from a fresh one
    version = fields.IntField(default=1)
    submitted_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "review_item"
        indexes = (("status", "kind", "current_step"),)


class ReviewAction(Model):
    """One entry in an item's history (submit, resubmit, withdraw, approve, reject, return)."""

    id = fields.BigIntField(primary_key=True)
    item: fields.ForeignKeyRelation[ReviewItem] = fields.ForeignKeyField(
        "workflow.ReviewItem", related_name="actions", on_delete=fields.CASCADE
    )
    step = fields.IntField()
    actor: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="review_actions", null=True, on_delete=fields.SET_NULL
    )
    action = fields.CharEnumField(ActionKind, max_length=16)
    reason = fields.TextField(null=True)
    comment = fields.TextField(null=True)
    attachments: list[Any] = fields.JSONField(default=list)
    created_at = created_at()

    class Meta:
        table = "review_action"
        indexes = (("actor_id", "created_at"),)
