# State only: ServerToken and QuotaLedger now belong to the `gocardless` app
# (open_banking/providers/gocardless, migration gocardless 0001_initial). No table is touched;
# the tables keep their names. Do not squash this with gocardless 0001.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('open_banking', '0006_sync_leases_and_schedule'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='QuotaLedger'),
                migrations.DeleteModel(name='ServerToken'),
            ],
            database_operations=[],
        ),
    ]
