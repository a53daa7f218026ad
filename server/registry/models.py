"""Registry: qualifications, practice registrations, multi-site filings, physician accounts and applications."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.models import Model

from server.common.enums import Category, Level
from server.common.fields import created_at, updated_at


class RegistrationStatus(StrEnum):
    ACTIVE = "active"
    TRANSFERRED_OUT = "transferred_out"
    FILED = "filed"
    CANCELLED = "cancelled"


class Qualification(Model):
    """资格信息: earned by exam, never changed by the physician."""

    id = fields.BigIntField(primary_key=True)
    qualification_cert_no = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    id_type = fields.CharField(max_length=16, default="resident_id")
    id_number_enc = fields.TextField()
    id_number_index = fields.CharField(max_length=64, db_index=True)
    category = fields.CharEnumField(Category, max_length=16)
    level = fields.CharEnumField(Level, max_length=16)
    obtained_on = fields.DateField()
    obtained_by = fields.CharField(max_length=32, default="exam")
    education = fields.CharField(max_length=32, null=True)
    school = fields.CharField(max_length=128, null=True)
    major = fields.CharField(max_length=64, null=True)
    residency_training = fields.BooleanField(default=False)  # 住院医师规范化培训 in progress
    user: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="qualifications", null=True, on_delete=fields.SET_NULL
    )
    created_at = created_at()

    class Meta:
        table = "qualification"
        indexes = (("user_id",),)


class PracticeRegistration(Model):
    """执业信息: where and what the physician may practise."""

    id = fields.BigIntField(primary_key=True)
    practice_cert_no = fields.CharField(max_length=32, null=True, unique=True)
    qualification: fields.ForeignKeyRelation[Qualification] = fields.ForeignKeyField(
        "registry.Qualification", related_name="registrations", on_delete=fields.RESTRICT
    )
    user: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="registrations", null=True, on_delete=fields.SET_NULL
    )
    main_institution: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "directory.Institution", related_name="registrations", null=True, on_delete=fields.RESTRICT
    )
    department: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "directory.Department", related_name="registrations", null=True, on_delete=fields.SET_NULL
    )
    practice_region_code = fields.CharField(max_length=12)  # province for practitioners, county for assistants
    category = fields.CharEnumField(Category, max_length=16)
    level = fields.CharEnumField(Level, max_length=16)
    practice_scopes: list[str] = fields.JSONField(default=list)  # at most 3, e.g. ["内科专业"]
    status = fields.CharEnumField(RegistrationStatus, max_length=16, default=RegistrationStatus.ACTIVE, db_index=True)
    approval_authority = fields.CharField(max_length=128, null=True)
    approved_on = fields.DateField(null=True)
    title = fields.CharField(max_length=32, null=True)  # 任职资格
    education = fields.CharField(max_length=32, null=True)
    school = fields.CharField(max_length=128, null=True)
    major = fields.CharField(max_length=64, null=True)
    photo_key = fields.CharField(max_length=255, null=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "practice_registration"
        indexes = (("main_institution_id", "status"), ("qualification_id", "status"), ("user_id",))


class MultiSiteStatus(StrEnum):
    FILED = "filed"
    UNFILED = "unfiled"
    WITHDRAWN = "withdrawn"


class MultiSiteFiling(Model):
    """多执业机构备案: an extra institution a physician is filed at, besides the main one."""

    id = fields.BigIntField(primary_key=True)
    registration: fields.ForeignKeyRelation[PracticeRegistration] = fields.ForeignKeyField(
        "registry.PracticeRegistration", related_name="multi_site_filings", on_delete=fields.CASCADE
    )
    user: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="multi_site_filings", null=True, on_delete=fields.SET_NULL
    )
    institution: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "directory.Institution", related_name="multi_site_filings", on_delete=fields.RESTRICT
    )
    region_code = fields.CharField(max_length=12, db_index=True)
    status = fields.CharEnumField(MultiSiteStatus, max_length=16, default=MultiSiteStatus.FILED, db_index=True)
    filed_on = fields.DateField()
    ended_on = fields.DateField(null=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "multi_site_filing"
        indexes = (("institution_id", "status"), ("registration_id", "status"))


class AccountStatus(StrEnum):
    VERIFIED = "verified"  # real-name check passed, waiting for activation
    ACTIVE = "active"
    REVOKED = "revoked"


class ActivationMethod(StrEnum):
    CODE = "code"
    INSTITUTION = "institution"
    SELF = "self"


class PhysicianAccount(Model):
    """Links an app account to the registers: set by the real-name check, activated by one of three ways."""

    id = fields.BigIntField(primary_key=True)
    user: fields.OneToOneRelation[Model] = fields.OneToOneField(
        "accounts.User", related_name="physician_account", on_delete=fields.CASCADE
    )
    qualification: fields.ForeignKeyRelation[Qualification] = fields.ForeignKeyField(
        "registry.Qualification", related_name="accounts", on_delete=fields.CASCADE
    )
    registration: fields.ForeignKeyNullableRelation[PracticeRegistration] = fields.ForeignKeyField(
        "registry.PracticeRegistration", related_name="accounts", null=True, on_delete=fields.SET_NULL
    )
    status = fields.CharEnumField(AccountStatus, max_length=16, default=AccountStatus.VERIFIED, db_index=True)
    activated_via = fields.CharEnumField(ActivationMethod, max_length=16, null=True)
    activated_at = fields.DatetimeField(null=True)
    activated_by_id = fields.BigIntField(null=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "physician_account"
        indexes = (("qualification_id", "status"),)


class ActivationCode(Model):
    """A one-time activation code an institution generated, stored as an HMAC only."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="activation_codes", on_delete=fields.CASCADE
    )
    registration: fields.ForeignKeyRelation[PracticeRegistration] = fields.ForeignKeyField(
        "registry.PracticeRegistration", related_name="activation_codes", on_delete=fields.CASCADE
    )
    institution: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "directory.Institution", related_name="activation_codes", on_delete=fields.CASCADE
    )
    code_hash = fields.CharField(max_length=64, db_index=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    failed_tries = fields.IntField(default=0)
    created_by_id = fields.BigIntField(null=True)
    created_at = created_at()

    class Meta:
        table = "activation_code"
        indexes = (("user_id", "used_at"),)


class InfoChangeKind(StrEnum):
    INFO = "info"
    PHOTO = "photo"


class InfoChangeRequest(Model):
    """信息修改申请: education, school, major, title or a new ID photo, reviewed by the institution."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="info_change_requests", on_delete=fields.CASCADE
    )
    registration: fields.ForeignKeyRelation[PracticeRegistration] = fields.ForeignKeyField(
        "registry.PracticeRegistration", related_name="info_change_requests", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(InfoChangeKind, max_length=16)
    changes: dict[str, str] = fields.JSONField(default=dict)
    photo_key = fields.CharField(max_length=255, null=True)
    review_item_id = fields.BigIntField(null=True, db_index=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "info_change_request"
        indexes = (("user_id", "kind"),)


class BusinessApplication(Model):
    """业务申请 (nine kinds by physicians) and institution-initiated filing or cancellation."""

    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=32, db_index=True)
    # The physician concerned (may have no account yet when an institution files for them)
    user: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="business_applications", null=True, on_delete=fields.CASCADE
    )
    initiator: fields.ForeignKeyRelation[Model] = fields.ForeignKeyField(
        "accounts.User", related_name="initiated_applications", on_delete=fields.CASCADE
    )
    registration: fields.ForeignKeyNullableRelation[PracticeRegistration] = fields.ForeignKeyField(
        "registry.PracticeRegistration", related_name="applications", null=True, on_delete=fields.SET_NULL
    )
    institution: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "directory.Institution", related_name="applications", null=True, on_delete=fields.SET_NULL
    )
    region_code = fields.CharField(max_length=12, null=True)
    data: dict[str, Any] = fields.JSONField(default=dict)
    attachments: list[dict[str, Any]] = fields.JSONField(default=list)
    review_item_id = fields.BigIntField(null=True, db_index=True)
    submitted_at = fields.DatetimeField(null=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "business_application"
        indexes = (("user_id", "kind"), ("institution_id", "kind"), ("registration_id",))
