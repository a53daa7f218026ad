import functools
from json import dumps, loads

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from server.common.migration_ops import StateOnly
from server.directory.models import RegionLevel

# Regions, institutions and departments move here from the registry (registry 0001) with their tables and rows.


class Migration(migrations.Migration):
    initial = True
    dependencies = [("registry", "0004_lookup_indexes")]

    operations = [
        StateOnly(
            ops.CreateModel(
                name="Institution",
                fields=[
                    ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                    ("code", fields.CharField(unique=True, max_length=32)),
                    ("name", fields.CharField(max_length=128)),
                    ("region_code", fields.CharField(db_index=True, max_length=12)),
                    ("province_code", fields.CharField(db_index=True, max_length=12)),
                    (
                        "approval_authorities",
                        fields.JSONField(
                            default=dict, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                        ),
                    ),
                    ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                    ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
                ],
                options={"table": "institution", "app": "directory", "pk_attr": "id"},
                bases=["Model"],
            )
        ),
        StateOnly(
            ops.CreateModel(
                name="Department",
                fields=[
                    ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                    (
                        "institution",
                        fields.ForeignKeyField(
                            "directory.Institution",
                            source_field="institution_id",
                            db_constraint=True,
                            to_field="id",
                            related_name="departments",
                            on_delete=OnDelete.CASCADE,
                        ),
                    ),
                    ("name", fields.CharField(max_length=64)),
                    ("sort_order", fields.IntField(default=0)),
                ],
                options={
                    "table": "department",
                    "app": "directory",
                    "unique_together": (("institution", "name"),),
                    "pk_attr": "id",
                },
                bases=["Model"],
            )
        ),
        StateOnly(
            ops.CreateModel(
                name="Region",
                fields=[
                    ("code", fields.CharField(primary_key=True, unique=True, db_index=True, max_length=12)),
                    ("name", fields.CharField(max_length=64)),
                    (
                        "level",
                        fields.CharEnumField(
                            description="PROVINCE: province\nCITY: city\nCOUNTY: county",
                            enum_type=RegionLevel,
                            max_length=16,
                        ),
                    ),
                    ("parent_code", fields.CharField(null=True, db_index=True, max_length=12)),
                    ("province_code", fields.CharField(db_index=True, max_length=12)),
                ],
                options={
                    "table": "region",
                    "app": "directory",
                    "pk_attr": "code",
                    "table_description": (
                        "Administrative division, GB/T 2260 code (province 110000, city 110100, county 110105)."
                    ),
                },
                bases=["Model"],
            )
        ),
    ]
