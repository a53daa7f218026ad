from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

from server.common.migration_ops import StateOnly, ensure_indexes


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial"), ("notifications", "0003_outbox_to_core")]

    initial = False

    # Two indexes the drain needs on tables that only grow: deliveries by event (completing events, the cascade
    # from the outbox) and events not yet dispatched (0002's AddField declared that one, but the field operation
    # created the column only). Without them every drain step scanned the whole table.
    operations = [
        StateOnly(
            ops.AlterField(
                model_name="Delivery",
                name="event",
                field=fields.ForeignKeyField(
                    "core.OutboxEvent",
                    source_field="event_id",
                    db_index=True,
                    db_constraint=True,
                    to_field="id",
                    related_name="deliveries",
                    on_delete=OnDelete.CASCADE,
                ),
            )
        ),
        ensure_indexes(("notification_delivery", "event_id"), ("outbox_event", "dispatched_at")),
    ]
