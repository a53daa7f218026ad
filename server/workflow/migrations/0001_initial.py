from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from server.workflow.models import ActionKind, ReviewStatus
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('accounts', '0002_user_institution')]

    initial = True

    operations = [
        ops.CreateModel(
            name='ReviewItem',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(db_index=True, max_length=64)),
                ('subject_type', fields.CharField(max_length=64)),
                ('subject_id', fields.CharField(max_length=64)),
                ('applicant', fields.ForeignKeyField('accounts.User', source_field='applicant_id', db_constraint=True, to_field='id', related_name='review_items', on_delete=OnDelete.RESTRICT)),
                ('institution_id', fields.BigIntField(null=True, db_index=True)),
                ('region_code', fields.CharField(null=True, db_index=True, max_length=12)),
                ('payload', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('attachments', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('status', fields.CharEnumField(default=ReviewStatus.PENDING, db_index=True, description='PENDING: pending\nAPPROVED: approved\nREJECTED: rejected\nRETURNED: returned\nWITHDRAWN: withdrawn', enum_type=ReviewStatus, max_length=16)),
                ('current_step', fields.IntField(default=0)),
                ('version', fields.IntField(default=1)),
                ('submitted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'review_item', 'app': 'workflow', 'indexes': [Index(fields=['status', 'kind', 'current_step'])], 'pk_attr': 'id', 'table_description': 'A reviewed thing: what it is, whose it is, where it belongs and how far its chain has come.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReviewAction',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.ForeignKeyField('workflow.ReviewItem', source_field='item_id', db_constraint=True, to_field='id', related_name='actions', on_delete=OnDelete.CASCADE)),
                ('step', fields.IntField()),
                ('actor', fields.ForeignKeyField('accounts.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='review_actions', on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharEnumField(description='SUBMIT: submit\nRESUBMIT: resubmit\nWITHDRAW: withdraw\nAPPROVE: approve\nREJECT: reject\nRETURN: return', enum_type=ActionKind, max_length=16)),
                ('reason', fields.TextField(null=True, unique=False)),
                ('comment', fields.TextField(null=True, unique=False)),
                ('attachments', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'review_action', 'app': 'workflow', 'indexes': [Index(fields=['actor_id', 'created_at'])], 'pk_attr': 'id', 'table_description': "One entry in an item's history (submit, resubmit, withdraw, approve, reject, return)."},
            bases=['Model'],
        ),
    ]
