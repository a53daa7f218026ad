from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('accounts', '0001_initial'), ('accounts', '0002_user_institution'), ('accounts', '0003_sessions_wechat_audit'), ('registry', '0003_accounts_and_applications')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='ActivationCode',
            index=Index(fields=['user_id', 'used_at']),
        ),
        ops.AddIndex(
            model_name='BusinessApplication',
            index=Index(fields=['user_id', 'kind']),
        ),
        ops.AddIndex(
            model_name='BusinessApplication',
            index=Index(fields=['institution_id', 'kind']),
        ),
        ops.AddIndex(
            model_name='BusinessApplication',
            index=Index(fields=['registration_id']),
        ),
        ops.AddIndex(
            model_name='InfoChangeRequest',
            index=Index(fields=['user_id', 'kind']),
        ),
        ops.AddIndex(
            model_name='MultiSiteFiling',
            index=Index(fields=['institution_id', 'status']),
        ),
        ops.AddIndex(
            model_name='MultiSiteFiling',
            index=Index(fields=['registration_id', 'status']),
        ),
        ops.AddIndex(
            model_name='PhysicianAccount',
            index=Index(fields=['qualification_id', 'status']),
        ),
        ops.AddIndex(
            model_name='PracticeRegistration',
            index=Index(fields=['main_institution_id', 'status']),
        ),
        ops.AddIndex(
            model_name='PracticeRegistration',
            index=Index(fields=['qualification_id', 'status']),
        ),
        ops.AddIndex(
            model_name='PracticeRegistration',
            index=Index(fields=['user_id']),
        ),
        ops.AddIndex(
            model_name='Qualification',
            index=Index(fields=['user_id']),
        ),
    ]
