from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from server.common.enums import Category, Level
from server.directory.models import RegionLevel
from server.registry.models import RegistrationStatus
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    initial = True
    dependencies = [('accounts', '0001_initial')]

    operations = [
        ops.CreateModel(
            name='Institution',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=128)),
                ('region_code', fields.CharField(db_index=True, max_length=12)),
                ('province_code', fields.CharField(db_index=True, max_length=12)),
                ('approval_authorities', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'institution', 'app': 'registry', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Department',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('institution', fields.ForeignKeyField('registry.Institution', source_field='institution_id', db_constraint=True, to_field='id', related_name='departments', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('sort_order', fields.IntField(default=0)),
            ],
            options={'table': 'department', 'app': 'registry', 'unique_together': (('institution', 'name'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Qualification',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('qualification_cert_no', fields.CharField(unique=True, max_length=32)),
                ('name', fields.CharField(max_length=64)),
                ('id_type', fields.CharField(default='resident_id', max_length=16)),
                ('id_number_enc', fields.TextField(unique=False)),
                ('id_number_index', fields.CharField(db_index=True, max_length=64)),
                ('category', fields.CharEnumField(description='CLINICAL: clinical\nDENTAL: dental\nPUBLIC_HEALTH: public_health\nTCM: tcm', enum_type=Category, max_length=16)),
                ('level', fields.CharEnumField(description='PRACTITIONER: practitioner\nASSISTANT: assistant', enum_type=Level, max_length=16)),
                ('obtained_on', fields.DateField()),
                ('obtained_by', fields.CharField(default='exam', max_length=32)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='qualifications', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'qualification', 'app': 'registry', 'pk_attr': 'id', 'table_description': '资格信息: earned by exam, never changed by the physician.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PracticeRegistration',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('practice_cert_no', fields.CharField(null=True, unique=True, max_length=32)),
                ('qualification', fields.ForeignKeyField('registry.Qualification', source_field='qualification_id', db_constraint=True, to_field='id', related_name='registrations', on_delete=OnDelete.RESTRICT)),
                ('user', fields.ForeignKeyField('accounts.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='registrations', on_delete=OnDelete.SET_NULL)),
                ('main_institution', fields.ForeignKeyField('registry.Institution', source_field='main_institution_id', null=True, db_constraint=True, to_field='id', related_name='registrations', on_delete=OnDelete.RESTRICT)),
                ('department', fields.ForeignKeyField('registry.Department', source_field='department_id', null=True, db_constraint=True, to_field='id', related_name='registrations', on_delete=OnDelete.SET_NULL)),
                ('practice_region_code', fields.CharField(max_length=12)),
                ('category', fields.CharEnumField(description='CLINICAL: clinical\nDENTAL: dental\nPUBLIC_HEALTH: public_health\nTCM: tcm', enum_type=Category, max_length=16)),
                ('level', fields.CharEnumField(description='PRACTITIONER: practitioner\nASSISTANT: assistant', enum_type=Level, max_length=16)),
                ('practice_scopes', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharEnumField(default=RegistrationStatus.ACTIVE, db_index=True, description='ACTIVE: active\nTRANSFERRED_OUT: transferred_out\nFILED: filed\nCANCELLED: cancelled', enum_type=RegistrationStatus, max_length=16)),
                ('approval_authority', fields.CharField(null=True, max_length=128)),
                ('approved_on', fields.DateField(null=True)),
                ('title', fields.CharField(null=True, max_length=32)),
                ('education', fields.CharField(null=True, max_length=32)),
                ('school', fields.CharField(null=True, max_length=128)),
                ('major', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'practice_registration', 'app': 'registry', 'pk_attr': 'id', 'table_description': '执业信息: where and what the physician may practise.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Region',
            fields=[
                ('code', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=12)),
                ('name', fields.CharField(max_length=64)),
                ('level', fields.CharEnumField(description='PROVINCE: province\nCITY: city\nCOUNTY: county', enum_type=RegionLevel, max_length=16)),
                ('parent_code', fields.CharField(null=True, db_index=True, max_length=12)),
                ('province_code', fields.CharField(db_index=True, max_length=12)),
            ],
            options={'table': 'region', 'app': 'registry', 'pk_attr': 'code', 'table_description': 'Administrative division, GB/T 2260 code (province 110000, city 110100, county 110105).'},
            bases=['Model'],
        ),
    ]
