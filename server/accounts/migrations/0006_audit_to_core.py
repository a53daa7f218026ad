from tortoise import migrations
from tortoise.migrations import operations as ops

from server.common.migration_ops import StateOnly


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_email_verified_at"), ("core", "0001_initial")]

    # The audit trail now belongs to core (same table, same rows)
    operations = [StateOnly(ops.DeleteModel(name="AuditEntry"))]
