from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('exams', '0003_practice_pool')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Attempt',
            name='session_id',
            field=fields.CharField(default='', max_length=64),
        ),
        ops.AddField(
            model_name='Attempt',
            name='takeovers',
            field=fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
