from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('accounts', '0007_institution_in_directory')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='qualification_cert_no',
            field=fields.CharField(null=True, unique=True, max_length=32),
        ),
    ]
