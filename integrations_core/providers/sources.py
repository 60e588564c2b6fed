"""The narrow runtime interface a provider binds to one connection for syncing account data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable

from integrations_core.records import (
    AccountData,
    AccountRecord,
    BalanceRecord,
    BankTransactionPush,
    BookBankTransactionRecord,
    BooksData,
    ChangeSet,
    HoldingSnapshotRecord,
    InvestmentTransactionRecord,
    PaymentsActivity,
    PortfolioData,
    PushResult,
    SecurityRecord,
    TransactionRecord,
    ValuationData,
)


@runtime_checkable
class AccountDataSource(Protocol):
    """Banks (and any provider with accounts + transactions) implement this.

    `calls` counts the HTTP requests made, for the SyncRun. Errors are the shared vocabulary."""

    calls: int

    def list_accounts(self) -> list[AccountRecord]: ...

    def fetch_account(self, account: AccountRecord, *, since: date | None) -> AccountData:
        """Balance, booked transactions from `since` (None: all the consent allows) and pending."""
        ...


PerAccountSource = AccountDataSource  # the name the source kinds go by (docs/design/family-agnostic-core.md)


@runtime_checkable
class CursorSource(Protocol):
    """Plaid-style: changes for the whole connection since a cursor, with explicit removals.
    Keep calling while `has_more`; raise `CursorRestart` on a mutation during pagination."""

    calls: int

    def fetch_changes(self, *, cursor: str | None) -> ChangeSet: ...


@runtime_checkable
class SnapshotSource(Protocol):
    """Investment platforms: per account, the holdings as they are now (a snapshot) plus the
    account's transactions from `since` (None: all the platform keeps)."""

    calls: int

    def list_accounts(self) -> list[AccountRecord]: ...

    def fetch_portfolio(self, account: AccountRecord, *, since: date | None,
                        resume: dict | None = None) -> PortfolioData:
        """The snapshot and the history from `since`. `resume` is what an earlier answer put in
        `PortfolioData.resume`: the source goes on from there (older pages of a history it could
        not finish) and answers with the window it re-read (None: nothing to remove). The core
        passes `resume` only when it has one, so sources that never return one need not take it."""
        ...


@runtime_checkable
class ValuationSource(Protocol):
    """Providers that report what each account is worth and nothing else (pensions on the
    dashboards model: a find, then view data per pension). `fetch_valuations` answers every
    valuation the provider currently shows (each dated by the provider, e.g. an illustration
    date), or says the value is pending (`ValuationData.value_pending`)."""

    calls: int

    def list_valuation_accounts(self) -> list[AccountRecord]: ...

    def fetch_valuations(self, account: AccountRecord) -> ValuationData: ...


@runtime_checkable
class ActivitySource(Protocol):
    """Payment processors (Stripe, PayPal): the balances, and every balance transaction, payout
    and dispute created or changed since `since` (None: all the provider lets us read), for the
    whole connection at once (processors list across currencies). `state` is what the last
    answer put in `PaymentsActivity.state` ({} the first time)."""

    calls: int

    def fetch_activity(self, *, since: datetime | None, state: dict) -> PaymentsActivity: ...


@runtime_checkable
class BooksSource(Protocol):
    """Accounting (Xero, QuickBooks): the organisations the consent reaches (Xero tenants, a
    QuickBooks realm), and per organisation what changed since `cursor` (None: everything)."""

    calls: int

    def list_organisations(self) -> list[AccountRecord]: ...

    def fetch_books(self, organisation: AccountRecord, *, cursor: str | None) -> BooksData: ...


@runtime_checkable
class BooksWriter(Protocol):
    """Accounting providers that take bank transactions from us. Idempotent by `reference`:
    `pushed_find` answers what the books already hold under our references, so a re-push
    updates or skips instead of creating a second one."""

    def pushed_find(self, organisation: AccountRecord, references: list[str]) -> dict[str, BookBankTransactionRecord]:
        """Their record for each of our references they hold (by reference)."""
        ...

    def bank_transactions_create(self, organisation: AccountRecord,
                                 items: list[BankTransactionPush]) -> list[PushResult]: ...

    def bank_transaction_update(self, organisation: AccountRecord, external_id: str, version: str,
                                item: BankTransactionPush) -> PushResult: ...


@runtime_checkable
class InstitutionDirectory(Protocol):
    """Providers that publish the institutions a person can pick (seeded by `seed_institutions`).

    Errors are the shared vocabulary (`ProviderError`)."""

    def institutions(self, country: str) -> list[dict[str, Any]]:
        """The provider's raw institution entries for one country (ISO 3166 alpha-2)."""
        ...

    def institution_values(self, item: dict[str, Any]) -> dict[str, Any]:
        """One raw entry as the fields of an Institution row (`external_id`, `name`, ...)."""
        ...


# --- Statement files (the file-upload connect flow) -----------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in an uploaded file, said so a person can fix it: the 1-based line number in
    the file (header lines count), the column header it is under ("" for the whole row/file)."""

    line: int
    column: str
    message: str


@dataclass
class ParsedStatement:
    """What a statement file holds, as records, plus every row it could not read. Nothing is
    written while `errors` is not empty. One file is one account (`account`).

    A portfolio file fills `securities`, `transactions` and `snapshot`; a bank statement fills
    `cash_transactions` (and `balance` when the file states one). `options` carries what the
    person chose at upload that the writer needs (the account to import into), so a preview and
    its confirmation can never disagree about it."""

    account: AccountRecord
    securities: list[SecurityRecord] = field(default_factory=list)
    transactions: list[InvestmentTransactionRecord] = field(default_factory=list)
    snapshot: HoldingSnapshotRecord | None = None  # a holdings/valuation file; None for trade history
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0  # data rows read (errors included)
    cash_transactions: list[TransactionRecord] = field(default_factory=list)
    balance: BalanceRecord | None = None
    options: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class StatementParser(Protocol):
    """Providers without an API (or with an export beside it) parse the files people download.
    Columns are found by header name, never by position; the parser sniffs the encoding.
    Must never raise on bad input: every problem is a RowError."""

    max_bytes: int

    def parse(self, data: bytes, filename: str) -> ParsedStatement: ...


# What a statement provider's `statement_writer` defaults to: the portfolio writer.
DEFAULT_STATEMENT_WRITER = "integrations_core.services.imports.portfolio.statement_import_write"
