"""The books: one connection per consent (Xero, QuickBooks), one Organisation per Xero tenant /
QuickBooks realm it reaches, and per organisation what the books hold (chart of accounts,
contacts, tracking categories, invoices and bills with their payments, bank transactions).

Written only by the books runner (accounting/runner.py) from records (integrations_core/
records.py): keyed by the provider's id per organisation, so reading the same books twice
changes nothing. What the person decides (the category mapping, where to push) and what we
pushed (PushedItem, with the version of their record we last saw) live here too.

Amounts are Decimal in major units, positive; `kind` says the direction."""

from __future__ import annotations

from types import MappingProxyType

from django.conf import settings
from django.db import models

from integrations_core.models import (
    PROVIDER_MONEY,
    Account,
    AccountType,
    Connection,
    RecordKind,
    UUIDTimestampedModel,
    currency_validator,
)


class BooksConnection(Connection):
    class Meta(Connection.Meta):
        verbose_name = "accounting connection"


class Organisation(Account):
    """One organisation the consent reaches (a Xero tenant, a QuickBooks realm). `is_active`
    is False once the provider stops listing it (the person did not pick it, or removed it):
    nothing of it is synced or pushed any more, and everything stored is kept."""

    connection = models.ForeignKey(BooksConnection, on_delete=models.CASCADE, related_name="accounts")
    type = models.CharField(max_length=20, choices=AccountType.choices, default=AccountType.OTHER)
    # The provider's own id for the link to this organisation (Xero's connection id, used to
    # remove the tenant from the consent), when it differs from the organisation id.
    link_id = models.CharField(max_length=100, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="")
    # Where the last complete read ended (Xero: the If-Modified-Since timestamp; QuickBooks:
    # the CDC changedSince). Saved in the same transaction as the rows it covers.
    books_cursor = models.CharField(max_length=500, blank=True, default="")
    disconnected_at = models.DateTimeField(null=True, blank=True,
                                           help_text="When the provider said the organisation is no longer shared.")

    class Meta(Account.Meta):
        verbose_name = "organisation"


class BooksRow(UUIDTimestampedModel):
    """What every synced row of the books has: the organisation and the provider's id."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=100)
    raw = models.JSONField(blank=True, default=dict)

    class Meta:
        abstract = True
        constraints = [
            models.UniqueConstraint(fields=["organisation", "external_id"], name="%(app_label)s_%(class)s_uniq_ext"),
        ]


class Classification(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    EQUITY = "equity", "Equity"
    REVENUE = "revenue", "Revenue"
    EXPENSE = "expense", "Expense"


class LedgerAccount(BooksRow):
    """One account of the organisation's chart of accounts."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="ledger_accounts")
    name = models.CharField(max_length=200)
    code = models.CharField(max_length=30, blank=True, default="")
    type = models.CharField(max_length=40, blank=True, default="", help_text="The provider's own type.")
    classification = models.CharField(max_length=10, choices=Classification.choices, blank=True, default="")
    status = models.CharField(max_length=10, default="active")  # active | archived | deleted
    currency = models.CharField(max_length=3, blank=True, default="")
    tax_type = models.CharField(max_length=40, blank=True, default="")
    is_bank = models.BooleanField(default=False)
    bank_account_number = models.CharField(max_length=60, blank=True, default="")

    class Meta(BooksRow.Meta):
        ordering = ["code", "name"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class Contact(BooksRow):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=255)
    email = models.CharField(max_length=255, blank=True, default="")
    is_customer = models.BooleanField(default=False)
    is_supplier = models.BooleanField(default=False)

    class Meta(BooksRow.Meta):
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrackingCategory(BooksRow):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tracking_categories")
    name = models.CharField(max_length=100)
    options = models.JSONField(blank=True, default=list, help_text="[[option id, name], ...]")
    status = models.CharField(max_length=10, default="active")

    class Meta(BooksRow.Meta):
        ordering = ["name"]
        verbose_name_plural = "tracking categories"

    def __str__(self) -> str:
        return self.name


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", "Sales invoice"
    BILL = "bill", "Bill"


class Invoice(BooksRow):
    """A sales invoice (owed to the business) or a bill (owed by it)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invoices")
    kind = models.CharField(max_length=10, choices=InvoiceKind.choices)
    number = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=12)  # draft | submitted | authorised | paid | voided | deleted
    currency = models.CharField(max_length=3, validators=[currency_validator])
    total = models.DecimalField(**PROVIDER_MONEY)
    amount_due = models.DecimalField(**PROVIDER_MONEY)
    amount_paid = models.DecimalField(**PROVIDER_MONEY)
    issue_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    contact_external_id = models.CharField(max_length=100, blank=True, default="")
    contact_name = models.CharField(max_length=255, blank=True, default="")
    reference = models.CharField(max_length=255, blank=True, default="")
    provider_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta(BooksRow.Meta):
        ordering = ["-issue_date", "number"]
        indexes = [models.Index(fields=["organisation", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.number} {self.total} {self.currency}"


class BookPayment(BooksRow):
    """A payment the books record against an invoice or a bill."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="payments")
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="payments")
    paid_on = models.DateField()
    amount = models.DecimalField(**PROVIDER_MONEY)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    bank_account_external_id = models.CharField(max_length=100, blank=True, default="")
    reference = models.CharField(max_length=255, blank=True, default="")

    class Meta(BooksRow.Meta):
        ordering = ["-paid_on"]

    def __str__(self) -> str:
        return f"{self.paid_on} {self.amount} {self.currency}"


