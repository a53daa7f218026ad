"""Accounts: users and their roles. Personal data is stored encrypted with a keyed blind index for look-up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

from server.common.models import Role, created_at, updated_at

if TYPE_CHECKING:
    from server.registry.models import Institution


class User(Model):
    id = fields.BigIntField(primary_key=True)
    phone = fields.CharField(max_length=20, null=True, unique=True)
    username = fields.CharField(max_length=32, null=True, unique=True)
    email = fields.CharField(max_length=254, null=True)
    password_hash = fields.CharField(max_length=255, null=True)
    must_change_password = fields.BooleanField(default=False)
    role = fields.CharEnumField(Role, max_length=32, default=Role.PHYSICIAN, db_index=True)
    # Reviewer scope: an institution reviewer acts for one institution, an office or commission reviewer for a region
    # (province or county code, GB/T 2260) and everything below it.
    institution: fields.ForeignKeyNullableRelation[Institution] = fields.ForeignKeyField(
        "registry.Institution", related_name="staff", null=True, on_delete=fields.RESTRICT
    )
    region_code = fields.CharField(max_length=12, null=True, db_index=True)
    real_name = fields.CharField(max_length=64, null=True)
    id_type = fields.CharField(max_length=16, null=True)
    id_number_enc = fields.TextField(null=True)
    id_number_index = fields.CharField(max_length=64, null=True, db_index=True)
    is_active = fields.BooleanField(default=True)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "user"

    def __str__(self) -> str:
        return f"User({self.id}, {self.role})"
