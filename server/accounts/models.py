"""Accounts: users and their roles. Personal data is stored encrypted with a keyed blind index for look-up."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from server.common.enums import Role
from server.common.fields import created_at, updated_at


class User(Model):
    id = fields.BigIntField(primary_key=True)
    phone = fields.CharField(max_length=20, null=True, unique=True)
    username = fields.CharField(max_length=32, null=True, unique=True)
    email = fields.CharField(max_length=254, null=True)  # the security e-mail, set only once verified
    email_verified_at = fields.DatetimeField(null=True)
    password_hash = fields.CharField(max_length=255, null=True)
    must_change_password = fields.BooleanField(default=False)
    # When an imported initial password was first used: it logs in once, then only a change or a reset helps
    initial_login_at = fields.DatetimeField(null=True)
    # Until when a staff account's one-time password (new account, reset) may log in; None: it does not expire
    one_time_password_expires_at = fields.DatetimeField(null=True)
    role = fields.CharEnumField(Role, max_length=32, default=Role.PHYSICIAN, db_index=True)
    # Reviewer scope: an institution reviewer acts for one institution, an office or commission reviewer for a region
    # (province or county code, GB/T 2260) and everything below it.
    institution: fields.ForeignKeyNullableRelation[Model] = fields.ForeignKeyField(
        "directory.Institution", related_name="staff", null=True, on_delete=fields.RESTRICT
    )
    region_code = fields.CharField(max_length=12, null=True, db_index=True)
    real_name = fields.CharField(max_length=64, null=True)
    id_type = fields.CharField(max_length=16, null=True)
    id_number_enc = fields.TextField(null=True)
    id_number_index = fields.CharField(max_length=64, null=True, db_index=True)
    # The physician's qualification certificate number, set with the identity at activation: a log-in identifier
    qualification_cert_no = fields.CharField(max_length=32, null=True, unique=True)
    is_active = fields.BooleanField(default=True)
    # The user agreement and privacy policy versions accepted at registration, and when
    agreement_version = fields.CharField(max_length=32, null=True)
    privacy_version = fields.CharField(max_length=32, null=True)
    agreement_accepted_at = fields.DatetimeField(null=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "user"

    def __str__(self) -> str:
        return f"User({self.id}, {self.role})"


class UserSession(Model):
    """One log-in on one device. The access token names it, Redis keeps it alive, this row lets users list it."""

    id = fields.CharField(max_length=32, primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="sessions", on_delete=fields.CASCADE
    )
    # HMAC of the current refresh token only (rotated on every refresh)
    refresh_hash = fields.CharField(max_length=64)
    user_agent = fields.CharField(max_length=255, default="")
    ip = fields.CharField(max_length=64, default="")
    created_at = created_at()
    last_used_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True, db_index=True)

    class Meta:
        table = "user_session"


class WechatBinding(Model):
    """A WeChat mini-program identity (openid, unionid when the app has one) bound to a user."""

    id = fields.BigIntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "accounts.User", related_name="wechat_bindings", on_delete=fields.CASCADE
    )
    openid = fields.CharField(max_length=64, unique=True)
    unionid = fields.CharField(max_length=64, null=True)
    created_at = created_at()

    class Meta:
        table = "wechat_binding"
