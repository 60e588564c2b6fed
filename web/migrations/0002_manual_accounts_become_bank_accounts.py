"""Manual accounts move to open_banking as bank accounts under a per-person `manual` connection
(issue 18 §2), so the API, transactions, budgets and account pages treat them like connected
ones. Each keeps its id, name, type, currency and balance (and gets its first history point)."""

import uuid

from django.db import migrations


def forwards(apps, schema_editor):
    ManualAccount = apps.get_model("web", "ManualAccount")
    BankConnection = apps.get_model("open_banking", "BankConnection")
    BankAccount = apps.get_model("open_banking", "BankAccount")
    BalanceSnapshot = apps.get_model("open_banking", "BalanceSnapshot")
    owed = {"credit_card", "loan", "mortgage"}
    for manual in ManualAccount.objects.all().iterator():
        connection, _ = BankConnection.objects.get_or_create(
            user_id=manual.user_id, provider="manual",
            defaults={"status": "active", "institution_name": "Added by you"})
        balance = -abs(manual.balance) if manual.type in owed else manual.balance
        account = BankAccount.objects.create(
            id=manual.id, connection=connection, external_id=f"manual-{uuid.uuid4()}", name=manual.name,
            type=manual.type, currency=manual.currency, current_balance=balance,
            balance_updated_at=manual.updated_at, created_at=manual.created_at)
        BalanceSnapshot.objects.create(account=account, date=manual.updated_at.date(), current=balance,
                                       currency=manual.currency)


def backwards(apps, schema_editor):
    ManualAccount = apps.get_model("web", "ManualAccount")
    BankAccount = apps.get_model("open_banking", "BankAccount")
    for account in BankAccount.objects.filter(connection__provider="manual").select_related("connection"):
        ManualAccount.objects.create(id=account.id, user_id=account.connection.user_id, name=account.name,
                                     type=account.type if account.type in
                                     ("current", "savings", "credit_card", "investment", "pension") else "other",
                                     currency=account.currency, balance=account.current_balance or 0)
        account.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0001_initial"),
        ("open_banking", "0009_bank_account_loan_mortgage_property_types"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(name="ManualAccount"),
    ]
