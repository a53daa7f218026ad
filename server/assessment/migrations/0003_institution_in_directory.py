from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from server.common.migration_ops import StateOnly


class Migration(migrations.Migration):
    dependencies = [("assessment", "0002_accounts_assessments"), ("directory", "0001_initial")]

    # Institutions now belong to the directory (same table)
    operations = [
        StateOnly(
            ops.AlterField(
                model_name="AssessmentAccount",
                name="institution",
                field=fields.ForeignKeyField(
                    "directory.Institution",
                    source_field="institution_id",
                    db_constraint=True,
                    to_field="id",
                    related_name="assessment_accounts",
                    on_delete=OnDelete.RESTRICT,
                ),
            )
        ),
    ]
