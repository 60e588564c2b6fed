"""Plain records that provider mappers return and the import service writes. No ORM here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str = ""
    expires_at: datetime | None = None
    scope: str = ""
    consent_expires_at: datetime | None = None
    external_id: str = ""


@dataclass(frozen=True)
class AccountRecord:
    external_id: str
    name: str
    type: str  # current | savings | credit_card | investment | pension | other
    currency: str
    subtype: str = ""
    masked_number: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # family-specific columns (IBAN, limits...)
    raw: dict[str, Any] = field(default_factory=dict)
    # Keys of `raw` that change on every answer without saying anything new (the bank's "as of"
    # stamp): a stored raw that differs only in them is left as it is (no UPDATE per sync).
    raw_volatile: tuple[str, ...] = ()
    # True when the provider named the account but its details could not be fetched yet: the
    # sync reports it as failing instead of storing a nameless placeholder row.
    details_missing: bool = False


@dataclass(frozen=True)
class BalanceRecord:
    currency: str
    current: Decimal | None
    available: Decimal | None = None
    as_of: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # credit_limit, statement dates...


@dataclass(frozen=True)
class TransactionRecord:
    """One transaction as the provider reports it, normalised: negative amount = money out."""

    external_id: str | None  # the provider's *stable* id when it has one (our dedupe key)
    booked_date: date
    amount: Decimal
    currency: str
    description: str
    status: str = "booked"  # booked | pending
    value_date: date | None = None
    booked_at: datetime | None = None
    merchant_name: str = ""
    original_amount: Decimal | None = None
    original_currency: str = ""
    provider_category: str = ""  # provider's own classification, "Top/Sub" or a bank code
    mcc: str = ""
    running_balance: Decimal | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    # The provider's own id as it sent it, when that differs from the stable key (TrueLayer's
    # transaction_id can change between requests; its normalised id is the key).
    provider_transaction_id: str = ""
    # The pending row this booked one replaces, when the provider links them (Plaid's
    # pending_transaction_id): it claims exactly that row, before any guessing by amount and date.
    replaces_external_id: str = ""


@dataclass
class AccountData:
    """Everything fetched for one account in one sync."""

    account: AccountRecord
    balance: BalanceRecord | None = None
    booked: list[TransactionRecord] = field(default_factory=list)
    # None when the provider cannot report pending items (so stored pending rows are kept).
    pending: list[TransactionRecord] | None = field(default_factory=list)
    window_from: date | None = None  # the booked window the provider answered for
    window_to: date | None = None
    # What could not be fetched this time while the rest could (a ProviderError each): a stale
    # balance beside fresh rows, or a balance beside refused transactions. Shown on the account.
    balance_error: Exception | None = None
    transactions_error: Exception | None = None


# --- Investment kinds -----------------------------------------------------------------------
# Plain values only (Decimal, never float). Nothing here checks ranges or decimals: the mappers
# validate (money.fits) and raise BadProviderResponse before building a record.


@dataclass(frozen=True)
class SecurityRecord:
    """An instrument as the provider names it; `external_id` is the provider's own id for it
    (mapped to a shared Security by alias, then ISIN)."""

    external_id: str
    name: str
    isin: str = ""
    ticker: str = ""
    mic: str = ""
    type: str = "other"  # equity | etf | fund | bond | cash | crypto | other
    quote_currency: str = ""  # ISO 4217 or GBX (prices in pence)
    asset_class: str = ""
    country: str = ""
    sector: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    asset_subclass: str = ""
    region: str = ""


@dataclass(frozen=True)
class HoldingRecord:
    """One position at a snapshot: `quantity` units (positive = held, negative = short), `price`
    per unit in `price_currency` as sent (may be GBX); `value` and `book_cost` in `currency`."""

    security_external_id: str
    quantity: Decimal
    price: Decimal | None = None
    price_currency: str = ""
    price_as_of: datetime | None = None
    value: Decimal | None = None
    book_cost: Decimal | None = None
    currency: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HoldingSnapshotRecord:
    """Every holding of one account at `as_of`, plus its cash. `complete=False` when any page
    failed: then nothing is written and the last good snapshot stays."""

    as_of: datetime
    holdings: list[HoldingRecord] = field(default_factory=list)
    cash: BalanceRecord | None = None
    complete: bool = True


@dataclass(frozen=True)
class InvestmentTransactionRecord:
    """One investment account movement. `amount` is the signed cash impact in the account
    currency: money out is negative (buy, fee, tax, withdrawal, transfer_out), money in positive
    (sell, dividend, interest, deposit, transfer_in). `quantity` is units traded (positive);
    `fees` and `taxes` are non-negative costs already included in `amount`. `fx_rate` converts
    `original_currency` into the account currency."""

    external_id: str | None  # the provider's stable id when it has one (our dedupe key)
    type: str  # buy | sell | dividend | interest | fee | tax | deposit | withdrawal | split | transfer_in | transfer_out | other
    booked_date: date
    amount: Decimal
    currency: str
    security_external_id: str = ""
    quantity: Decimal | None = None
    price: Decimal | None = None
    price_currency: str = ""  # as sent, may be GBX
    fees: Decimal = Decimal(0)
    taxes: Decimal = Decimal(0)
    original_currency: str = ""
    fx_rate: Decimal | None = None
    booked_at: datetime | None = None
    description: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    settle_date: date | None = None  # when the platform settles the trade (HL, IBKR report it)


@dataclass(frozen=True)
class ValuationRecord:
    """An account's total value on a day, in `currency` (positive; a debt would be negative)."""

    as_of: date
    value: Decimal
    currency: str
    source: str = "synced"  # synced | statement | manual
    raw: dict[str, Any] = field(default_factory=dict)
    # Family-specific columns of the valuation model (as AccountRecord.extra): a pension's
    # illustrated income beside its pot value. Keys the model lacks are ignored.
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PensionValuationRecord(ValuationRecord):
    """A pension valuation; contributions to date (paid in, positive) when the provider says."""

    contributions: Decimal | None = None
    employer_contributions: Decimal | None = None


