from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from server.registry.models import AccountStatus, ActivationMethod, InfoChangeKind
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('accounts', '0001_initial'), ('accounts', '0002_user_institution'), ('accounts', '0003_sessions_wechat_audit'), ('registry', '0002_multi_site_filing')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ActivationCode',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', db_constraint=True, to_field='id', related_name='activation_codes', on_delete=OnDelete.CASCADE)),
                ('registration', fields.ForeignKeyField('registry.PracticeRegistration', source_field='registration_id', db_constraint=True, to_field='id', related_name='activation_codes', on_delete=OnDelete.CASCADE)),
                ('institution', fields.ForeignKeyField('registry.Institution', source_field='institution_id', db_constraint=True, to_field='id', related_name='activation_codes', on_delete=OnDelete.CASCADE)),
                ('code_hash', fields.CharField(db_index=True, max_length=64)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('failed_tries', fields.IntField(default=0)),
                ('created_by_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'activation_code', 'app': 'registry', 'pk_attr': 'id', 'table_description': 'A one-time activation code an institution generated, stored as an HMAC only.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='BusinessApplication',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(db_index=True, max_length=32)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='business_applications', on_delete=OnDelete.CASCADE)),
                ('initiator', fields.ForeignKeyField('accounts.User', source_field='initiator_id', db_constraint=True, to_field='id', related_name='initiated_applications', on_delete=OnDelete.CASCADE)),
                ('registration', fields.ForeignKeyField('registry.PracticeRegistration', source_field='registration_id', null=True, db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.SET_NULL)),
                ('institution', fields.ForeignKeyField('registry.Institution', source_field='institution_id', null=True, db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.SET_NULL)),
                ('region_code', fields.CharField(null=True, max_length=12)),
                ('data', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('attachments', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('review_item_id', fields.BigIntField(null=True, db_index=True)),
                ('submitted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'business_application', 'app': 'registry', 'pk_attr': 'id', 'table_description': '业务申请 (nine kinds by physicians) and institution-initiated filing or cancellation.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InfoChangeRequest',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', db_constraint=True, to_field='id', related_name='info_change_requests', on_delete=OnDelete.CASCADE)),
                ('registration', fields.ForeignKeyField('registry.PracticeRegistration', source_field='registration_id', db_constraint=True, to_field='id', related_name='info_change_requests', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='INFO: info\nPHOTO: photo', enum_type=InfoChangeKind, max_length=16)),
                ('changes', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('photo_key', fields.CharField(null=True, max_length=255)),
                ('review_item_id', fields.BigIntField(null=True, db_index=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'info_change_request', 'app': 'registry', 'pk_attr': 'id', 'table_description': '信息修改申请: education, school, major, title or a new ID photo, reviewed by the institution.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PhysicianAccount',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('accounts.User', source_field='user_id', db_constraint=True, to_field='id', related_name='physician_account', on_delete=OnDelete.CASCADE)),
                ('qualification', fields.ForeignKeyField('registry.Qualification', source_field='qualification_id', db_constraint=True, to_field='id', related_name='accounts', on_delete=OnDelete.CASCADE)),
                ('registration', fields.ForeignKeyField('registry.PracticeRegistration', source_field='registration_id', null=True, db_constraint=True, to_field='id', related_name='accounts', on_delete=OnDelete.SET_NULL)),
                ('status', fields.CharEnumField(default=AccountStatus.VERIFIED, db_index=True, description='VERIFIED: verified\nACTIVE: active\nREVOKED: revoked', enum_type=AccountStatus, max_length=16)),
                ('activated_via', fields.CharEnumField(null=True, description='CODE: code\nINSTITUTION: institution\nSELF: self', enum_type=ActivationMethod, max_length=16)),
                ('activated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('activated_by_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'physician_account', 'app': 'registry', 'pk_attr': 'id', 'table_description': 'Links an app account to the registers: set by the real-name check, activated by one of three ways.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='PracticeRegistration',
            name='photo_key',
            field=fields.CharField(null=True, max_length=255),
        ),
        ops.AddField(
            model_name='Qualification',
            name='education',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name='Qualification',
            name='major',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Qualification',
            name='residency_training',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='Qualification',
            name='school',
            field=fields.CharField(null=True, max_length=128),
        ),
    ]
