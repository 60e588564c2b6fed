"""Processor connections (Stripe, PayPal...), one account per settlement currency holding the
processor balance, and what moves it: balance transactions (with the fee split), payouts (with
the balance transactions each settled) and disputes.

Amounts are Decimal in major units of `currency` (integrations_core.records explains the signs:
money into the balance positive, out negative; `net` = `amount` - `fee` exactly). Rows are keyed
by the processor's own id per account, so a repeated sync rewrites nothing."""

from __future__ import annotations

from types import MappingProxyType

from django.db import models

from integrations_core.models import (
    PROVIDER_MONEY,
    Account,
    AccountType,
    BalanceSnapshotBase,
    Connection,
    RecordKind,
    UUIDTimestampedModel,
    currency_validator,
)
from integrations_core.money import FX_RATE


class PaymentsConnection(Connection):
    class Meta(Connection.Meta):
        verbose_name = "payment processor connection"


class ProcessorAccount(Account):
    """The processor balance in one settlement currency (external_id e.g. "balance:gbp").
    `current_balance` is everything held (available + pending), `available_balance` what can be
    paid out now, `pending_balance` what is still settling."""

    connection = models.ForeignKey(PaymentsConnection, on_delete=models.CASCADE, related_name="accounts")
    type = models.CharField(max_length=20, choices=AccountType.choices, default=AccountType.OTHER)
    pending_balance = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True)

    class Meta(Account.Meta):
        verbose_name = "processor balance"


class ProcessorBalanceSnapshot(BalanceSnapshotBase):
    """One balance per processor account per day, for history charts (the core writes it)."""

    account = models.ForeignKey(ProcessorAccount, on_delete=models.CASCADE, related_name="balance_snapshots")

    class Meta(BalanceSnapshotBase.Meta):
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="pay_snapshot_one_per_day")]


class PayoutStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_TRANSIT = "in_transit", "In transit"
    PAID = "paid", "Paid"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


class Payout(UUIDTimestampedModel):
    """Money sent from the processor balance to the business's bank. `amount` is positive:
    what the bank receives, on `arrival_date`, showing `reference` on its statement."""

    account = models.ForeignKey(ProcessorAccount, on_delete=models.CASCADE, related_name="payouts")
    external_id = models.CharField(max_length=255)
    amount = models.DecimalField(**PROVIDER_MONEY)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    status = models.CharField(max_length=20, choices=PayoutStatus.choices, db_index=True)
    occurred_at = models.DateTimeField(help_text="When the processor created the payout.")
    arrival_date = models.DateField(null=True, blank=True, db_index=True)
    reference = models.CharField(max_length=255, blank=True, default="", help_text="The bank statement's text.")
    destination = models.CharField(max_length=100, blank=True, default="")
    method = models.CharField(max_length=20, blank=True, default="standard")
    automatic = models.BooleanField(default=True)
    failure_message = models.CharField(max_length=500, blank=True, default="")
    raw = models.JSONField(blank=True, default=dict)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [models.UniqueConstraint(fields=["account", "external_id"], name="pay_payout_uniq_ext")]

    def __str__(self) -> str:
        return f"{self.external_id} {self.amount} {self.currency} {self.status}"


class BalanceTransactionType(models.TextChoices):
    CHARGE = "charge", "Charge"
    REFUND = "refund", "Refund"
    FEE = "fee", "Fee"
    PAYOUT = "payout", "Payout"
    PAYOUT_FAILURE = "payout_failure", "Payout returned"
    DISPUTE = "dispute", "Dispute"
    DISPUTE_REVERSAL = "dispute_reversal", "Dispute won back"
    ADJUSTMENT = "adjustment", "Adjustment"
    TRANSFER = "transfer", "Transfer"
    OTHER = "other", "Other"


class BalanceTransaction(UUIDTimestampedModel):
    """One movement of a processor balance: gross `amount`, the processor's `fee` (split in
    `fee_details`), `net` = amount - fee. `payout` is the payout that carried it to the bank,
    once known (`payout_external_id` keeps the processor's id until the payout is stored)."""

    account = models.ForeignKey(ProcessorAccount, on_delete=models.CASCADE, related_name="balance_transactions")
    external_id = models.CharField(max_length=255)
    type = models.CharField(max_length=20, choices=BalanceTransactionType.choices, db_index=True)
    status = models.CharField(max_length=20, default="available")
    occurred_at = models.DateTimeField(help_text="When the processor created the transaction.")
    amount = models.DecimalField(**PROVIDER_MONEY)
    fee = models.DecimalField(**PROVIDER_MONEY)
    net = models.DecimalField(**PROVIDER_MONEY)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    available_on = models.DateField(null=True, blank=True)
    description = models.CharField(max_length=500, blank=True, default="")
    source_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    payout = models.ForeignKey(Payout, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="balance_transactions")
    payout_external_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    reporting_category = models.CharField(max_length=60, blank=True, default="")
    fee_details = models.JSONField(blank=True, default=list, help_text="[{type, amount, currency, description}]")
    counterparty = models.CharField(max_length=200, blank=True, default="")
    reference = models.CharField(max_length=255, blank=True, default="", db_index=True)
    original_amount = models.DecimalField(**PROVIDER_MONEY, null=True, blank=True)
    original_currency = models.CharField(max_length=3, blank=True, default="")
    exchange_rate = models.DecimalField(**FX_RATE, null=True, blank=True)
    raw = models.JSONField(blank=True, default=dict)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["account", "external_id"], name="pay_btxn_uniq_ext")]
        indexes = [models.Index(fields=["account", "-occurred_at"], name="pay_btxn_account_time")]

    def __str__(self) -> str:
        return f"{self.external_id} {self.type} {self.amount} {self.currency}"


class Dispute(UUIDTimestampedModel):
    """A chargeback or a PayPal case: `amount` (positive) is what is or was held back; the
    evidence must reach the processor by `evidence_due_by`."""

    account = models.ForeignKey(ProcessorAccount, on_delete=models.CASCADE, related_name="disputes")
    external_id = models.CharField(max_length=255)
    amount = models.DecimalField(**PROVIDER_MONEY)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    status = models.CharField(max_length=40, db_index=True)
    reason = models.CharField(max_length=100, blank=True, default="")
    occurred_at = models.DateTimeField()
    evidence_due_by = models.DateTimeField(null=True, blank=True)
    charge_external_id = models.CharField(max_length=255, blank=True, default="")
    closed = models.BooleanField(default=False)
    raw = models.JSONField(blank=True, default=dict)

    class Meta:
        ordering = ["-occurred_at"]
        constraints = [models.UniqueConstraint(fields=["account", "external_id"], name="pay_dispute_uniq_ext")]

    def __str__(self) -> str:
        return f"{self.external_id} {self.status} {self.amount} {self.currency}"


PaymentsConnection.account_model = ProcessorAccount
PaymentsConnection.transaction_model = BalanceTransaction
PaymentsConnection.record_models = MappingProxyType({
    RecordKind.ACCOUNT: ProcessorAccount,
    RecordKind.TRANSACTION: BalanceTransaction,
})
ProcessorAccount.snapshot_model = ProcessorBalanceSnapshot
