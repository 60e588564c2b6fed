"""Shared models. Connection, Account and Transaction are abstract: each provider family
subclasses them (open_banking.BankConnection...). SyncRun, AuditEvent, ProviderSetting and
OAuthState are concrete and point at any family's connection through a generic relation."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

from .fields import EncryptedJSONField, EncryptedTextField
from .money import PRICE, QUANTITY, STORED_DECIMALS

currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use an ISO 4217 currency code such as GBP.")
# Amounts a person types (budgets, caps, manual balances): pence are enough.
MONEY = {"max_digits": 18, "decimal_places": 2}
# Amounts a provider sends: every ISO 4217 currency exactly (KWD has 3 decimals, CLF 4; JPY 0),
# so what is stored equals what arrives and an unchanged re-sync finds nothing to rewrite.
PROVIDER_MONEY = {"max_digits": 22, "decimal_places": STORED_DECIMALS}


class UUIDTimestampedModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ConnectionStatus(models.TextChoices):
    PENDING = "pending", "Waiting for authorisation"
    ACTIVE = "active", "Active"
    REAUTH_REQUIRED = "reauth_required", "Reconnect needed"
    ERROR = "error", "Error"
    REVOKED = "revoked", "Disconnected"
    EXPIRED = "expired", "Expired"


class Connection(UUIDTimestampedModel):
    """One person's link to one provider. Tokens and credentials are encrypted at rest."""

    # Set by each concrete family model so the core can write its accounts and transactions.
    account_model: type[Account]
    transaction_model: type[Transaction]
    # Every record kind the family stores, by kind (see RecordKind and connection_record_model
    # at the end of this module); account_model/transaction_model above stay for the bank paths.
    record_models: ClassVar[Mapping[RecordKind, type]]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="%(app_label)s_%(class)ss")
    provider = models.CharField(max_length=50, db_index=True)
    status = models.CharField(max_length=20, choices=ConnectionStatus.choices,
                              default=ConnectionStatus.PENDING, db_index=True)
    external_id = models.CharField(max_length=255, blank=True, default="",
                                   help_text="Provider-side id of this connection (requisition, credentials id).")
    institution_id = models.CharField(max_length=100, blank=True, default="")
    institution_name = models.CharField(max_length=200, blank=True, default="")

    access_token = EncryptedTextField(blank=True, default="")
    refresh_token = EncryptedTextField(blank=True, default="")
    credentials = EncryptedJSONField(blank=True, default=dict)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    consent_expires_at = models.DateTimeField(null=True, blank=True)

    last_synced_at = models.DateTimeField(null=True, blank=True)
    next_sync_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_error = models.TextField(blank=True, default="", help_text="Safe to show to the user.")
    last_error_code = models.CharField(max_length=40, blank=True, default="")
    retry_after = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True, db_index=True,
                                      help_text="When it was disconnected; its data is purged after the retention period.")
    consecutive_failures = models.PositiveIntegerField(default=0)
    sync_state = models.JSONField(blank=True, default=dict)

    # The sync lease (integrations_core/services/leases.py): one sync at a time, a fresh token
    # per attempt, renewed while the sync runs, so a dead worker's lease lapses within
    # SYNC_LOCK_TTL_SECONDS. `sync_lock_run_id` is the run holding it: a lease that lapsed with
    # a run id still set belonged to a worker that died.
    sync_lock_token = models.CharField(max_length=64, blank=True, default="")
    sync_lock_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sync_lock_run_id = models.UUIDField(null=True, blank=True)
    # Set when a sync task is sent, cleared when a sync takes the lease: the periodic fan-outs
    # do not queue a second task while one is waiting in the broker.
    sync_queued_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.provider}:{self.institution_name or self.institution_id or self.pk}"

    @property
    def is_syncable(self) -> bool:
        return self.status in (ConnectionStatus.ACTIVE, ConnectionStatus.ERROR)

    @property
    def user_state(self) -> str:
        """What the person should understand: ok, reauth_required, rate_limited, provider_down,
        error, pending, revoked, expired. A syncable connection is "ok" only if nothing has
        failed since its last good sync: `last_error_code` is cleared by every good sync and
        set by every failure, so a connection that has never synced and keeps failing is never
        shown as fine, not even once a provider's wait has passed."""
        if self.status not in (ConnectionStatus.ACTIVE, ConnectionStatus.ERROR):
            return self.status
        code = self.last_error_code
        if code == "rate_limited":
            return "rate_limited"
        if code in PROVIDER_DOWN_CODES:
            return "provider_down"
        if code or self.status == ConnectionStatus.ERROR:
            return "error"
        return "ok"


