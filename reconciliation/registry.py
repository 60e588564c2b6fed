"""What the families offer the reconciliation and the business dashboard, without this app
naming any of them (the home tiles' pattern, integrations_core/home_tiles.py).

A family puts a `reconcile.py` module in its app and registers, at import time:
- `register_items(fn)`: `fn(user, *, since: date, until: date) -> Iterable[ReconItem]`, the
  items of that family a match can be made from (bank credits and debits, processor payouts and
  charges, paid invoices and bills), dated within [since, until];
- `register_income(fn)`: `fn(user, *, since, until) -> Iterable[IncomeLine]`, money in per source;
- `register_outstanding(fn)`: `fn(user, *, today) -> Iterable[OutstandingItem]`, unpaid invoices
  and bills;
- `register_counterparts(fn)`: `fn(user_id) -> bool`, one cheap query saying whether the person
  has items of that family a bank row can be matched against (a processor's payouts, the books'
  payments). The after-sync hook (hooks.py) queues a run only when one of them says yes or the
  person has open matches to clean up, so a bank-only person's syncs queue none. A family whose
  items are only bank rows registers none.
`autodiscover()` imports every installed app's `reconcile` module once."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.module_loading import autodiscover_modules


class ItemKind:
    """The kinds of item a match pairs. Money in: bank_credit <- payout | charge | invoice_payment;
    money out: bank_debit <- bill_payment."""

    BANK_CREDIT = "bank_credit"
    BANK_DEBIT = "bank_debit"
    PAYOUT = "payout"  # a processor's payout to the bank
    CHARGE = "charge"  # a processor charge (a card payment by a customer)
    INVOICE_PAYMENT = "invoice_payment"  # a payment the books record against a sales invoice
    BILL_PAYMENT = "bill_payment"  # a payment the books record against a supplier bill


@dataclass(frozen=True)
class ReconItem:
    """One side of a possible match, as a plain value. `key` is stable and unique across the
    platform ("<app_label>.<model>:<pk>"); a stored match refers to items by it. `amount` is the
    positive magnitude in `currency` (the kind says the direction)."""

    kind: str
    key: str
    date: date  # the day the money moved: booked (bank), arrival (payout), created (charge), paid (invoice)
    amount: Decimal
    currency: str
    reference: str = ""  # what a match can be told by: a payout's statement descriptor, an invoice number
    counterparty: str = ""
    label: str = ""  # what the person sees
    source: str = ""  # the provider or account it came from ("Stripe", "Business current account")
    url: str = ""


@dataclass(frozen=True)
class IncomeLine:
    """Money in from one source over a period, in one currency: gross takings, what the
    processor kept, what went back to customers, and what disputes held back."""

    source: str
    currency: str
    gross: Decimal
    fees: Decimal
    refunds: Decimal
    disputes: Decimal
    net: Decimal
    count: int = 0


@dataclass(frozen=True)
class OutstandingItem:
    """An unpaid invoice (owed to the business) or bill (owed by it)."""

    key: str
    kind: str  # invoice | bill
    number: str
    contact: str
    currency: str
    amount_due: Decimal
    due_date: date | None
    source: str = ""


ItemsFn = Callable[..., Iterable[ReconItem]]
IncomeFn = Callable[..., Iterable[IncomeLine]]
OutstandingFn = Callable[..., Iterable[OutstandingItem]]
CounterpartsFn = Callable[[object], bool]

_items: dict[str, ItemsFn] = {}
_income: dict[str, IncomeFn] = {}
_outstanding: dict[str, OutstandingFn] = {}
_counterparts: dict[str, CounterpartsFn] = {}
_discovered = False
_lock = threading.Lock()


def _name(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def register_items(fn: ItemsFn) -> ItemsFn:
    _items[_name(fn)] = fn
    return fn


def register_income(fn: IncomeFn) -> IncomeFn:
    _income[_name(fn)] = fn
    return fn


def register_outstanding(fn: OutstandingFn) -> OutstandingFn:
    _outstanding[_name(fn)] = fn
    return fn


def register_counterparts(fn: CounterpartsFn) -> CounterpartsFn:
    _counterparts[_name(fn)] = fn
    return fn


def autodiscover() -> None:
    global _discovered
    if not _discovered:
        with _lock:
            if not _discovered:
                autodiscover_modules("reconcile")
                _discovered = True


def item_sources() -> list[ItemsFn]:
    autodiscover()
    return list(_items.values())


def income_sources() -> list[IncomeFn]:
    autodiscover()
    return list(_income.values())


def outstanding_sources() -> list[OutstandingFn]:
    autodiscover()
    return list(_outstanding.values())


def counterpart_checks() -> list[CounterpartsFn]:
    autodiscover()
    return list(_counterparts.values())
