"""Notifications: the outbox that other parts write in their own transactions and the worker delivers."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.common.models import created_at


class OutboxEvent(Model):
    """A message to deliver to one user, written in the same transaction as the change it reports."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=64, db_index=True)
    user_id = fields.BigIntField(db_index=True)
    payload: dict[str, Any] = fields.JSONField(default=dict)
    dedupe_key = fields.CharField(max_length=128, null=True, unique=True)
    attempts = fields.IntField(default=0)
    delivered_at = fields.DatetimeField(null=True, db_index=True)
    created_at = created_at()

    class Meta:
        table = "outbox_event"