# Failure codes that mean "the provider is not answering properly" to the person.
PROVIDER_DOWN_CODES = frozenset({"provider_down", "bad_response"})


class AccountType(models.TextChoices):
    CURRENT = "current", "Current account"
    SAVINGS = "savings", "Savings"
    CREDIT_CARD = "credit_card", "Credit card"
    INVESTMENT = "investment", "Investment"
    PENSION = "pension", "Pension"
    OTHER = "other", "Other"


class Account(UUIDTimestampedModel):
    """Concrete subclasses add `connection = ForeignKey(<their Connection>)`."""

    # The family's daily balance history model (account, date, current, available, currency),
    # written by the core's import beside the balance; None: the family keeps none.
    snapshot_model: ClassVar[type[models.Model] | None] = None

    external_id = models.CharField(max_length=255)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=AccountType.choices, default=AccountType.CURRENT)
    subtype = models.CharField(max_length=50, blank=True, default="")
    currency = models.CharField(max_length=3, validators=[currency_validator])
    # One sign convention for every provider and account type: negative = the person owes it
    # (an overdrawn current account, a credit card's spent balance), positive = money they have.
    current_balance = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True,
                                          help_text="Negative = owed (a card's balance), positive = held.")
    available_balance = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True,
                                            help_text="What can be spent now, including any overdraft "
                                                      "or credit limit left.")
    balance_updated_at = models.DateTimeField(null=True, blank=True)
    masked_number = models.CharField(max_length=40, blank=True, default="")
    is_active = models.BooleanField(default=True, help_text="False once the provider stops returning it.")
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # This account's own last sync problem: the connection can be fine while one account fails
    # (a closed account's 404, a bank that refuses old history) or only its balance is stale.
    sync_error_code = models.CharField(max_length=40, blank=True, default="")
    sync_error = models.TextField(blank=True, default="", help_text="Safe to show to the user.")
    sync_failing_since = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(blank=True, default=dict)

    class Meta:
        abstract = True
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="%(app_label)s_%(class)s_uniq_ext"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"

    def fields_set_by_person(self) -> frozenset[str]:
        """Columns the person chose for this account, which a sync never overwrites (a family
        records the choice; investments: the wrapper of an account the platform cannot name)."""
        return frozenset()

    @property
    def sync_state(self) -> str:
        """ok | balance_stale (rows are current, the balance is as of balance_updated_at) |
        failing (nothing new since sync_failing_since)."""
        if not self.sync_error_code:
            return "ok"
        return "balance_stale" if self.sync_error_code.startswith("balance_") else "failing"