class BookBankTransaction(BooksRow):
    """A bank transaction as the books hold it; `reference` carries our id for what we pushed."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="bank_transactions")
    kind = models.CharField(max_length=10)  # spend | receive
    date = models.DateField()
    amount = models.DecimalField(**PROVIDER_MONEY)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    bank_account_external_id = models.CharField(max_length=100, blank=True, default="")
    contact_name = models.CharField(max_length=255, blank=True, default="")
    reference = models.CharField(max_length=255, blank=True, default="", db_index=True)
    description = models.CharField(max_length=500, blank=True, default="")
    lines = models.JSONField(blank=True, default=list)
    status = models.CharField(max_length=10, default="active")  # active | deleted | voided
    provider_updated_at = models.DateTimeField(null=True, blank=True)
    version = models.CharField(max_length=100, blank=True, default="")

    class Meta(BooksRow.Meta):
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.kind} {self.amount} {self.currency}"


BooksConnection.account_model = Organisation
BooksConnection.record_models = MappingProxyType({RecordKind.ACCOUNT: Organisation})


# --- What the person decides, and what we pushed ---------------------------------------------


class CategoryMapping(UUIDTimestampedModel):
    """Our category (a transactions taxonomy code) -> one of the organisation's ledger accounts.
    Only rows the person saved are stored; suggestions are worked out when shown."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="category_mappings")
    category = models.CharField(max_length=80)
    ledger_account = models.ForeignKey(LedgerAccount, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["category"]
        constraints = [models.UniqueConstraint(fields=["organisation", "category"], name="accounting_mapping_one")]

    def __str__(self) -> str:
        return f"{self.category} -> {self.ledger_account_id}"


class PushTarget(UUIDTimestampedModel):
    """Where the person pushes: which of our bank accounts (any number) go to which of the
    organisation's bank accounts in the books (one)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="push_target")
    books_bank_account = models.ForeignKey(LedgerAccount, on_delete=models.CASCADE, related_name="+")
    source_accounts = models.ManyToManyField(settings.CATEGORISED_ACCOUNT_MODEL, related_name="+", blank=True)

    def __str__(self) -> str:
        return f"push to {self.books_bank_account_id}"


class PushStatus(models.TextChoices):
    CREATED = "created", "Created in the books"
    UPDATED = "updated", "Updated in the books"
    UNCHANGED = "unchanged", "Already in the books, unchanged"
    CONFLICT = "conflict", "Edited in the books after export: their edit kept"
    SKIPPED = "skipped", "Not pushed"
    FAILED = "failed", "Failed"


class PushedItem(UUIDTimestampedModel):
    """One of our bank transactions as we last pushed it to one organisation: their id, the
    version of their record we last saw, and a digest of what we sent. `reference` (our stable
    id) is what the books store as their reference."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="pushed_items")
    reference = models.CharField(max_length=100)
    transaction = models.ForeignKey(settings.CATEGORISED_TRANSACTION_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    external_id = models.CharField(max_length=100, blank=True, default="")
    version = models.CharField(max_length=100, blank=True, default="",
                               help_text="Their version when we last wrote or read it.")
    digest = models.CharField(max_length=64, blank=True, default="", help_text="What we last sent.")
    status = models.CharField(max_length=10, choices=PushStatus.choices)
    message = models.CharField(max_length=500, blank=True, default="")
    pushed_at = models.DateTimeField(null=True, blank=True)
    conflict_at = models.DateTimeField(null=True, blank=True)
    # How the person settled a conflict ("theirs" | "ours"), applied by the next push (which
    # reads what the books hold then) and cleared by it.
    resolution = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["organisation", "reference"], name="accounting_pushed_once")]

    def __str__(self) -> str:
        return f"{self.reference} {self.status}"


class PushRun(UUIDTimestampedModel):
    """One push the person asked for, with what happened to each item."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="push_runs")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    conflicts = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    provider_writes = models.PositiveIntegerField(default=0)
    results = models.JSONField(blank=True, default=list,
                               help_text="[{reference, transaction, status, message, external_id}]")
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"push {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def changed_nothing(self) -> bool:
        return not (self.created or self.updated or self.failed or self.provider_writes)
