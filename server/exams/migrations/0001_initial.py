from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from server.exams.models import AttemptStatus, ExamKind, QuestionType, Section
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Attempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ref', fields.CharField(unique=True, max_length=32)),
                ('user_id', fields.BigIntField(db_index=True)),
                ('exam_kind', fields.CharEnumField(description='HUMANITIES: humanities\nPROFESSIONAL: professional', enum_type=ExamKind, max_length=16)),
                ('cycle_id', fields.BigIntField(null=True)),
                ('assessment_id', fields.BigIntField(null=True)),
                ('province_code', fields.CharField(default='', max_length=12)),
                ('definition_id', fields.BigIntField(null=True)),
                ('title', fields.CharField(max_length=64)),
                ('rules', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('is_make_up', fields.BooleanField(default=False)),
                ('device_id', fields.CharField(max_length=128)),
                ('capture_id', fields.CharField(default='', max_length=128)),
                ('status', fields.CharEnumField(default=AttemptStatus.IN_PROGRESS, description='IN_PROGRESS: in_progress\nSCORED: scored', enum_type=AttemptStatus, max_length=16)),
                ('current_section', fields.CharField(null=True, max_length=16)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('deadline_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('end_reason', fields.CharField(null=True, max_length=16)),
                ('section_scores', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('score', fields.FloatField(null=True)),
                ('passed', fields.BooleanField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'exam_attempt', 'app': 'exams', 'indexes': [Index(fields=['user_id', 'exam_kind', 'cycle_id'])], 'pk_attr': 'id', 'table_description': "One candidate's sitting of one exam, with the rules it was drawn under copied in."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Answer',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attempt', fields.ForeignKeyField('exams.Attempt', source_field='attempt_id', db_constraint=False, to_field='id', related_name='answers', on_delete=OnDelete.CASCADE)),
                ('question_ref', fields.CharField(max_length=32)),
                ('option_ids', fields.TextField(unique=False)),
                ('seq', fields.BigIntField()),
                ('saved_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'exam_answer', 'app': 'exams', 'unique_together': (('attempt', 'question_ref'),), 'pk_attr': 'id', 'table_description': 'The latest acknowledged answer to one question of one attempt (written by raw upserts, see answers.py).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ExamDefinition',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('cycle_id', fields.BigIntField()),
                ('province_code', fields.CharField(max_length=12)),
                ('exam_kind', fields.CharEnumField(description='HUMANITIES: humanities\nPROFESSIONAL: professional', enum_type=ExamKind, max_length=16)),
                ('title', fields.CharField(max_length=64)),
                ('duration_s', fields.IntField()),
                ('sections', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('attempts_allowed', fields.SmallIntField(default=1)),
                ('make_up_allowed', fields.BooleanField(default=True)),
                ('updated_by', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'exam_definition', 'app': 'exams', 'unique_together': (('cycle_id', 'province_code', 'exam_kind'),), 'pk_attr': 'id', 'table_description': 'The rules of one exam in one cycle and province, set by the assessment office.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Question',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ref', fields.CharField(unique=True, max_length=64)),
                ('section', fields.CharEnumField(db_index=True, description='LAW: law\nHUMANITIES: humanities\nPROFESSIONAL: professional', enum_type=Section, max_length=16)),
                ('specialty', fields.CharField(null=True, max_length=64)),
                ('type', fields.CharEnumField(description='SINGLE: single\nMULTIPLE: multiple\nTRUE_FALSE: true_false', enum_type=QuestionType, max_length=16)),
                ('stem', fields.TextField(unique=False)),
                ('options', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('answer', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('explanation', fields.TextField(default='', unique=False)),
                ('difficulty', fields.SmallIntField(default=1)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'exam_question', 'app': 'exams', 'pk_attr': 'id', 'table_description': 'One bank question. options is a list of texts, answer the 0-based indexes of the right ones.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AttemptQuestion',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('attempt', fields.ForeignKeyField('exams.Attempt', source_field='attempt_id', db_constraint=True, to_field='id', related_name='questions', on_delete=OnDelete.CASCADE)),
                ('ref', fields.CharField(max_length=32)),
                ('position', fields.IntField()),
                ('section', fields.CharField(max_length=16)),
                ('question', fields.ForeignKeyField('exams.Question', source_field='question_id', db_constraint=True, to_field='id', related_name='papers', on_delete=OnDelete.RESTRICT)),
                ('options', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
            ],
            options={'table': 'exam_attempt_question', 'app': 'exams', 'unique_together': (('attempt', 'ref'),), 'pk_attr': 'id', 'table_description': 'A question on one paper: its opaque per-attempt ref and its options in shuffled order.'},
            bases=['Model'],
        ),
    ]
