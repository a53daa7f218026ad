from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('accounts', '0001_initial'), ('registry', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='institution',
            field=fields.ForeignKeyField('registry.Institution', source_field='institution_id', null=True, db_constraint=True, to_field='id', related_name='staff', on_delete=OnDelete.RESTRICT),
        ),
    ]
