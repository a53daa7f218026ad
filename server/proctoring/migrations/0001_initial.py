from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from server.proctoring.models import FlagReason, FlagStatus, ImageKind
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('accounts', '0001_initial'), ('accounts', '0002_user_institution'), ('accounts', '0003_sessions_wechat_audit')]

    initial = True

    operations = [
        ops.CreateModel(
            name='FaceConsent',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', db_constraint=True, to_field='id', related_name='face_consents', on_delete=OnDelete.CASCADE)),
                ('version', fields.CharField(max_length=32)),
                ('accepted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ip', fields.CharField(null=True, max_length=64)),
            ],
            options={'table': 'face_consent', 'app': 'proctoring', 'unique_together': (('user', 'version'),), 'pk_attr': 'id', 'table_description': "A person's consent to the processing of their face image, for one version of the consent text."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FaceImage',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('public_id', fields.CharField(unique=True, max_length=48)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', db_constraint=True, to_field='id', related_name='face_images', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='CAPTURE: capture\nSNAPSHOT: snapshot', enum_type=ImageKind, max_length=16)),
                ('storage_key', fields.CharField(max_length=128)),
                ('content_type', fields.CharField(max_length=32)),
                ('size_bytes', fields.IntField()),
                ('institution_id', fields.BigIntField(null=True, db_index=True)),
                ('region_code', fields.CharField(null=True, db_index=True, max_length=12)),
                ('result_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('deleted_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'face_image', 'app': 'proctoring', 'pk_attr': 'id', 'table_description': 'One stored face image (encrypted file). public_id is the opaque id clients use, never the row id.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FaceCapture',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('capture_id', fields.CharField(unique=True, max_length=48)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', db_constraint=True, to_field='id', related_name='face_captures', on_delete=OnDelete.CASCADE)),
                ('image', fields.ForeignKeyField('proctoring.FaceImage', source_field='image_id', db_constraint=True, to_field='id', related_name='captures', on_delete=OnDelete.CASCADE)),
                ('exam_kind', fields.CharField(max_length=16)),
                ('accepted', fields.BooleanField(default=True)),
                ('measurements', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('institution_id', fields.BigIntField(null=True, db_index=True)),
                ('region_code', fields.CharField(null=True, db_index=True, max_length=12)),
                ('attempt_ref', fields.CharField(null=True, unique=True, max_length=64)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('client_key', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'face_capture', 'app': 'proctoring', 'unique_together': (('user', 'client_key'),), 'pk_attr': 'id', 'table_description': 'An accepted pre-exam face capture. capture_id is a random token, claimed by at most one exam attempt.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProctoredAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attempt_ref', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', db_constraint=True, to_field='id', related_name='proctored_attempts', on_delete=OnDelete.CASCADE)),
                ('capture', fields.OneToOneField('proctoring.FaceCapture', source_field='capture_id', db_constraint=True, to_field='id', related_name='attempt', on_delete=OnDelete.CASCADE)),
                ('exam_kind', fields.CharField(max_length=16)),
                ('snapshot_offsets', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('institution_id', fields.BigIntField(null=True, db_index=True)),
                ('region_code', fields.CharField(null=True, db_index=True, max_length=12)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'proctored_attempt', 'app': 'proctoring', 'pk_attr': 'id', 'table_description': 'An exam attempt started with a claimed capture, with its random snapshot schedule.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Snapshot',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attempt', fields.ForeignKeyField('proctoring.ProctoredAttempt', source_field='attempt_id', db_constraint=True, to_field='id', related_name='snapshots', on_delete=OnDelete.CASCADE)),
                ('slot', fields.IntField(null=True)),
                ('outcome', fields.CharField(max_length=32)),
                ('measurements', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('image', fields.ForeignKeyField('proctoring.FaceImage', source_field='image_id', null=True, db_constraint=True, to_field='id', related_name='snapshots', on_delete=OnDelete.SET_NULL)),
                ('client_key', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'proctor_snapshot', 'app': 'proctoring', 'unique_together': (('attempt', 'slot'), ('attempt', 'client_key')), 'pk_attr': 'id', 'table_description': 'One snapshot taken during an attempt, and what the check found on it.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProctorFlag',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attempt', fields.ForeignKeyField('proctoring.ProctoredAttempt', source_field='attempt_id', db_constraint=True, to_field='id', related_name='flags', on_delete=OnDelete.CASCADE)),
                ('reason', fields.CharEnumField(description='FACE_MISSING: face_missing\nFACE_MULTIPLE: face_multiple\nSNAPSHOT_MISSED: snapshot_missed', enum_type=FlagReason, max_length=24)),
                ('snapshot', fields.ForeignKeyField('proctoring.Snapshot', source_field='snapshot_id', null=True, db_constraint=True, to_field='id', related_name='flags', on_delete=OnDelete.SET_NULL)),
                ('slot', fields.IntField(null=True)),
                ('status', fields.CharEnumField(default=FlagStatus.OPEN, db_index=True, description='OPEN: open\nCLEARED: cleared\nINVALIDATED: invalidated', enum_type=FlagStatus, max_length=16)),
                ('institution_id', fields.BigIntField(null=True, db_index=True)),
                ('region_code', fields.CharField(null=True, db_index=True, max_length=12)),
                ('decided_by_id', fields.BigIntField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('decision_reason', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'proctor_flag', 'app': 'proctoring', 'pk_attr': 'id', 'table_description': 'Something the assessment office must look at in an attempt, and its decision.'},
            bases=['Model'],
        ),
    ]
