from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from server.notifications.models import Channel, DeliveryStatus
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('notifications', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Delivery',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('event', fields.ForeignKeyField('notifications.OutboxEvent', source_field='event_id', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('kind', fields.CharField(max_length=64)),
                ('channel', fields.CharEnumField(description='INBOX: inbox\nWECHAT: wechat\nPUSH: push\nSMS: sms', enum_type=Channel, max_length=16)),
                ('idempotency_key', fields.CharField(unique=True, max_length=64)),
                ('status', fields.CharEnumField(default=DeliveryStatus.PENDING, description='PENDING: pending\nIN_FLIGHT: in_flight\nSENT: sent\nSKIPPED: skipped\nFAILED: failed\nDEAD: dead', enum_type=DeliveryStatus, max_length=16)),
                ('attempts', fields.IntField(default=0)),
                ('next_attempt_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('leased_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('lease_owner', fields.CharField(null=True, max_length=32)),
                ('last_error', fields.CharField(null=True, max_length=500)),
                ('error_code', fields.CharField(null=True, max_length=64)),
                ('provider_message_id', fields.CharField(null=True, max_length=128)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('dead_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'notification_delivery', 'app': 'notifications', 'indexes': [Index(fields=['status', 'next_attempt_at'])], 'pk_attr': 'id', 'table_description': 'One event on one channel. The idempotency key (event id and channel) is unique, so no retry or second'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InboxMessage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.BigIntField()),
                ('event_id', fields.BigIntField(unique=True)),
                ('kind', fields.CharField(max_length=64)),
                ('title', fields.CharField(max_length=100)),
                ('body', fields.TextField(unique=False)),
                ('link', fields.CharField(null=True, max_length=255)),
                ('data', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('deleted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'inbox_message', 'app': 'notifications', 'indexes': [Index(fields=['user_id', 'deleted_at', 'read_at'])], 'pk_attr': 'id', 'table_description': 'An in-app message. One per event at most (unique event), soft-deleted by its owner.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='NotificationPreference',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('kind', fields.CharField(max_length=64)),
                ('channel', fields.CharEnumField(description='INBOX: inbox\nWECHAT: wechat\nPUSH: push\nSMS: sms', enum_type=Channel, max_length=16)),
                ('enabled', fields.BooleanField()),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'notification_preference', 'app': 'notifications', 'unique_together': (('user_id', 'kind', 'channel'),), 'pk_attr': 'id', 'table_description': "A user's choice for one event kind on one channel (absent means the channel's default)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PushDevice',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('device_id', fields.CharField(unique=True, max_length=64)),
                ('platform', fields.CharField(max_length=16)),
                ('session_id', fields.CharField(db_index=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'push_device', 'app': 'notifications', 'pk_attr': 'id', 'table_description': 'An app installation (Aliyun push device id) registered by a user in one log-in session.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatSubscription',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user_id', fields.BigIntField()),
                ('template_id', fields.CharField(max_length=128)),
                ('remaining', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'wechat_subscription', 'app': 'notifications', 'unique_together': (('user_id', 'template_id'),), 'pk_attr': 'id', 'table_description': 'How many subscribe messages of one template a user has accepted and not yet been sent.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='OutboxEvent',
            name='dispatched_at',
            field=fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
        ),
    ]
