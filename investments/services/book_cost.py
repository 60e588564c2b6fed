"""UK pooled average book cost, rebuilt from one account's trade history.

What UK platforms call "book cost" is a Section 104 style pool (TCGA 1992 s104; HMRC CG51550,
CG51575): every acquisition adds its allowable cost (the consideration plus the incidental
costs of acquisition: commission, stamp duty/SDRT, levies) to one pool per security, and a
disposal takes `pool cost x sold / held` out of it (the simple apportionment CG51575 allows).

Events, per security (`security_external_id`); records without one are cash only and skipped:
- buy: + quantity, + cost. The cost is the cash actually paid, `-amount`, when `amount` is
  present (non-zero, in the account currency), since it already includes fees and taxes.
  Otherwise `price x quantity` in the account currency (GBX/GBp moved to GBP exactly with
  quote_to_major; another currency times the record's `fx_rate`, else the optional FxSource's
  rate for the trade date) plus `fees` and `taxes`.
- sell, transfer_out: - quantity, - cost pro rata. The pool never goes below zero: a disposal
  beyond the holding removes what is held and adds a warning.
- split (and consolidation): quantity only, the cost is unchanged. `quantity` is the *signed
  change* in units: +300 for a 4:1 split of 100, -900 for a 1:10 consolidation of 1,000. A
  platform's "close old / open new" pair maps to two split records (-old, +new).
- transfer_in: + quantity, + `price x quantity` when a price (the carried-over unit cost) is
  given. Without one: the warning "unmatched transfer-in without cost", and the book cost is
  unknown (None) from then on, until the holding is emptied (nothing held has a known cost).
- dividend, interest, fee, tax, deposit, withdrawal: cash movements, the pool is untouched.

Order: by booked date; within one day splits (increases, then decreases), then acquisitions
(buys, transfers in), then disposals (sells, transfers out); within each group by `booked_at`,
external id, then input position. Same-day acquisitions before disposals follows HMRC's
same-day rule (TCGA 1992 s105(1); CG51560, CG51610): all of a day's acquisitions count as one
acquisition, all its disposals as one disposal, and the disposal is matched first with that
day's acquisition, so a day's buys are available to that day's sells (an intraday buy-then-sell
never shows as a sale of shares not held). Within a group the order does not change the result
(sums, and pro rata removals commute). The CGT matching rules proper (same-day and 30-day
shares kept out of the pool at their own cost) belong to a CGT report, not to the book cost.

Arithmetic: exact Decimal in a 100-digit context. The one division (the pro rata share) is
quantised to 20 decimal places and the pool keeps `cost - removed` exactly, so
`cost_added == cost_removed + exact_book_cost` to the last digit and rounding never accumulates.
Only the reported `book_cost` is rounded, to the currency's minor unit with to_minor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import TYPE_CHECKING, Protocol

from integrations_core.money import quote_to_major, to_minor

if TYPE_CHECKING:
    from investments.prices.base import FxSource

ZERO = Decimal(0)
_CONTEXT = Context(prec=100, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])
_SHARE_QUANTUM = Decimal("1e-20")  # the pro rata share of a disposal, far below any minor unit
_PENCE = frozenset({"GBX", "GBp"})

ACQUISITIONS = frozenset({"buy", "transfer_in"})
DISPOSALS = frozenset({"sell", "transfer_out"})
CASH_ONLY = frozenset({"dividend", "interest", "fee", "tax", "deposit", "withdrawal"})
UNMATCHED_TRANSFER_IN = "unmatched transfer-in without cost"


class TradeLike(Protocol):
    """What the pool reads from a transaction: InvestmentTransactionRecord, or a model row with
    the same attribute names."""

    @property
    def external_id(self) -> str | None: ...
    @property
    def type(self) -> str: ...
    @property
    def booked_date(self) -> date: ...
    @property
    def amount(self) -> Decimal | None: ...
    @property
    def currency(self) -> str: ...
    @property
    def security_external_id(self) -> str: ...
    @property
    def quantity(self) -> Decimal | None: ...
    @property
    def price(self) -> Decimal | None: ...
    @property
    def price_currency(self) -> str: ...
    @property
    def fees(self) -> Decimal: ...
    @property
    def taxes(self) -> Decimal: ...
    @property
    def original_currency(self) -> str: ...
    @property
    def fx_rate(self) -> Decimal | None: ...
    @property
    def booked_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class PooledPosition:
    """One security's pool after the whole history. `book_cost` is rounded to the currency's
    minor unit (None when unknown); `exact_book_cost` is the unrounded pool; `cost_added` and
    `cost_removed` are the exact totals that went in and came out."""

    security_external_id: str
    quantity: Decimal
    book_cost: Decimal | None
    currency: str
    warnings: list[str] = field(default_factory=list)
    exact_book_cost: Decimal | None = None
    cost_added: Decimal = ZERO
    cost_removed: Decimal = ZERO

    @property
    def average_cost(self) -> Decimal | None:
        """Unrounded book cost per unit, None when nothing is held or the cost is unknown."""
        if self.exact_book_cost is None or not self.quantity:
            return None
        return self.exact_book_cost / self.quantity


@dataclass
class _Pool:
    security_external_id: str
    quantity: Decimal = ZERO
    cost: Decimal | None = ZERO
    added: Decimal = ZERO
    removed: Decimal = ZERO
    warnings: list[str] = field(default_factory=list)

    def freeze(self, currency: str) -> PooledPosition:
        return PooledPosition(
            security_external_id=self.security_external_id,
            quantity=self.quantity,
            book_cost=None if self.cost is None else to_minor(self.cost, currency),
            currency=currency,
            warnings=list(self.warnings),
            exact_book_cost=self.cost,
            cost_added=self.added,
            cost_removed=self.removed,
        )


def positions_from_trades(
    transactions: Iterable[TradeLike], *, account_currency: str, fx: FxSource | None = None
) -> dict[str, PooledPosition]:
    """The pooled position of every security the history names, keyed by
    security_external_id (sorted). Fully sold securities stay, with quantity 0."""
    pools: dict[str, _Pool] = {}
    ordered = sorted(
        ((index, t) for index, t in enumerate(transactions) if t.security_external_id),
        key=_order_key,
    )
    with localcontext(_CONTEXT):
        for _index, transaction in ordered:
            key = transaction.security_external_id
            pool = pools.setdefault(key, _Pool(key))
            _apply(pool, transaction, account_currency, fx)
    return {key: pools[key].freeze(account_currency) for key in sorted(pools)}


def _order_key(indexed: tuple[int, TradeLike]) -> tuple:
    index, t = indexed
    if t.type == "split":
        rank = 0 if (t.quantity or ZERO) >= 0 else 1
    elif t.type in ACQUISITIONS:
        rank = 2
    elif t.type in DISPOSALS:
        rank = 3
    else:
        rank = 4
    return (t.booked_date, rank, str(t.booked_at or ""), str(t.external_id or ""), index)


def _label(t: TradeLike) -> str:
    ref = f" ({t.external_id})" if t.external_id else ""
    return f"{t.booked_date.isoformat()} {t.type}{ref}"


def _apply(pool: _Pool, t: TradeLike, account_currency: str, fx: FxSource | None) -> None:
    if t.type in CASH_ONLY:
        return
    if t.type == "split":
        _apply_split(pool, t)
        return
    if t.type not in ACQUISITIONS | DISPOSALS:
        pool.warnings.append(f"{_label(t)}: transaction type not understood, ignored")
        return
    quantity = abs(t.quantity) if t.quantity is not None else ZERO
    if not quantity:
        pool.warnings.append(f"{_label(t)}: no quantity, ignored")
        return
    if t.type in ACQUISITIONS:
        _acquire(pool, t, quantity, account_currency, fx)
    else:
        _dispose(pool, t, quantity)


def _apply_split(pool: _Pool, t: TradeLike) -> None:
    change = t.quantity or ZERO
    if not change:
        pool.warnings.append(f"{_label(t)}: split without a change in quantity, ignored")
        return
    if pool.quantity + change < 0:
        pool.warnings.append(
            f"{_label(t)}: split removes {-change} units but only {pool.quantity} are held; "
            "the holding is set to 0"
        )
        pool.quantity = ZERO
        return
    pool.quantity += change


def _acquire(pool: _Pool, t: TradeLike, quantity: Decimal, account_currency: str, fx: FxSource | None) -> None:
    if t.type == "buy":
        cost, problem = _buy_cost(t, quantity, account_currency, fx)
    else:
        cost, problem = _consideration(t, quantity, account_currency, fx)
        if cost is None:
            problem = UNMATCHED_TRANSFER_IN if t.price is None else f"transfer-in: {problem}; book cost unknown"
    pool.quantity += quantity
    if problem:
        pool.warnings.append(f"{_label(t)}: {problem}")
    if cost is None:
        if pool.cost is not None:
            pool.warnings.append(f"{_label(t)}: book cost unknown from here on")
        pool.cost = None
        return
    pool.added += cost
    if pool.cost is not None:
        pool.cost += cost


def _dispose(pool: _Pool, t: TradeLike, quantity: Decimal) -> None:
    if pool.quantity <= 0:
        pool.warnings.append(f"{_label(t)}: {quantity} units disposed of while none are held, ignored")
        return
    if quantity > pool.quantity:
        pool.warnings.append(
            f"{_label(t)}: {quantity} units disposed of but only {pool.quantity} are held; "
            f"only {pool.quantity} removed"
        )
        quantity = pool.quantity
    if pool.cost is not None:
        if quantity == pool.quantity:
            removed = pool.cost
        else:
            share = (pool.cost * quantity / pool.quantity).quantize(_SHARE_QUANTUM)
            removed = min(share, pool.cost)  # a pool with more than 20 decimals never goes below 0
        pool.cost -= removed
        pool.removed += removed
    pool.quantity -= quantity
    if not pool.quantity and pool.cost is None:
        pool.cost = ZERO  # nothing is held any more, so nothing held has an unknown cost


def _buy_cost(
    t: TradeLike, quantity: Decimal, account_currency: str, fx: FxSource | None
) -> tuple[Decimal | None, str]:
    """The cash paid for a buy, fees and taxes included."""
    amount = t.amount
    if amount is not None and amount and (t.currency or account_currency) == account_currency:
        if amount > 0:
            return amount, f"buy with a positive amount {amount}; taken as the cost paid"
        return -amount, ""
    consideration, problem = _consideration(t, quantity, account_currency, fx)
    if consideration is None:
        return None, f"{problem}; book cost unknown"
    return consideration + (t.fees or ZERO) + (t.taxes or ZERO), ""


def _consideration(
    t: TradeLike, quantity: Decimal, account_currency: str, fx: FxSource | None
) -> tuple[Decimal | None, str]:
    """price x quantity in the account currency, exactly (no rounding)."""
    if t.price is None:
        return None, "no amount and no price"
    quoted = t.price_currency or t.original_currency or t.currency or account_currency
    price, currency = quote_to_major(t.price, quoted)
    value = price * quantity
    if currency == account_currency:
        return value, ""
    rate = _rate(t, currency, account_currency, fx)
    if rate is None:
        return None, f"no FX rate from {currency} to {account_currency}"
    return value * rate, ""


def _rate(t: TradeLike, currency: str, account_currency: str, fx: FxSource | None) -> Decimal | None:
    """Account currency per unit of `currency` (a major unit: a per-penny rate is x100)."""
    if t.fx_rate:
        return t.fx_rate * 100 if t.original_currency in _PENCE else t.fx_rate
    if fx is not None:
        return fx.rate(currency, account_currency, t.booked_date)
    return None
