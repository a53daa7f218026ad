"""Directory: regions (GB/T 2260), institutions and their departments."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model

from server.common.fields import created_at, updated_at


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class Region(Model):
    """Administrative division, GB/T 2260 code (province 110000, city 110100, county 110105)."""

    code = fields.CharField(max_length=12, primary_key=True)
    name = fields.CharField(max_length=64)
    level = fields.CharEnumField(RegionLevel, max_length=16)
    parent_code = fields.CharField(max_length=12, null=True, db_index=True)
    province_code = fields.CharField(max_length=12, db_index=True)

    class Meta:
        table = "region"


class Institution(Model):
    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)  # 登记号 / 统一社会信用代码
    name = fields.CharField(max_length=128)
    region_code = fields.CharField(max_length=12, db_index=True)  # county
    province_code = fields.CharField(max_length=12, db_index=True)
    # 审批机关 per physician category, e.g. {"clinical": "北京市东城区卫生健康委员会"}
    approval_authorities: dict[str, str] = fields.JSONField(default=dict)
    created_at = created_at()
    updated_at = updated_at()

    class Meta:
        table = "institution"


class Department(Model):
    id = fields.BigIntField(primary_key=True)
    institution: fields.ForeignKeyRelation[Institution] = fields.ForeignKeyField(
        "directory.Institution", related_name="departments", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    sort_order = fields.IntField(default=0)

    class Meta:
        table = "department"
        unique_together = (("institution", "name"),)
