from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('accounts', '0001_initial'), ('accounts', '0002_user_institution'), ('accounts', '0003_sessions_wechat_audit'), ('registry', '0002_multi_site_filing')]

    initial = False

    operations = [
        ops.AddField(
            model_name='User',
            name='initial_login_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
