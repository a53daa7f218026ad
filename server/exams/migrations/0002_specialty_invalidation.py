from tortoise import migrations
from tortoise.migrations import operations as ops
from server.exams.models import AttemptStatus
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('exams', '0001_initial')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Attempt',
            name='status',
            field=fields.CharEnumField(default=AttemptStatus.IN_PROGRESS, description='IN_PROGRESS: in_progress\nSCORED: scored\nINVALIDATED: invalidated', enum_type=AttemptStatus, max_length=16),
        ),
        ops.AddField(
            model_name='Attempt',
            name='invalidation_reason',
            field=fields.CharField(null=True, max_length=200),
        ),
        ops.AddField(
            model_name='Attempt',
            name='specialty',
            field=fields.CharField(null=True, max_length=64),
        ),
    ]
