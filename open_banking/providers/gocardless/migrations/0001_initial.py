# State only: ServerToken and QuotaLedger move here from open_banking (see open_banking 0007),
# their tables unchanged (`open_banking_servertoken`, `open_banking_quotaledger`). Then the two
# ContentType rows follow, so permissions and admin log entries survive; on a fresh database
# the rows do not exist yet and that step does nothing. Do not squash this with open_banking 0007.

import django.db.models.deletion
import integrations_core.fields
from django.db import migrations, models

MODELS = ("servertoken", "quotaledger")


def _move_content_types(apps, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if ContentType.objects.filter(app_label=target, model=model).exists():
            continue  # already there (e.g. created by post_migrate): leave both as they are
        ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def content_types_forward(apps, schema_editor):
    _move_content_types(apps, "open_banking", "gocardless")


def content_types_backward(apps, schema_editor):
    _move_content_types(apps, "gocardless", "open_banking")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('open_banking', '0007_gocardless_tables_to_own_app'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ServerToken',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=64, unique=True)),
                        ('provider', models.CharField(max_length=50)),
                        ('access_token', integrations_core.fields.EncryptedTextField(blank=True, default='')),
                        ('access_expires_at', models.DateTimeField(blank=True, null=True)),
                        ('refresh_token', integrations_core.fields.EncryptedTextField(blank=True, default='')),
                        ('refresh_expires_at', models.DateTimeField(blank=True, null=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        'db_table': 'open_banking_servertoken',
                    },
                ),
                migrations.CreateModel(
                    name='QuotaLedger',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('provider', models.CharField(max_length=50)),
                        ('account_id', models.CharField(help_text="The aggregator's account id.", max_length=255)),
                        ('scope', models.CharField(max_length=20)),
                        ('day', models.DateField(help_text='UTC day the calls were made.')),
                        ('successful_calls', models.PositiveIntegerField(default=0)),
                        ('rate_limited_calls', models.PositiveIntegerField(default=0)),
                        ('limit', models.PositiveIntegerField(blank=True, help_text='As announced by the provider.', null=True)),
                        ('remaining', models.PositiveIntegerField(blank=True, help_text='As announced by the provider.', null=True)),
                        ('reset_at', models.DateTimeField(blank=True, help_text='When the provider said calls resume.', null=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('connection', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='quota_entries', to='open_banking.bankconnection')),
                    ],
                    options={
                        'db_table': 'open_banking_quotaledger',
                        'ordering': ['-day', 'account_id', 'scope'],
                        'constraints': [models.UniqueConstraint(fields=('provider', 'account_id', 'scope', 'day'), name='ob_quota_uniq')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
