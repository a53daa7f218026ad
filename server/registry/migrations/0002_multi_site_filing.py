from tortoise import migrations
from tortoise.migrations import operations as ops
from server.registry.models import MultiSiteStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('accounts', '0003_sessions_wechat_audit'), ('registry', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='MultiSiteFiling',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('registration', fields.ForeignKeyField('registry.PracticeRegistration', source_field='registration_id', db_constraint=True, to_field='id', related_name='multi_site_filings', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='multi_site_filings', on_delete=OnDelete.SET_NULL)),
                ('institution', fields.ForeignKeyField('registry.Institution', source_field='institution_id', db_constraint=True, to_field='id', related_name='multi_site_filings', on_delete=OnDelete.RESTRICT)),
                ('region_code', fields.CharField(db_index=True, max_length=12)),
                ('status', fields.CharEnumField(default=MultiSiteStatus.FILED, db_index=True, description='FILED: filed\nUNFILED: unfiled\nWITHDRAWN: withdrawn', enum_type=MultiSiteStatus, max_length=16)),
                ('filed_on', fields.DateField()),
                ('ended_on', fields.DateField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'multi_site_filing', 'app': 'registry', 'pk_attr': 'id', 'table_description': '多执业机构备案: an extra institution a physician is filed at, besides the main one.'},
            bases=['Model'],
        ),
    ]
