"""Proctoring: consent to face processing, stored face images, captures, proctored attempts, snapshots and flags."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.common.fields import created_at


class ImageKind(StrEnum):
    CAPTURE = "capture"
    SNAPSHOT = "snapshot"


class FlagReason(StrEnum):
    FACE_MISSING = "face_missing"
    FACE_MULTIPLE = "face_multiple"
    SNAPSHOT_MISSED = "snapshot_missed"


class FlagStatus(StrEnum):
    OPEN = "open"
    CLEARED = "cleared"
    INVALIDATED = "invalidated"


class FaceConsent(Model):
    """A person's consent to the processing of their face image, for one version of the consent text."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="face_consents", on_delete=fields.CASCADE
    )
    version = fields.CharField(max_length=32)
    accepted_at = fields.DatetimeField()
    ip = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "face_consent"
        unique_together = (("user", "version"),)


class FaceImage(Model):
    """One stored face image (encrypted file). public_id is the opaque id clients use, never the row id."""

    id = fields.BigIntField(primary_key=True)
    public_id = fields.CharField(max_length=48, unique=True)
    user: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="face_images", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(ImageKind, max_length=16)
    storage_key = fields.CharField(max_length=128)
    content_type = fields.CharField(max_length=32)
    size_bytes = fields.IntField()
    # Scope of the assessment office that may see it (copied at capture time)
    institution_id = fields.BigIntField(null=True, db_index=True)
    region_code = fields.CharField(max_length=12, null=True, db_index=True)
    # The result date of the cycle the image belongs to, when known: retention counts from it
    result_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)
    deleted_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "face_image"


class FaceCapture(Model):
    """An accepted pre-exam face capture. capture_id is a random token, claimed by at most one exam attempt."""

    id = fields.BigIntField(primary_key=True)
    capture_id = fields.CharField(max_length=48, unique=True)
    user: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="face_captures", on_delete=fields.CASCADE
    )
    image: fields.ForeignKeyRelation[FaceImage] = fields.ForeignKeyField(
        "proctoring.FaceImage", related_name="captures", on_delete=fields.CASCADE
    )
    exam_kind = fields.CharField(max_length=16)
    accepted = fields.BooleanField(default=True)
    measurements: dict[str, Any] = fields.JSONField(default=dict)
    institution_id = fields.BigIntField(null=True, db_index=True)
    region_code = fields.CharField(max_length=12, null=True, db_index=True)
    attempt_ref = fields.CharField(max_length=64, null=True, unique=True)
    claimed_at = fields.DatetimeField(null=True)
    # The client's Idempotency-Key: a retried upload gets the first answer instead of a second capture
    client_key = fields.CharField(max_length=64, null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "face_capture"
        unique_together = (("user", "client_key"),)


class ProctoredAttempt(Model):
    """An exam attempt started with a claimed capture, with its random snapshot schedule."""

    id = fields.BigIntField(primary_key=True)
    attempt_ref = fields.CharField(max_length=64, unique=True)
    user: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="proctored_attempts", on_delete=fields.CASCADE
    )
    capture: fields.OneToOneRelation[FaceCapture] = fields.OneToOneField(
        "proctoring.FaceCapture", related_name="attempt", on_delete=fields.CASCADE
    )
    exam_kind = fields.CharField(max_length=16)
    # Seconds after started_at at which the client takes a snapshot, random per attempt
    snapshot_offsets: list[int] = fields.JSONField(default=list)
    institution_id = fields.BigIntField(null=True, db_index=True)
    region_code = fields.CharField(max_length=12, null=True, db_index=True)
    started_at = fields.DatetimeField()
    closed_at = fields.DatetimeField(null=True)
    created_at = created_at()

    class Meta:
        table = "proctored_attempt"


class Snapshot(Model):
    """One snapshot taken during an attempt, and what the check found on it."""

    id = fields.BigIntField(primary_key=True)
    attempt: fields.ForeignKeyRelation[ProctoredAttempt] = fields.ForeignKeyField(
        "proctoring.ProctoredAttempt", related_name="snapshots", on_delete=fields.CASCADE
    )
    # Index into the attempt's snapshot_offsets this snapshot answers, or null for an extra one
    slot = fields.IntField(null=True)
    outcome = fields.CharField(max_length=32)  # ok, or the refusal code
    measurements: dict[str, Any] = fields.JSONField(default=dict)
    image: fields.ForeignKeyNullableRelation[FaceImage] = fields.ForeignKeyField(
        "proctoring.FaceImage", related_name="snapshots", null=True, on_delete=fields.SET_NULL
    )
    client_key = fields.CharField(max_length=64, null=True)  # the client's Idempotency-Key
    created_at = created_at()

    class Meta:
        table = "proctor_snapshot"
        unique_together = (("attempt", "slot"), ("attempt", "client_key"))


class ProctorFlag(Model):
    """Something the assessment office must look at in an attempt, and its decision."""

    id = fields.BigIntField(primary_key=True)
    attempt: fields.ForeignKeyRelation[ProctoredAttempt] = fields.ForeignKeyField(
        "proctoring.ProctoredAttempt", related_name="flags", on_delete=fields.CASCADE
    )
    reason = fields.CharEnumField(FlagReason, max_length=24)
    snapshot: fields.ForeignKeyNullableRelation[Snapshot] = fields.ForeignKeyField(
        "proctoring.Snapshot", related_name="flags", null=True, on_delete=fields.SET_NULL
    )
    slot = fields.IntField(null=True)
    status = fields.CharEnumField(FlagStatus, max_length=16, default=FlagStatus.OPEN, db_index=True)
    institution_id = fields.BigIntField(null=True, db_index=True)
    region_code = fields.CharField(max_length=12, null=True, db_index=True)
    decided_by_id = fields.BigIntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decision_reason = fields.CharField(max_length=500, null=True)
    created_at = created_at()

    class Meta:
        table = "proctor_flag"
