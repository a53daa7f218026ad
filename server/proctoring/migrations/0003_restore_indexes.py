from tortoise import migrations

from server.common.migration_ops import ensure_indexes


class Migration(migrations.Migration):
    dependencies = [("proctoring", "0002_face_verification")]

    initial = False

    # The indexes the models declare that 0002's table rebuilds dropped on SQLite (PostgreSQL has them)
    operations = [
        ensure_indexes(
            ("face_image", "institution_id"),
            ("face_image", "region_code"),
            ("face_image", "created_at"),
            ("face_image", "deleted_at"),
            ("proctor_flag", "status"),
            ("proctor_flag", "institution_id"),
            ("proctor_flag", "region_code"),
            ("proctored_attempt", "institution_id"),
            ("proctored_attempt", "region_code"),
        ),
    ]
