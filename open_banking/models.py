"""Bank connections, accounts and transactions (concrete subclasses of the core's models), plus
the institution directory the aggregators share. A provider's own tables live in its app
(GoCardless: open_banking/providers/gocardless/models.py)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from integrations_core.models import (
    PROVIDER_MONEY,
    Account,
    BalanceSnapshotBase,
    Connection,
    Transaction,
    TransactionStatus,
)
from integrations_core.services.imports.transactions import CASH_ROW_SPEC


class BankConnection(Connection):
    class Meta(Connection.Meta):
        verbose_name = "bank connection"


class BankAccountType(models.TextChoices):
    """The core's account types plus what a person tracks by hand: borrowing (balance negative,
    what is owed) and property (positive, what it is worth)."""

    CURRENT = "current", "Current account"
    SAVINGS = "savings", "Savings"
    CREDIT_CARD = "credit_card", "Credit card"
    LOAN = "loan", "Loan"
    MORTGAGE = "mortgage", "Mortgage"
    PROPERTY = "property", "Property"
    INVESTMENT = "investment", "Investment"
    PENSION = "pension", "Pension"
    OTHER = "other", "Other"


# Types whose balance is money owed: a person types the amount owed, it is stored negative.
OWED_TYPES = frozenset({BankAccountType.CREDIT_CARD, BankAccountType.LOAN, BankAccountType.MORTGAGE})
# The per-person connection that holds the accounts a person keeps by hand (not a provider).
MANUAL_PROVIDER = "manual"


class BankAccount(Account):
    type = models.CharField(max_length=20, choices=BankAccountType.choices, default=BankAccountType.CURRENT)
    connection = models.ForeignKey(BankConnection, on_delete=models.CASCADE, related_name="accounts")
    iban_masked = models.CharField(max_length=40, blank=True, default="")
    sort_code_masked = models.CharField(max_length=10, blank=True, default="")
    credit_limit = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True)
    # Statement figures are amounts due, so positive = owed (as on the paper statement).
    last_statement_balance = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True)
    last_statement_date = models.DateField(null=True, blank=True)
    payment_due = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True)
    payment_due_date = models.DateField(null=True, blank=True)

    class Meta(Account.Meta):
        verbose_name = "bank account"

    @property
    def is_manual(self) -> bool:
        return self.connection.provider == MANUAL_PROVIDER


class BankTransaction(Transaction):
    # No index of its own: the unique (account, external_id) and ob_txn_account_date lead with it.
    account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="transactions", db_index=False)
    running_balance = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True)

    # The core's single-column indexes, switched off here (same fields otherwise): the fingerprint
    # and status are never looked up on their own, booked_date and category are served by the
    # composite indexes below. On PostgreSQL each also had a second `_like` index, so this table
    # carried 13 indexes and a bulk insert paid for all of them: the raw insert limit doubled
    # without them (docs/performance.md).
    fingerprint = models.CharField(max_length=64)
    booked_date = models.DateField()
    category = models.CharField(max_length=80, blank=True, default="")
    status = models.CharField(max_length=10, choices=TransactionStatus.choices, default=TransactionStatus.BOOKED)
    # Nothing looks bank rows up or orders them by created_at alone (lists order by booked date
    # first), and its index cost ~8 ms of database CPU per 1,000 rows written, a quarter of
    # the table's index cost, for no query faster (bench/indexes.py, docs/performance.md).
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(Transaction.Meta):
        verbose_name = "bank transaction"
        indexes = [
            # One account's list, the import's window and last booked date.
            models.Index(fields=["account", "-booked_date", "-id"], name="ob_txn_account_date"),
            # Every account's list, newest first: the keyset cursor seeks straight to (date, id).
            models.Index(fields=["-booked_date", "-id"], name="ob_txn_date"),
            # ?category= (with or without dates) in list order.
            models.Index(fields=["category", "-booked_date", "-id"], name="ob_txn_category_date"),
            # The import's open pending rows: only pending rows are in it, so it stays tiny.
            models.Index(fields=["account"], condition=Q(status=TransactionStatus.PENDING),
                         name="ob_txn_account_pending"),
        ]
        # Text search (?search=) has a pg_trgm GIN index, created on PostgreSQL only by
        # migration 0004 (it is not declared here because SQLite cannot build it).

    @property
    def transaction_type(self) -> str:
        return "debit" if self.amount < 0 else "credit"


class BalanceSnapshot(BalanceSnapshotBase):
    """One balance per account per day, as the bank reported it, for history charts."""

    account = models.ForeignKey(BankAccount, on_delete=models.CASCADE, related_name="balance_snapshots")

    class Meta(BalanceSnapshotBase.Meta):
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="ob_snapshot_one_per_day")]


BankConnection.account_model = BankAccount
BankConnection.transaction_model = BankTransaction
BankAccount.snapshot_model = BalanceSnapshot
BankTransaction.row_spec = CASH_ROW_SPEC


class Institution(models.Model):
    """A bank a person can pick, per aggregator. Seeded by `manage.py seed_institutions`."""

    provider = models.CharField(max_length=50, db_index=True)
    external_id = models.CharField(max_length=100, help_text="The aggregator's id for this bank.")
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, db_index=True, default="GB")
    bic = models.CharField(max_length=11, blank=True, default="")
    logo_url = models.CharField(max_length=500, blank=True, default="")
    transaction_total_days = models.PositiveIntegerField(null=True, blank=True,
                                                         help_text="History the bank can give, in days.")
    max_access_valid_for_days = models.PositiveIntegerField(null=True, blank=True,
                                                            help_text="Longest consent the bank accepts.")
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["provider", "external_id"], name="ob_institution_uniq")]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"


class BankStatementMapping(models.Model):
    """How one person's CSV exports from one bank read: which column is the date, the amount
    (or money out and money in), the description..., and the date order. Saved when a file
    with it is previewed, offered for the next file from the same bank."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bank_statement_mappings")
    bank = models.CharField(max_length=100, help_text="The bank's name as the person typed it.")
    bank_key = models.CharField(max_length=100, help_text="The name casefolded: one mapping per bank.")
    columns = models.JSONField(default=dict, help_text="{role: header, date_order, decimal_comma}")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["bank"]
        constraints = [models.UniqueConstraint(fields=["user", "bank_key"], name="ob_statement_mapping_per_bank")]

    def __str__(self) -> str:
        return f"{self.bank} CSV mapping"
