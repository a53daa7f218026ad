from tortoise import migrations
from tortoise.migrations import operations as ops
from server.assessment.models import AppealStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('accounts', '0001_initial'), ('accounts', '0002_user_institution'), ('accounts', '0003_sessions_wechat_audit'), ('accounts', '0004_initial_login_at'), ('accounts', '0005_email_verified_at'), ('accounts', '0006_audit_to_core'), ('accounts', '0007_institution_in_directory'), ('assessment', '0004_pass_marks_in_exams'), ('directory', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Appeal',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('assessment', fields.ForeignKeyField('assessment.Assessment', source_field='assessment_id', db_constraint=True, to_field='id', related_name='appeals', on_delete=OnDelete.CASCADE)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('institution_id', fields.BigIntField(db_index=True)),
                ('region_code', fields.CharField(db_index=True, max_length=12)),
                ('reason', fields.TextField(unique=False)),
                ('status', fields.CharEnumField(default=AppealStatus.PENDING, db_index=True, description='PENDING: pending\nUPHELD: upheld\nDISMISSED: dismissed\nRETURNED: returned\nWITHDRAWN: withdrawn', enum_type=AppealStatus, max_length=16)),
                ('open_for', fields.BigIntField(null=True, unique=True)),
                ('review_item_id', fields.BigIntField(null=True, db_index=True)),
                ('file_key', fields.CharField(null=True, max_length=128)),
                ('file_kind', fields.CharField(null=True, max_length=8)),
                ('file_name', fields.CharField(default='', max_length=128)),
                ('file_size', fields.IntField(null=True)),
                ('decision_note', fields.TextField(null=True, unique=False)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'assessment_appeal', 'app': 'assessment', 'pk_attr': 'id', 'table_description': '成绩申诉: a physician questions one result, and the assessment office decides through the review engine.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='AssessmentAccount',
            name='document_type',
            field=fields.CharField(default='resident_id', max_length=24),
        ),
    ]
