from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from server.common.migration_ops import StateOnly


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_deliveries"), ("core", "0001_initial")]

    # The outbox now belongs to core (same table, same rows); deliveries keep their foreign key to it
    operations = [
        StateOnly(
            ops.AlterField(
                model_name="Delivery",
                name="event",
                field=fields.ForeignKeyField(
                    "core.OutboxEvent",
                    source_field="event_id",
                    db_constraint=True,
                    to_field="id",
                    related_name="deliveries",
                    on_delete=OnDelete.CASCADE,
                ),
            )
        ),
        StateOnly(ops.DeleteModel(name="OutboxEvent")),
    ]
