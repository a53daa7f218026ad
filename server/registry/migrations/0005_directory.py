from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from server.common.migration_ops import StateOnly


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_lookup_indexes"),
        ("directory", "0001_initial"),
        ("accounts", "0007_institution_in_directory"),
        ("assessment", "0003_institution_in_directory"),
    ]

    # Regions, institutions and departments now belong to the directory (same tables, same rows)
    operations = [
        StateOnly(
            ops.AlterField(
                model_name="PracticeRegistration",
                name="main_institution",
                field=fields.ForeignKeyField(
                    "directory.Institution",
                    source_field="main_institution_id",
                    null=True,
                    db_constraint=True,
                    to_field="id",
                    related_name="registrations",
                    on_delete=OnDelete.RESTRICT,
                ),
            )
        ),
        StateOnly(
            ops.AlterField(
                model_name="PracticeRegistration",
                name="department",
                field=fields.ForeignKeyField(
                    "directory.Department",
                    source_field="department_id",
                    null=True,
                    db_constraint=True,
                    to_field="id",
                    related_name="registrations",
                    on_delete=OnDelete.SET_NULL,
                ),
            )
        ),
        StateOnly(
            ops.AlterField(
                model_name="MultiSiteFiling",
                name="institution",
                field=fields.ForeignKeyField(
                    "directory.Institution",
                    source_field="institution_id",
                    db_constraint=True,
                    to_field="id",
                    related_name="multi_site_filings",
                    on_delete=OnDelete.RESTRICT,
                ),
            )
        ),
        StateOnly(
            ops.AlterField(
                model_name="ActivationCode",
                name="institution",
                field=fields.ForeignKeyField(
                    "directory.Institution",
                    source_field="institution_id",
                    db_constraint=True,
                    to_field="id",
                    related_name="activation_codes",
                    on_delete=OnDelete.CASCADE,
                ),
            )
        ),
        StateOnly(
            ops.AlterField(
                model_name="BusinessApplication",
                name="institution",
                field=fields.ForeignKeyField(
                    "directory.Institution",
                    source_field="institution_id",
                    null=True,
                    db_constraint=True,
                    to_field="id",
                    related_name="applications",
                    on_delete=OnDelete.SET_NULL,
                ),
            )
        ),
        StateOnly(ops.DeleteModel(name="Department")),
        StateOnly(ops.DeleteModel(name="Institution")),
        StateOnly(ops.DeleteModel(name="Region")),
    ]