@dataclass(frozen=True)
class PortfolioData:
    """Everything fetched for one investment account in one sync (mirrors AccountData)."""

    account: AccountRecord
    securities: list[SecurityRecord] = field(default_factory=list)
    snapshot: HoldingSnapshotRecord | None = None
    transactions: list[InvestmentTransactionRecord] = field(default_factory=list)
    window_from: date | None = None  # the transaction window the provider answered for
    window_to: date | None = None
    # What could not be fetched while the rest could (a ProviderError each).
    snapshot_error: Exception | None = None
    transactions_error: Exception | None = None
    # A history the source could read only in part (a quota spent mid-paging): `transactions`
    # is the newest stretch it finished, `window_from` the oldest day it fully covers, and
    # `resume` an opaque, JSON-safe note of where to go on. The core stores it with the import
    # and hands it back to the next fetch; None once the history is complete. `resume_after`:
    # seconds until the source can go on (its quota resets).
    resume: dict | None = None
    resume_after: float | None = None


@dataclass(frozen=True)
class ValuationData:
    """Everything fetched for one valued account (a pension, a property) in one sync: its
    valuations (each on its own day, e.g. a statement's illustration date) and, when the
    provider cannot give a value now, why (`value_pending`: a code such as a pension's "being
    calculated"), which is shown beside the last value and is not a failure."""

    account: AccountRecord
    valuations: list[ValuationRecord] = field(default_factory=list)
    value_pending: str = ""
    value_pending_message: str = ""


@dataclass(frozen=True)
class RemovedRecord:
    """A transaction the provider says is gone, by the ids it was stored under."""

    account_external_id: str
    external_id: str


@dataclass(frozen=True)
class ChangeSet:
    """One page of a cursor source: changes since the last cursor. Keep fetching while
    `has_more`; store `next_cursor` only with the changes it covers. `added` and `modified` are
    keyed by the account's external_id (a TransactionRecord does not name its account)."""

    accounts: list[AccountRecord]
    added: dict[str, list[TransactionRecord]]
    modified: dict[str, list[TransactionRecord]]
    removed: list[RemovedRecord]
    next_cursor: str
    has_more: bool
    # Balances the page reports, by account external_id (Plaid's /transactions/sync carries the
    # accounts with their balances); the last page's win. Written in the same block as the rows.
    balances: dict[str, BalanceRecord] = field(default_factory=dict)


