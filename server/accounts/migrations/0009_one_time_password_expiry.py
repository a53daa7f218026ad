from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('accounts', '0008_login_identifiers'), ('directory', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='one_time_password_expires_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
