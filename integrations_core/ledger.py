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
from datetime import datetime
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


def balances_as_values(ledger: CashLedger, user) -> list[AccountValue]:
    """The default worth of a ledger's accounts: their current balance."""
    return [AccountValue(id=a.pk, family=str(ledger.family), name=a.name, currency=a.currency,
                         value=a.current_balance, as_of=a.balance_updated_at)
            for a in ledger.counted_accounts(user).only("id", "name", "currency", "current_balance",
                                                        "balance_updated_at")]


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

    def values_for(self, user) -> list[AccountValue]:
        return self.account_values(user) if self.account_values is not None else balances_as_values(self, user)

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
