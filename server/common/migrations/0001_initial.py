from tortoise import fields, migrations
from tortoise.fields.data import JSON_DUMPS
from orjson import loads
from tortoise.migrations import operations as ops

from server.common.migration_ops import StateOnly

# The audit trail (created by accounts 0003) and the outbox (notifications 0001/0002) move into core with their
# tables and rows as they are; the affiliation table is new.


class Migration(migrations.Migration):
    initial = True
    dependencies = [("accounts", "0005_email_verified_at"), ("notifications", "0002_deliveries")]

    operations = [
        StateOnly(
            ops.CreateModel(
                name="AuditEntry",
                fields=[
                    ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                    ("action", fields.CharField(db_index=True, max_length=64)),
                    ("actor_id", fields.BigIntField(null=True, db_index=True)),
                    ("subject_type", fields.CharField(null=True, max_length=32)),
                    ("subject_id", fields.CharField(null=True, max_length=64)),
                    ("ip", fields.CharField(null=True, max_length=64)),
                    ("details", fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                    ("created_at", fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ],
                options={
                    "table": "audit_entry",
                    "app": "core",
                    "pk_attr": "id",
                    "table_description": (
                        "A security-relevant event: log-ins, failures, lock-outs, password and phone changes, "
                        "sessions ended."
                    ),
                },
                bases=["Model"],
            )
        ),
        StateOnly(
            ops.CreateModel(
                name="OutboxEvent",
                fields=[
                    ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                    ("kind", fields.CharField(db_index=True, max_length=64)),
                    ("user_id", fields.BigIntField(db_index=True)),
                    ("payload", fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                    ("dedupe_key", fields.CharField(null=True, unique=True, max_length=128)),
                    ("attempts", fields.IntField(default=0)),
                    ("delivered_at", fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                    (
                        "dispatched_at",
                        fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
                    ),
                    ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ],
                options={
                    "table": "outbox_event",
                    "app": "core",
                    "pk_attr": "id",
                    "table_description": (
                        "A message to deliver to one user, written in the same transaction as the change it reports."
                    ),
                },
                bases=["Model"],
            )
        ),
        ops.CreateModel(
            name="Affiliation",
            fields=[
                ("user_id", fields.BigIntField(generated=False, primary_key=True, unique=True, db_index=True)),
                ("institution_id", fields.BigIntField(null=True, db_index=True)),
                ("region_code", fields.CharField(db_index=True, max_length=12)),
                ("province_code", fields.CharField(db_index=True, max_length=12)),
                ("source", fields.CharField(max_length=16)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "affiliation",
                "app": "core",
                "pk_attr": "user_id",
                "table_description": (
                    "Where a physician belongs for every scope decision: main institution, its county and its "
                    "province."
                ),
            },
            bases=["Model"],
        ),
    ]
