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
    REFERENCE = "reference"  # a copy of the ID photo a capture did not match, kept beside it for the office


class FlagReason(StrEnum):
    FACE_MISSING = "face_missing"
    FACE_MULTIPLE = "face_multiple"
    SNAPSHOT_MISSED = "snapshot_missed"
    FACE_MISMATCH = "face_mismatch"  # the capture did not match the ID photo, or a snapshot did not match the capture
    IDENTITY_UNVERIFIED = "identity_unverified"  # started with neither a comparison nor a confirmed identity


class MatchStatus(StrEnum):
    """What the comparison of a capture with the approved ID photo found."""

    MATCH = "match"
    MISMATCH = "mismatch"
    NO_REFERENCE = "no_reference"  # no approved ID photo: told how to get one, never blocked
    REFERENCE_UNUSABLE = "reference_unusable"  # the ID photo shows no single face the model can read
    NOT_COMPARED = "not_compared"  # the physician did not consent to the comparison


class IdentityVia(StrEnum):
    """How the identity of the person who started an attempt was established."""

    FACE_MATCH = "face_match"
    FACE_MISMATCH = "face_mismatch"  # started anyway (assistive, not a trap): flagged for the office
    NO_REFERENCE = "no_reference"
    NOT_COMPARED = "not_compared"  # flagged for the office
    IDENTITY_CONFIRMED = "identity_confirmed"  # the non-face way: confirmed by the office in person or by video


class IdentityCheckStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


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


class FaceCompareConsent(Model):
    """A person's separate decision on the comparison of their face with their ID photo (accepted or declined)."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="face_compare_consents", on_delete=fields.CASCADE
    )
    version = fields.CharField(max_length=32)
    accepted = fields.BooleanField()
    decided_at = fields.DatetimeField()
    ip = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "face_compare_consent"
        unique_together = (("user", "version"),)


class FaceReference(Model):
    """The physician's approved ID photo as the comparison's reference: a pointer to the registry's stored file,
    set by the registry when it approves a photo. Its embedding is computed at the first comparison and kept only
    while this photo is the reference (a new approved photo clears it)."""

    id = fields.BigIntField(primary_key=True)
    user: fields.OneToOneRelation[Model] = fields.OneToOneField(
        "accounts.User", related_name="face_reference", on_delete=fields.CASCADE
    )
    storage_key = fields.CharField(max_length=255)
    approved_at = fields.DatetimeField()
    embedding: list[float] | None = fields.JSONField(null=True)
    unusable = fields.BooleanField(default=False)  # the model finds no single face in it

    class Meta:
        table = "face_reference"


class IdentityCheck(Model):
    """A request to have one's identity confirmed without face comparison (in person or by video call), reviewed by
    the assessment office through the review engine; once approved it lets exams start without the comparison."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="identity_checks", on_delete=fields.CASCADE
    )
    reason = fields.CharField(max_length=24)
    note = fields.CharField(max_length=500, default="")
    status = fields.CharEnumField(IdentityCheckStatus, max_length=16, default=IdentityCheckStatus.PENDING)
    review_item_id = fields.BigIntField(null=True)
    institution_id = fields.BigIntField(null=True, db_index=True)
    region_code = fields.CharField(max_length=12, null=True, db_index=True)
    decided_at = fields.DatetimeField(null=True)
    valid_until = fields.DatetimeField(null=True)
    created_at = created_at()

    class Meta:
        table = "identity_check"


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
    # The comparison with the ID photo; the embedding is kept only as long as the image (snapshots are compared
    # with it) and is cleared with it by the retention sweep
    match_status = fields.CharEnumField(MatchStatus, max_length=20, null=True)
    match_distance = fields.FloatField(null=True)
    embedding: list[float] | None = fields.JSONField(null=True)
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
    # None when the exam started the non-face way (identity confirmed by the office)
    capture: fields.OneToOneNullableRelation[FaceCapture] = fields.OneToOneField(
        "proctoring.FaceCapture", related_name="attempt", on_delete=fields.CASCADE, null=True
    )
    identity_via = fields.CharEnumField(IdentityVia, max_length=24, default=IdentityVia.NOT_COMPARED)
    identity_check_id = fields.BigIntField(null=True)
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
    distance = fields.FloatField(null=True)  # face_mismatch: the embedding distance that raised it
    # face_mismatch at the start: the copy of the ID photo the capture was compared with
    reference_image: fields.ForeignKeyNullableRelation[FaceImage] = fields.ForeignKeyField(
        "proctoring.FaceImage", related_name="reference_flags", null=True, on_delete=fields.SET_NULL
    )
    status = fields.CharEnumField(FlagStatus, max_length=16, default=FlagStatus.OPEN, db_index=True)
    institution_id = fields.BigIntField(null=True, db_index=True)
    region_code = fields.CharField(max_length=12, null=True, db_index=True)
    decided_by_id = fields.BigIntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decision_reason = fields.CharField(max_length=500, null=True)
    created_at = created_at()

    class Meta:
        table = "proctor_flag"
