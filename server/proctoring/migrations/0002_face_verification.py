from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from server.proctoring.models import FlagReason, IdentityCheckStatus, IdentityVia, ImageKind, MatchStatus
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('accounts', '0001_initial'), ('accounts', '0002_user_institution'), ('accounts', '0003_sessions_wechat_audit'), ('accounts', '0004_initial_login_at'), ('accounts', '0005_email_verified_at'), ('accounts', '0006_audit_to_core'), ('accounts', '0007_institution_in_directory'), ('proctoring', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='FaceCompareConsent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', db_constraint=True, to_field='id', related_name='face_compare_consents', on_delete=OnDelete.CASCADE)),
                ('version', fields.CharField(max_length=32)),
                ('accepted', fields.BooleanField()),
                ('decided_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ip', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'face_compare_consent', 'app': 'proctoring', 'unique_together': (('user', 'version'),), 'pk_attr': 'id', 'table_description': "A person's separate decision on the comparison of their face with their ID photo (accepted or declined)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FaceReference',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('accounts.User', source_field='user_id', db_constraint=True, to_field='id', related_name='face_reference', on_delete=OnDelete.CASCADE)),
                ('storage_key', fields.CharField(max_length=255)),
                ('approved_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('embedding', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('unusable', fields.BooleanField(default=False)),
            ],
            options={'table': 'face_reference', 'app': 'proctoring', 'pk_attr': 'id', 'table_description': "The physician's approved ID photo as the comparison's reference: a pointer to the registry's stored file,"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='IdentityCheck',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', db_constraint=True, to_field='id', related_name='identity_checks', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharField(max_length=24)),
                ('note', fields.CharField(default='', max_length=500)),
                ('status', fields.CharEnumField(default=IdentityCheckStatus.PENDING, description='PENDING: pending\nAPPROVED: approved\nREJECTED: rejected\nRETURNED: returned\nWITHDRAWN: withdrawn', enum_type=IdentityCheckStatus, max_length=16)),
                ('review_item_id', fields.BigIntField(null=True)),
                ('institution_id', fields.BigIntField(null=True, db_index=True)),
                ('region_code', fields.CharField(null=True, db_index=True, max_length=12)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('valid_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'identity_check', 'app': 'proctoring', 'pk_attr': 'id', 'table_description': "A request to have one's identity confirmed without face comparison (in person or by video call), reviewed by"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='FaceCapture',
            name='embedding',
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
        ops.AddField(
            model_name='FaceCapture',
            name='match_distance',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='FaceCapture',
            name='match_status',
            field=fields.CharEnumField(null=True, description='MATCH: match\nMISMATCH: mismatch\nNO_REFERENCE: no_reference\nREFERENCE_UNUSABLE: reference_unusable\nNOT_COMPARED: not_compared', enum_type=MatchStatus, max_length=20),
        ),
        ops.AlterField(
            model_name='FaceImage',
            name='kind',
            field=fields.CharEnumField(description='CAPTURE: capture\nSNAPSHOT: snapshot\nREFERENCE: reference', enum_type=ImageKind, max_length=16),
        ),
        ops.AlterField(
            model_name='ProctorFlag',
            name='reason',
            field=fields.CharEnumField(description='FACE_MISSING: face_missing\nFACE_MULTIPLE: face_multiple\nSNAPSHOT_MISSED: snapshot_missed\nFACE_MISMATCH: face_mismatch\nIDENTITY_UNVERIFIED: identity_unverified', enum_type=FlagReason, max_length=24),
        ),
        ops.AddField(
            model_name='ProctorFlag',
            name='distance',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='ProctorFlag',
            name='reference_image',
            field=fields.ForeignKeyField('proctoring.FaceImage', source_field='reference_image_id', null=True, db_constraint=True, to_field='id', related_name='reference_flags', on_delete=OnDelete.SET_NULL),
        ),
        ops.AlterField(
            model_name='ProctoredAttempt',
            name='capture',
            field=fields.OneToOneField('proctoring.FaceCapture', source_field='capture_id', null=True, db_constraint=True, to_field='id', related_name='attempt', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='ProctoredAttempt',
            name='identity_check_id',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='ProctoredAttempt',
            name='identity_via',
            field=fields.CharEnumField(default=IdentityVia.NOT_COMPARED, description='FACE_MATCH: face_match\nFACE_MISMATCH: face_mismatch\nNO_REFERENCE: no_reference\nNOT_COMPARED: not_compared\nIDENTITY_CONFIRMED: identity_confirmed', enum_type=IdentityVia, max_length=24),
        ),
    ]
