from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from server.assessment.models import AssessmentStatus, ExemptionStatus, Procedure
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('accounts', '0001_initial'), ('accounts', '0002_user_institution'), ('accounts', '0003_sessions_wechat_audit'), ('assessment', '0001_initial'), ('registry', '0002_multi_site_filing')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AssessmentAccount',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('province_code', fields.CharField(db_index=True, max_length=12)),
                ('name', fields.CharField(max_length=64)),
                ('id_number_enc', fields.TextField(unique=False)),
                ('id_number_index', fields.CharField(db_index=True, max_length=64)),
                ('institution', fields.ForeignKeyField('registry.Institution', source_field='institution_id', db_constraint=True, to_field='id', related_name='assessment_accounts', on_delete=OnDelete.RESTRICT)),
                ('region_code', fields.CharField(db_index=True, max_length=12)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='assessment_accounts', on_delete=OnDelete.SET_NULL)),
                ('bound_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('is_hidden', fields.BooleanField(default=False)),
                ('credential_hash', fields.CharField(null=True, max_length=255)),
                ('credential_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('credential_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('credential_issued_by_id', fields.BigIntField(null=True)),
                ('notice_version', fields.CharField(null=True, max_length=16)),
                ('notice_accepted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'assessment_account', 'app': 'assessment', 'unique_together': (('province_code', 'id_number_index'),), 'pk_attr': 'id', 'table_description': '定考账号: the assessment record of one person in one province, bound to at most one app account.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Assessment',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account', fields.ForeignKeyField('assessment.AssessmentAccount', source_field='account_id', db_constraint=True, to_field='id', related_name='assessments', on_delete=OnDelete.CASCADE)),
                ('cycle', fields.ForeignKeyField('assessment.Cycle', source_field='cycle_id', db_constraint=True, to_field='id', related_name='assessments', on_delete=OnDelete.RESTRICT)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('institution_id', fields.BigIntField(db_index=True)),
                ('region_code', fields.CharField(db_index=True, max_length=12)),
                ('status', fields.CharEnumField(default=AssessmentStatus.DRAFT, db_index=True, description='DRAFT: draft\nENROLMENT_SUBMITTED: enrolment_submitted\nENROLMENT_RETURNED: enrolment_returned\nENROLMENT_REJECTED: enrolment_rejected\nENROLLED: enrolled\nPROCEDURE_CHOSEN: procedure_chosen\nSELF_EVALUATION_SUBMITTED: self_evaluation_submitted\nSELF_EVALUATION_RETURNED: self_evaluation_returned\nSELF_EVALUATED: self_evaluated\nPASSED: passed\nFAILED: failed', enum_type=AssessmentStatus, max_length=32)),
                ('enrolment', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('specialty', fields.CharField(null=True, max_length=64)),
                ('procedure', fields.CharEnumField(null=True, description='SIMPLIFIED: simplified\nGENERAL: general', enum_type=Procedure, max_length=16)),
                ('simplified_conditions', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('procedure_proof_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('self_evaluation', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('exemption_status', fields.CharEnumField(default=ExemptionStatus.NONE, description='NONE: none\nPENDING: pending\nAPPROVED: approved\nREJECTED: rejected\nRETURNED: returned', enum_type=ExemptionStatus, max_length=16)),
                ('exemption_reason', fields.CharField(null=True, max_length=32)),
                ('professional_score', fields.FloatField(null=True)),
                ('professional_passed', fields.BooleanField(null=True)),
                ('professional_make_up_used', fields.BooleanField(default=False)),
                ('humanities_score', fields.FloatField(null=True)),
                ('humanities_passed', fields.BooleanField(null=True)),
                ('exam_records', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('result_decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('verification_code', fields.CharField(null=True, unique=True, max_length=24)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'assessment', 'app': 'assessment', 'unique_together': (('account', 'cycle'),), 'pk_attr': 'id', 'table_description': "One physician's assessment in one cycle."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AssessmentRule',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('cycle', fields.ForeignKeyField('assessment.Cycle', source_field='cycle_id', db_constraint=True, to_field='id', related_name='rules', on_delete=OnDelete.CASCADE)),
                ('province_code', fields.CharField(max_length=12)),
                ('professional_pass_mark', fields.FloatField(default=60)),
                ('humanities_pass_mark', fields.FloatField(default=60)),
                ('updated_by_id', fields.BigIntField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'assessment_rule', 'app': 'assessment', 'unique_together': (('cycle', 'province_code'),), 'pk_attr': 'id', 'table_description': "The office's rules for one cycle in one province: pass marks of the two exams."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Proof',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('owner_id', fields.BigIntField(db_index=True)),
                ('assessment', fields.ForeignKeyField('assessment.Assessment', source_field='assessment_id', db_constraint=True, to_field='id', related_name='proofs', on_delete=OnDelete.CASCADE)),
                ('storage_key', fields.CharField(max_length=128)),
                ('kind', fields.CharField(max_length=8)),
                ('filename', fields.CharField(default='', max_length=128)),
                ('size', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'assessment_proof', 'app': 'assessment', 'pk_attr': 'id', 'table_description': 'An uploaded proof document, stored under a server-generated key.'},
            bases=['Model'],
        ),
    ]