# --- Payment processor kinds (the payments family: Stripe, PayPal) ----------------------------
# Amounts are Decimal in MAJOR units of `currency` (mappers convert from minor units with
# integrations_core.money, which knows each currency's exponent: JPY has none). Signs are from
# the merchant's balance: money into the balance is positive (a charge's gross), out is negative
# (a refund, a dispute withdrawal, a payout to the bank). `fee` is what the processor kept,
# positive when charged and negative when returned; `net` = `amount` - `fee`, exactly.


@dataclass(frozen=True)
class FeeDetailRecord:
    """One part of a balance transaction's fee (Stripe's fee_details: processor fee, tax...)."""

    type: str  # stripe_fee | application_fee | tax | paypal_fee | other
    amount: Decimal
    currency: str
    description: str = ""


@dataclass(frozen=True)
class BalanceTransactionRecord:
    """One movement of a processor balance (Stripe's balance transaction, PayPal's transaction
    search row): charges, refunds, fees, payouts, disputes, adjustments."""

    external_id: str  # txn_... / PayPal transaction_id: the stable dedupe key
    type: str  # charge | refund | fee | payout | payout_failure | dispute | dispute_reversal | adjustment | transfer | other
    created_at: datetime
    amount: Decimal  # gross, signed (see above)
    fee: Decimal
    net: Decimal
    currency: str
    status: str = "available"  # pending | available (funds usable / settled)
    available_on: date | None = None
    description: str = ""
    source_id: str = ""  # the object behind it: ch_..., re_..., po_..., dp_...
    payout_external_id: str = ""  # the payout that carried (or will carry) it, when known
    reporting_category: str = ""  # the provider's own category (Stripe reporting_category, PayPal event code)
    fee_details: tuple[FeeDetailRecord, ...] = ()
    counterparty: str = ""  # the paying customer's name when known
    reference: str = ""  # an invoice number or order id the charge carries (metadata, invoice_id)
    # What the customer was charged when it differs from the settlement currency.
    original_amount: Decimal | None = None
    original_currency: str = ""
    exchange_rate: Decimal | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PayoutRecord:
    """Money sent from the processor balance to the merchant's bank (Stripe payout, PayPal
    withdrawal). `amount` is positive: what the bank receives."""

    external_id: str
    amount: Decimal
    currency: str
    status: str  # pending | in_transit | paid | failed | canceled
    created_at: datetime
    arrival_date: date | None  # when the bank is expected to (or did) receive it
    reference: str = ""  # what the bank statement shows (statement descriptor)
    destination: str = ""  # the bank account, masked (last 4)
    method: str = "standard"  # standard | instant
    automatic: bool = True
    # The balance transactions this payout settled, when the provider can say (Stripe lists
    # them with ?payout=); empty when not known.
    balance_transaction_ids: tuple[str, ...] = ()
    failure_message: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DisputeRecord:
    """A chargeback or PayPal case. `amount` positive: what is (or was) held back."""

    external_id: str
    amount: Decimal
    currency: str
    status: str  # the provider's own status: warning_needs_response | needs_response | under_review | won | lost | ...
    reason: str
    created_at: datetime
    evidence_due_by: datetime | None = None
    charge_external_id: str = ""  # the payment disputed
    closed: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentsActivity:
    """What one sync of a processor connection read: its balances (one account per settlement
    currency: AccountRecord.currency, external_id e.g. "balance:gbp") and every record changed
    in the window [window_from, window_to). Records name their currency; the writer files each
    under the account of that currency. `state` is an opaque, JSON-safe note the source wants
    back next time (PayPal: where its 31-day windows got to) and is stored with the write."""

    accounts: list[AccountRecord]
    balances: dict[str, BalanceRecord] = field(default_factory=dict)  # by account external_id
    balance_transactions: list[BalanceTransactionRecord] = field(default_factory=list)
    payouts: list[PayoutRecord] = field(default_factory=list)
    disputes: list[DisputeRecord] = field(default_factory=list)
    window_from: datetime | None = None
    window_to: datetime | None = None
    state: dict = field(default_factory=dict)
    # A part that could not be read while the rest could (a ProviderError each).
    disputes_error: Exception | None = None


# --- Accounting kinds (the accounting family: Xero, QuickBooks) -------------------------------
# One connection may reach several organisations (Xero tenants; a QuickBooks realm is one):
# each organisation is an AccountRecord (external_id = tenant id / realm id). Amounts are
# Decimal in major units, positive; the kind says the direction.


