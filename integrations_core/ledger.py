"""Cash ledgers: where a family keeps the money that moves in and out of a person's accounts.

The transactions app (budgets, spending, recurring payments, categorisation, transfers) and the
money totals never import a family: they ask the ledgers listed in settings.CASH_LEDGERS (dotted
paths to CashLedger instances, loaded in IntegrationsCoreConfig.ready()). Each ledger names its
account and transaction models by label and says which of its rows count in totals (a disconnected
connection's history never does, see open_banking/ledger.py).

A ledger is `categorised` when the transactions app categorises its rows, pairs its transfers and
learns from them. The transactions app's own tables point at that ledger's models through
settings.CATEGORISED_ACCOUNT_MODEL / CATEGORISED_TRANSACTION_MODEL, so exactly one ledger may be
categorised and its labels must be those settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class AccountValue:
    """What one counted account is worth now, in its own currency (None when unknown: a
    holding valued in another currency, a balance never reported)."""

    id: object
    family: str
    name: str
    currency: str
    value: Decimal | None
    as_of: datetime | None
    institution: str = ""  # the bank or platform, as the person knows it


@dataclass(frozen=True)
class AccountHistory:
    """What one counted account was worth day by day, in its own currency: `values` has the days
    a value is known (a balance snapshot, a valuation); a day between two keeps the earlier one."""

    id: object
    family: str
    name: str
    institution: str
    currency: str
    values: dict[date, Decimal]


def institution_of(connection) -> str:
    return connection.institution_name or connection.provider.replace("_", " ").title()


def balances_as_values(ledger: CashLedger, user) -> list[AccountValue]:
    """The default worth of a ledger's accounts: their current balance (negative = owed, so a
    credit card subtracts)."""
    return [AccountValue(id=a.pk, family=str(ledger.family), name=a.name, currency=a.currency,
                         value=a.current_balance, as_of=a.balance_updated_at, institution=institution_of(a.connection))
            for a in ledger.counted_accounts(user).select_related("connection").only(
                "id", "name", "currency", "current_balance", "balance_updated_at", "connection__institution_name",
                "connection__provider")]


def balances_as_history(ledger: CashLedger, user, date_from: date, date_to: date) -> list[AccountHistory]:
    """The default history of a ledger's accounts: the daily balance snapshots the core writes
    (Account.snapshot_model), the last one before `date_from` included so the first day is known."""
    accounts = list(ledger.counted_accounts(user).select_related("connection").only(
        "id", "name", "currency", "connection__institution_name", "connection__provider"))
    snapshots = ledger.accounts.snapshot_model
    values: dict = {a.pk: {} for a in accounts}
    if snapshots is not None and accounts:
        rows = snapshots.objects.filter(account__in=accounts, date__lte=date_to, current__isnull=False)
        for account_id, day, current in rows.order_by("date").values_list("account_id", "date", "current"):
            if day < date_from:
                values[account_id] = {date_from: current}
            else:
                values[account_id][day] = current
    return [AccountHistory(id=a.pk, family=str(ledger.family), name=a.name, institution=institution_of(a.connection),
                           currency=a.currency, values=values[a.pk]) for a in accounts]


@dataclass(frozen=True)
class CashLedger:
    family: str
    account_model: str  # "app_label.ModelName"
    transaction_model: str
    categorised: bool
    counted_accounts: Callable[..., QuerySet]  # (user) -> the accounts whose money counts in totals
    counted_movements: Callable[..., QuerySet]  # (user) -> the transactions that count in totals
    # (user) -> list[AccountValue] for net worth; None: each counted account's current balance.
    account_values: Callable[..., list[AccountValue]] | None = None
    # (user, date_from, date_to) -> list[AccountHistory]; None: the daily balance snapshots.
    account_history: Callable[..., list[AccountHistory]] | None = None

    def values_for(self, user) -> list[AccountValue]:
        return self.account_values(user) if self.account_values is not None else balances_as_values(self, user)

    def history_for(self, user, date_from: date, date_to: date) -> list[AccountHistory]:
        if self.account_history is not None:
            return self.account_history(user, date_from, date_to)
        return balances_as_history(self, user, date_from, date_to)

    @property
    def accounts(self) -> type[Model]:
        return apps.get_model(self.account_model)

    @property
    def transactions(self) -> type[Model]:
        return apps.get_model(self.transaction_model)

    @property
    def connections(self) -> type[Model]:
        return self.accounts._meta.get_field("connection").related_model

    def holds(self, account) -> bool:
        return isinstance(account, self.accounts)


@cache
def ledgers() -> tuple[CashLedger, ...]:
    loaded = tuple(import_string(dotted) for dotted in settings.CASH_LEDGERS)
    for ledger in loaded:
        if not isinstance(ledger, CashLedger):
            raise ImproperlyConfigured(f"CASH_LEDGERS: {ledger!r} is not a CashLedger")
    categorised = [ledger for ledger in loaded if ledger.categorised]
    if len(categorised) != 1:
        raise ImproperlyConfigured("CASH_LEDGERS: exactly one ledger must be categorised")
    expected = (settings.CATEGORISED_ACCOUNT_MODEL.lower(), settings.CATEGORISED_TRANSACTION_MODEL.lower())
    if (categorised[0].account_model.lower(), categorised[0].transaction_model.lower()) != expected:
        raise ImproperlyConfigured("CASH_LEDGERS: the categorised ledger's models must be "
                                   "settings.CATEGORISED_ACCOUNT_MODEL / CATEGORISED_TRANSACTION_MODEL")
    return loaded


def categorised_ledger() -> CashLedger:
    """The ledger whose rows the transactions app categorises (and whose models its tables point at)."""
    return next(ledger for ledger in ledgers() if ledger.categorised)


def ledger_for(account) -> CashLedger | None:
    """The ledger holding this account, None for an account no ledger keeps (e.g. a holding)."""
    return next((ledger for ledger in ledgers() if ledger.holds(account)), None)
