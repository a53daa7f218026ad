"""Notifications: the outbox other parts write in their own transactions, and what the worker makes of it.

OutboxEvent (one per thing that happened to a user) is dispatched by the worker into one Delivery per channel
(inbox, wechat, push, sms). The inbox delivery is final at dispatch (an InboxMessage row in the same transaction),
the provider deliveries go through pending, in_flight, sent, skipped, failed (retry scheduled) and dead.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.common.fields import created_at, updated_at
from server.common.models import OutboxEvent


class Channel(StrEnum):
    INBOX = "inbox"
    WECHAT = "wechat"
    PUSH = "push"
    SMS = "sms"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its first try
    IN_FLIGHT = "in_flight"  # committed just before the provider call, until its answer is recorded
    SENT = "sent"  # the provider accepted it (or the inbox row exists)
    SKIPPED = "skipped"  # nothing to send to: no device, binding or subscription left, or WeChat 43101
    FAILED = "failed"  # a try failed, the next one is due at next_attempt_at
    DEAD = "dead"  # given up: configuration error, refusal, last try failed, or outcome unknown after a crash


FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.DEAD)


class Delivery(Model):
    """One event on one channel. The idempotency key (event id and channel) is unique, so no retry or second
    worker can create a second delivery, and a provider is called only after the row is marked in_flight."""

    id = fields.BigIntField(primary_key=True)
    event: fields.ForeignKeyRelation[OutboxEvent] = fields.ForeignKeyField(
        "core.OutboxEvent", related_name="deliveries", on_delete=fields.CASCADE, db_index=True
    )
    user_id = fields.BigIntField(db_index=True)
    kind = fields.CharField(max_length=64)
    channel = fields.CharEnumField(Channel, max_length=16)
    idempotency_key = fields.CharField(max_length=64, unique=True)
    status = fields.CharEnumField(DeliveryStatus, max_length=16, default=DeliveryStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(db_index=True)
    leased_until = fields.DatetimeField(null=True)
    lease_owner = fields.CharField(max_length=32, null=True)
    last_error = fields.CharField(max_length=500, null=True)
    error_code = fields.CharField(max_length=64, null=True)
    provider_message_id = fields.CharField(max_length=128, null=True)
    sent_at = fields.DatetimeField(null=True)
    dead_at = fields.DatetimeField(null=True, db_index=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "notification_delivery"
        indexes = (("status", "next_attempt_at"),)


class InboxMessage(Model):
    """An in-app message. One per event at most (unique event), soft-deleted by its owner."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField()
    event_id = fields.BigIntField(unique=True)
    kind = fields.CharField(max_length=64)
    title = fields.CharField(max_length=100)
    body = fields.TextField()
    link = fields.CharField(max_length=255, null=True)
    data: dict[str, Any] = fields.JSONField(default=dict)
    read_at = fields.DatetimeField(null=True)
    deleted_at = fields.DatetimeField(null=True)
    created_at = created_at()

    class Meta:
        table = "inbox_message"
        indexes = (("user_id", "deleted_at", "read_at"),)


class NotificationPreference(Model):
    """A user's choice for one event kind on one channel (absent means the channel's default)."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField(db_index=True)
    kind = fields.CharField(max_length=64)
    channel = fields.CharEnumField(Channel, max_length=16)
    enabled = fields.BooleanField()
    updated_at = updated_at()

    class Meta:
        table = "notification_preference"
        unique_together = (("user_id", "kind", "channel"),)


class PushDevice(Model):
    """An app installation (Aliyun push device id) registered by a user in one log-in session."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField(db_index=True)
    device_id = fields.CharField(max_length=64, unique=True)
    platform = fields.CharField(max_length=16)
    session_id = fields.CharField(max_length=64, db_index=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "push_device"


class WechatSubscription(Model):
    """How many subscribe messages of one template a user has accepted and not yet been sent."""

    id = fields.BigIntField(primary_key=True)
    user_id = fields.BigIntField()
    template_id = fields.CharField(max_length=128)
    remaining = fields.IntField(default=0)
    updated_at = updated_at()

    class Meta:
        table = "wechat_subscription"
        unique_together = (("user_id", "template_id"),)
