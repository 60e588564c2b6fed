"""Bank connections, accounts and transactions: concrete subclasses of the core's models."""

from __future__ import annotations

import uuid

from django.db import models

from integrations_core.models import MONEY, Account, Connection, Transaction


class BankConnection(Connection):
    class Meta(Connection.Meta):
        verbose_name = "bank connection"


class BankAccount(Account):
    connection = models.ForeignKey(BankConnection, on_delete=models.CASCADE, related_name="accounts")
    iban_masked = models.CharField(max_length=40, blank=True, default="")
    sort_code_masked = models.CharField(max_length=10, blank=True, default="")
    credit_limit = models.DecimalField(**MONEY, null=True, blank=True)
    last_statement_balance = models.DecimalField(**MONEY, null=True, blank=True)
    last_statement_date = models.DateField(null=True, blank=True)
    payment_due = models.DecimalField(**MONEY, null=True, blank=True)
    payment_due_date = models.DateField(null=True, blank=True)

    class Meta(Account.Meta):
        verbose_name = "bank account"


class BankTransaction(Transaction):
    account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="transactions")
    running_balance = models.DecimalField(**MONEY, null=True, blank=True)

    class Meta(Transaction.Meta):
        verbose_name = "bank transaction"
        indexes = [
            models.Index(fields=["account", "-booked_date", "-id"], name="ob_txn_account_date"),
            models.Index(fields=["account", "status"], name="ob_txn_account_status"),
        ]

    @property
    def transaction_type(self) -> str:
        return "debit" if self.amount < 0 else "credit"


class BalanceSnapshot(models.Model):
    """One balance per account per day, as the bank reported it, for history charts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="balance_snapshots")
    date = models.DateField()
    current = models.DecimalField(**MONEY, null=True, blank=True)
    available = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="ob_snapshot_one_per_day")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.date} {self.current} {self.currency}"


BankConnection.account_model = BankAccount
BankConnection.transaction_model = BankTransaction
