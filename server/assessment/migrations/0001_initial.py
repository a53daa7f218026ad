from tortoise import migrations
from tortoise.migrations import operations as ops
from server.assessment.models import WindowKind
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Cycle',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=64)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'cycle', 'app': 'assessment', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CycleWindow',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('cycle', fields.ForeignKeyField('assessment.Cycle', source_field='cycle_id', db_constraint=True, to_field='id', related_name='windows', on_delete=OnDelete.CASCADE)),
                ('province_code', fields.CharField(max_length=12)),
                ('kind', fields.CharEnumField(description='ENROLMENT: enrolment\nSELF_EVALUATION: self_evaluation\nEXAM: exam\nMAKE_UP: make_up', enum_type=WindowKind, max_length=24)),
                ('opens_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('closes_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'cycle_window', 'app': 'assessment', 'unique_together': (('cycle', 'province_code', 'kind'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
