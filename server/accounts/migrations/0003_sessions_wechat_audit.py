from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('accounts', '0002_user_institution'), ('registry', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('action', fields.CharField(db_index=True, max_length=64)),
                ('actor_id', fields.BigIntField(null=True, db_index=True)),
                ('subject_type', fields.CharField(null=True, max_length=32)),
                ('subject_id', fields.CharField(null=True, max_length=64)),
                ('ip', fields.CharField(null=True, max_length=64)),
                ('details', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_entry', 'app': 'accounts', 'pk_attr': 'id', 'table_description': 'A security-relevant event: log-ins, failures, lock-outs, password and phone changes, sessions ended.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UserSession',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('refresh_hash', fields.CharField(max_length=64)),
                ('user_agent', fields.CharField(default='', max_length=255)),
                ('ip', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_used_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'user_session', 'app': 'accounts', 'pk_attr': 'id', 'table_description': 'One log-in on one device. The access token names it, Redis keeps it alive, this row lets users list it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WechatBinding',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', db_constraint=True, to_field='id', related_name='wechat_bindings', on_delete=OnDelete.CASCADE)),
                ('openid', fields.CharField(unique=True, max_length=64)),
                ('unionid', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'wechat_binding', 'app': 'accounts', 'pk_attr': 'id', 'table_description': 'A WeChat mini-program identity (openid, unionid when the app has one) bound to a user.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='User',
            name='agreement_accepted_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='agreement_version',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name='User',
            name='privacy_version',
            field=fields.CharField(null=True, max_length=32),
        ),
    ]