class BalanceSnapshotBase(models.Model):
    """One balance per account per day, as the provider reported it, for history charts. A
    family's concrete model adds the `account` foreign key (related_name "balance_snapshots")
    and its one-per-day constraint, and names itself in `Account.snapshot_model`; the core
    writes it beside the balance."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    date = models.DateField()
    current = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True)
    available = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.account_id} {self.date} {self.current} {self.currency}"


class TransactionStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    BOOKED = "booked", "Booked"


class Transaction(UUIDTimestampedModel):
    """Concrete subclasses add `account = ForeignKey(<their Account>)`. Amounts are signed:
    negative = money out, in `currency`."""

    # Fields a user can edit; once edited, syncs and rules leave them alone.
    USER_EDITABLE_FIELDS = ("category", "merchant_name", "description", "notes")

    external_id = models.CharField(max_length=255, help_text="Our stable key: provider id or fingerprint.")
    provider_transaction_id = models.CharField(max_length=255, blank=True, default="")
    fingerprint = models.CharField(max_length=64, db_index=True)
    booked_date = models.DateField(db_index=True)
    value_date = models.DateField(null=True, blank=True)
    booked_at = models.DateTimeField(null=True, blank=True)
    amount = models.DecimalField(**PROVIDER_MONEY)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    original_amount = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True)
    original_currency = models.CharField(max_length=3, blank=True, default="")
    description = models.CharField(max_length=500)
    merchant_name = models.CharField(max_length=200, blank=True, default="")
    category = models.CharField(max_length=80, blank=True, default="", db_index=True)
    category_source = models.CharField(max_length=30, blank=True, default="")
    category_confidence = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    provider_category = models.CharField(max_length=200, blank=True, default="")
    mcc = models.CharField(max_length=4, blank=True, default="")
    status = models.CharField(max_length=10, choices=TransactionStatus.choices,
                              default=TransactionStatus.BOOKED, db_index=True)
    notes = models.TextField(blank=True, default="")
    locked_fields = models.JSONField(blank=True, default=list)
    raw = models.JSONField(blank=True, default=dict)

    class Meta:
        abstract = True
        ordering = ["-booked_date", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["account", "external_id"], name="%(app_label)s_%(class)s_uniq_ext"),
        ]

    def __str__(self) -> str:
        return f"{self.booked_date} {self.description} {self.amount} {self.currency}"

    @property
    def is_debit(self) -> bool:
        return self.amount < Decimal("0")


class SyncOutcome(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Partly succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"  # why: the run's error_code (already_running, provider_paused)


class SyncRun(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sync_runs")
    connection_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    connection_id = models.UUIDField(db_index=True)
    connection = GenericForeignKey("connection_type", "connection_id")
    provider = models.CharField(max_length=50, db_index=True)
    trigger = models.CharField(max_length=20, default="scheduled")  # scheduled | manual | connect
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=SyncOutcome.choices, default=SyncOutcome.RUNNING)
    account_results = models.JSONField(blank=True, default=dict)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    provider_calls = models.PositiveIntegerField(default=0)
    error_code = models.CharField(max_length=40, blank=True, default="")
    error = models.TextField(blank=True, default="", help_text="Safe to show to the user.")
    next_action = models.CharField(max_length=40, blank=True, default="",
                                   help_text="none | reconnect | retry_later | contact_support")

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["connection_type", "connection_id", "-started_at"]),
            # The few unfinished runs, for the sweep that closes dead ones (tasks.sync_retry_due).
            models.Index(fields=["started_at"], name="syncrun_unfinished_idx",
                         condition=models.Q(outcome__in=["queued", "running"])),
        ]

    def __str__(self) -> str:
        return f"{self.provider} sync {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class StatementImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Previewed"
    IMPORTED = "imported", "Imported"
    REJECTED = "rejected", "Rejected (the file has errors)"
    EXPIRED = "expired", "Expired before it was confirmed"


class StatementImport(models.Model):
    """One uploaded statement file: previewed (parsed, nothing written), then confirmed into a
    connection. The parsed rows wait, encrypted, in `records` until confirmed or expired; the
    file itself is never kept. A file is imported into a connection at most once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="statement_imports")
    provider = models.CharField(max_length=50, db_index=True)
    connection_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    connection_id = models.UUIDField(null=True, blank=True, db_index=True)
    connection = GenericForeignKey("connection_type", "connection_id")
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=StatementImportStatus.choices,
                              default=StatementImportStatus.PREVIEWED, db_index=True)
    records = EncryptedJSONField(blank=True, default=dict, help_text="The parsed rows, until confirmed.")
    errors = models.JSONField(blank=True, default=list, help_text="[{line, column, message}]")
    rows = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["connection_id", "sha256"], name="statementimport_once_per_connection",
                                    condition=models.Q(status="imported")),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.filename} {self.status}"


class AuditEvent(models.Model):
    """Who did what to which connection. Never holds a secret: `details` is built from ids."""

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", help_text="Empty for the system (scheduled jobs).")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="audit_events", help_text="Whose data it concerns.")
    action = models.CharField(max_length=50, db_index=True)
    provider = models.CharField(max_length=50, blank=True, default="")
    connection_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True)
    connection_id = models.UUIDField(null=True, blank=True, db_index=True)
    details = models.JSONField(blank=True, default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


class BreakerState(models.TextChoices):
    CLOSED = "closed", "Closed (syncing)"
    OPEN = "open", "Open (paused after provider-wide failures)"
    HALF_OPEN = "half_open", "Half-open (trying again)"


class ProviderSetting(models.Model):
    """Operator switches per provider, editable in admin without a deploy, and the provider's
    circuit breaker: after repeated provider-wide failures its syncs pause, then resume by
    themselves."""

    provider = models.CharField(max_length=50, unique=True)
    enabled = models.BooleanField(default=True)
    notes = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)
    breaker_state = models.CharField(max_length=10, choices=BreakerState.choices, default=BreakerState.CLOSED)
    breaker_failures = models.PositiveIntegerField(default=0, help_text="Consecutive provider-wide failures.")
    breaker_trips = models.PositiveIntegerField(default=0, help_text="Times opened since it last closed.")
    breaker_open_until = models.DateTimeField(null=True, blank=True)
    breaker_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["provider"]

    def __str__(self) -> str:
        return f"{self.provider} ({'enabled' if self.enabled else 'disabled'})"


