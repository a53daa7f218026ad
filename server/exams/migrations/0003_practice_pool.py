from tortoise import migrations
from tortoise.migrations import operations as ops
from server.exams.models import Section
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('exams', '0002_specialty_invalidation')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Question',
            name='section',
            field=fields.CharEnumField(db_index=True, description='LAW: law\nHUMANITIES: humanities\nPROFESSIONAL: professional\nPRACTICE: practice', enum_type=Section, max_length=16),
        ),
    ]
