from tortoise import migrations
from tortoise.migrations import operations as ops
from server.common.enums import Role
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('phone', fields.CharField(null=True, unique=True, max_length=20)),
                ('username', fields.CharField(null=True, unique=True, max_length=32)),
                ('email', fields.CharField(null=True, max_length=254)),
                ('password_hash', fields.CharField(null=True, max_length=255)),
                ('must_change_password', fields.BooleanField(default=False)),
                ('role', fields.CharEnumField(default=Role.PHYSICIAN, db_index=True, description='PHYSICIAN: physician\nINSTITUTION_REVIEWER: institution_reviewer\nOFFICE_REVIEWER: office_reviewer\nCOMMISSION_REVIEWER: commission_reviewer\nADMIN: admin', enum_type=Role, max_length=32)),
                ('region_code', fields.CharField(null=True, db_index=True, max_length=12)),
                ('real_name', fields.CharField(null=True, max_length=64)),
                ('id_type', fields.CharField(null=True, max_length=16)),
                ('id_number_enc', fields.TextField(null=True, unique=False)),
                ('id_number_index', fields.CharField(null=True, db_index=True, max_length=64)),
                ('is_active', fields.BooleanField(default=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'user', 'app': 'accounts', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