class OAuthState(models.Model):
    """A single-use `state` for one connect attempt, bound to the user and the connection."""

    state = models.CharField(max_length=128, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=50)
    connection_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    connection_id = models.UUIDField()
    redirect_uri = models.CharField(max_length=500)
    code_verifier = EncryptedTextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"state for {self.provider} {self.connection_id}"


# --- Record kinds and portfolio bases (plan step 6) ------------------------------------------
# Appended here rather than in a models/ package so the rest of this file stays as it is.


class RecordKind(models.TextChoices):
    """The kinds of record a source can return; each family maps the kinds it stores to its
    concrete models in `Connection.record_models`, so the core writes them without importing
    the family."""

    ACCOUNT = "account", "Account"
    TRANSACTION = "transaction", "Transaction"
    SECURITY = "security", "Security"
    # Added beside the plan's list: securities_upsert writes aliases too.
    SECURITY_ALIAS = "security_alias", "Security alias"
    HOLDING_SNAPSHOT = "holding_snapshot", "Holding snapshot"
    HOLDING = "holding", "Holding"
    INVESTMENT_TRANSACTION = "investment_transaction", "Investment transaction"
    VALUATION = "valuation", "Valuation"
    # A holding's reported price kept as price history (one per security, day and source).
    SECURITY_PRICE = "security_price", "Security price"


def connection_record_model(connection_model: type[Connection] | Connection, kind: RecordKind | str) -> type:
    """The concrete model a connection family stores `kind` in. Families that predate
    `record_models` (banking) still answer for accounts and transactions through
    `account_model`/`transaction_model`. LookupError when the family does not store the kind."""
    cls = connection_model if isinstance(connection_model, type) else type(connection_model)
    kind = RecordKind(kind)
    found = getattr(cls, "record_models", {}).get(kind)
    if found is None and kind == RecordKind.ACCOUNT:
        found = getattr(cls, "account_model", None)
    if found is None and kind == RecordKind.TRANSACTION:
        found = getattr(cls, "transaction_model", None)
    if found is None:
        raise LookupError(f"{cls.__name__} stores no {kind.value} records")
    return found


# Read by connection_record_model; a family assigns its own dict (never mutates this one).
Connection.record_models = MappingProxyType({})


class RecordSource(models.TextChoices):
    SYNCED = "synced", "Synced from the provider"
    STATEMENT = "statement", "Imported from a statement"
    MANUAL = "manual", "Entered by the person"


class HoldingSnapshotBase(UUIDTimestampedModel):
    """Every holding of one account on one day. Concrete subclasses add `account` (unique with
    `date`: a second sync the same day updates the day's snapshot in place)."""

    date = models.DateField()
    as_of = models.DateTimeField(help_text="When the provider says the positions were taken.")
    source = models.CharField(max_length=20, choices=RecordSource.choices, default=RecordSource.SYNCED)
    value = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True,
                                help_text="Holdings plus cash in the account currency; empty when a "
                                          "holding's value is unknown.")

    class Meta:
        abstract = True
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.value}"


class HoldingBase(UUIDTimestampedModel):
    """One position in a snapshot. Concrete subclasses add `snapshot` and `security`. `price` is
    stored as sent, in `price_currency` (GBX allowed); `value` and `book_cost` in `currency`."""

    quantity = models.DecimalField(**QUANTITY)
    price = models.DecimalField(**PRICE, null=True, blank=True)
    price_currency = models.CharField(max_length=3, blank=True, default="")
    price_as_of = models.DateTimeField(null=True, blank=True)
    value = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True)
    book_cost = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    raw = models.JSONField(blank=True, default=dict)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.quantity} @ {self.price} {self.price_currency}"


class ValuationBase(UUIDTimestampedModel):
    """An account's total value on a day (investments from their snapshots, pensions as the
    scheme reports). Concrete subclasses add `account`, unique with `date`."""

    date = models.DateField()
    value = models.DecimalField(**PROVIDER_MONEY)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    source = models.CharField(max_length=20, choices=RecordSource.choices, default=RecordSource.SYNCED)
    raw = models.JSONField(blank=True, default=dict)

    class Meta:
        abstract = True
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {self.value} {self.currency}"


# --- Operations: webhook event log, alerts, notifications (models_ops.py) ---------------------
from .models_ops import (  # noqa: E402,F401  (registered with this app from here)
    Alert,
    AlertAudience,
    ConnectionLink,
    IntegrationHealth,
    Notification,
    WebhookEvent,
    WebhookRejection,
    WebhookStatus,
)
