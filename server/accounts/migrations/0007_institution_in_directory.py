from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from server.common.migration_ops import StateOnly


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_audit_to_core"), ("directory", "0001_initial")]

    # Institutions now belong to the directory (same table): the staff foreign key points there
    operations = [
        StateOnly(
            ops.AlterField(
                model_name="User",
                name="institution",
                field=fields.ForeignKeyField(
                    "directory.Institution",
                    source_field="institution_id",
                    null=True,
                    db_constraint=True,
                    to_field="id",
                    related_name="staff",
                    on_delete=OnDelete.RESTRICT,
                ),
            )
        ),
    ]
