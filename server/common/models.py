"""The tables of core, which every part writes through core's own functions.

- ``AuditEntry``: the audit trail (``server.common.audit``).
- ``OutboxEvent``: messages to users, written in the transaction of the change they report
  (``server.common.outbox.emit``); the notifications part delivers them.
- ``Affiliation``: the one answer to "which institution and region does this physician belong to"
  (``server.common.scope``); the registry keeps it current.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.common.fields import created_at, updated_at


class AuditEntry(Model):
    """A security-relevant event: log-ins, failures, lock-outs, password and phone changes, sessions ended."""

    id = fields.BigIntField(primary_key=True)
    action = fields.CharField(max_length=64, db_index=True)
    # Not a foreign key: the trail outlives the accounts it mentions
    actor_id = fields.BigIntField(null=True, db_index=True)
    subject_type = fields.CharField(max_length=32, null=True)
    subject_id = fields.CharField(max_length=64, null=True)
    ip = fields.CharField(max_length=64, null=True)
    details: fields.Field[dict[str, Any] | None] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_entry"


class OutboxEvent(Model):
    """A message to deliver to one user, written in the same transaction as the change it reports."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=64, db_index=True)
    user_id = fields.BigIntField(db_index=True)
    payload: dict[str, Any] = fields.JSONField(default=dict)
    dedupe_key = fields.CharField(max_length=128, null=True, unique=True)
    attempts = fields.IntField(default=0)
    # Set when every delivery of the event has reached a final state (sent, skipped or dead)
    delivered_at = fields.DatetimeField(null=True, db_index=True)
    # Set when the worker has written the event's deliveries (one per channel)
    dispatched_at = fields.DatetimeField(null=True, db_index=True)
    created_at = created_at()

    class Meta:
        table = "outbox_event"


class Affiliation(Model):
    """Where a physician belongs for every scope decision: main institution, its county and its province.

    Kept by the registry (activation, approved changes, filing and cancellation); for a physician known only to the
    assessment (bound with an office's credential before activation) the assessment records the issuing
    institution until the registry has its own answer. ``source`` says which.
    """

    user_id = fields.BigIntField(primary_key=True, generated=False)
    institution_id = fields.BigIntField(null=True, db_index=True)
    region_code = fields.CharField(max_length=12, db_index=True)
    province_code = fields.CharField(max_length=12, db_index=True)
    source = fields.CharField(max_length=16)
    updated_at = updated_at()

    class Meta:
        table = "affiliation"
