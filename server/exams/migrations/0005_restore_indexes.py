from tortoise import migrations

from server.common.migration_ops import ensure_indexes


class Migration(migrations.Migration):
    dependencies = [("exams", "0004_attempt_session")]

    initial = False

    # The indexes the models declare that earlier table rebuilds dropped on SQLite (PostgreSQL has them)
    operations = [ensure_indexes(("exam_attempt", "user_id"), ("exam_question", "section"))]