@dataclass(frozen=True)
class LedgerAccountRecord:
    """One account of the chart of accounts."""

    external_id: str  # Xero AccountID / QuickBooks Account.Id
    name: str
    code: str = ""
    type: str = ""  # the provider's own type (REVENUE, EXPENSE, BANK / Income, Expense, Bank)
    classification: str = ""  # asset | liability | equity | revenue | expense
    status: str = "active"  # active | archived
    currency: str = ""
    tax_type: str = ""
    is_bank: bool = False  # a bank account in the books (bank transactions are pushed to one)
    bank_account_number: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ContactRecord:
    external_id: str
    name: str
    email: str = ""
    is_customer: bool = False
    is_supplier: bool = False
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TrackingCategoryRecord:
    """Xero tracking category / QuickBooks class or department, with its options (id, name)."""

    external_id: str
    name: str
    options: tuple[tuple[str, str], ...] = ()
    status: str = "active"
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BookPaymentRecord:
    """A payment applied to an invoice or a bill, as the books record it."""

    external_id: str
    invoice_external_id: str
    paid_on: date
    amount: Decimal
    currency: str
    bank_account_external_id: str = ""  # the ledger account it was paid into / from
    reference: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InvoiceRecord:
    """A sales invoice (kind "invoice": money owed to the business) or a bill (kind "bill":
    owed by it), with its payments."""

    external_id: str
    kind: str  # invoice | bill
    number: str
    status: str  # draft | submitted | authorised | paid | voided | deleted
    currency: str
    total: Decimal
    amount_due: Decimal
    amount_paid: Decimal
    issue_date: date | None = None
    due_date: date | None = None
    contact_external_id: str = ""
    contact_name: str = ""
    reference: str = ""
    updated_at: datetime | None = None
    payments: tuple[BookPaymentRecord, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BookLineRecord:
    """One line of a bank transaction in the books: which ledger account it is coded to."""

    amount: Decimal
    ledger_account_external_id: str = ""
    ledger_account_code: str = ""
    description: str = ""
    tracking: tuple[tuple[str, str], ...] = ()  # (tracking category id, option id)


@dataclass(frozen=True)
class BookBankTransactionRecord:
    """A bank transaction as the books hold it (Xero BankTransaction; QuickBooks Purchase for
    money out, Deposit for money in). `reference` carries our id for what we pushed."""

    external_id: str
    kind: str  # spend | receive
    date: date
    amount: Decimal  # positive; `kind` is the direction
    currency: str
    bank_account_external_id: str = ""
    contact_name: str = ""
    reference: str = ""
    description: str = ""
    lines: tuple[BookLineRecord, ...] = ()
    status: str = "active"  # active | deleted | voided
    updated_at: datetime | None = None
    # The provider's version of the record (Xero UpdatedDateUTC, QuickBooks SyncToken): an
    # update must name it, and a changed version means someone edited it in the books.
    version: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class BooksData:
    """One read of one organisation's books: everything changed since the source's cursor
    (everything on the first read). `removed` lists (kind, external_id) the books deleted, where
    the provider says (QuickBooks CDC). Keep the cursor only with the write it belongs to."""

    organisation: AccountRecord
    ledger_accounts: list[LedgerAccountRecord] = field(default_factory=list)
    contacts: list[ContactRecord] = field(default_factory=list)
    tracking_categories: list[TrackingCategoryRecord] = field(default_factory=list)
    invoices: list[InvoiceRecord] = field(default_factory=list)
    bank_transactions: list[BookBankTransactionRecord] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    next_cursor: str = ""
    complete: bool = True  # False: the read stopped early (a rate limit); nothing removed


@dataclass(frozen=True)
class BankTransactionPush:
    """One of our categorised bank transactions, to be written to the books as a bank
    transaction. `reference` is our stable id for it (the idempotency key: stored as their
    reference, so a re-push finds it instead of creating a second one)."""

    reference: str
    kind: str  # spend | receive
    date: date
    amount: Decimal  # positive
    currency: str
    bank_account_external_id: str  # the books' bank account the person chose
    ledger_account_external_id: str  # where the category is mapped
    description: str = ""
    contact_name: str = ""
    ledger_account_code: str = ""
    tracking: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PushResult:
    """What the books answered for one pushed item."""

    reference: str
    external_id: str = ""
    version: str = ""
    status: str = "created"  # created | updated | unchanged | failed
    message: str = ""
