"""Figures of holdings, accounts and the whole portfolio, from rows already loaded (selectors.py
loads them). No queries here.

Every figure is an exact Decimal in one currency. A holding quoted or valued in another
currency than its account's is converted with the configured FX source (the ECB history by
default) on its snapshot's date, and says so (`fx_rate`, `fx_date`); GBX -> GBP is exact and
uses no rate. Without a rate the figure is None and `fx_reason` says why: never a guess.

Book cost is never converted: it was paid at the rates of the purchase days, and today's rate
would misstate it (and the gain). A book cost in another currency makes the account's book cost
(and gain) unknown, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, localcontext

from integrations_core.money import PRICE
from investments.prices.base import FxSource
from investments.prices.convert import Conversion, convert

_PERCENT = Decimal("0.01")
PRICE_PLACES = PRICE["decimal_places"]


def _percent(gain: Decimal | None, cost: Decimal | None) -> Decimal | None:
    if gain is None or not cost:
        return None
    return (gain * 100 / cost).quantize(_PERCENT)


def _total(values: Iterable[Decimal | None]) -> Decimal | None:
    """The sum, or None when any part is unknown."""
    total = Decimal(0)
    for value in values:
        if value is None:
            return None
        total += value
    return total


def _first(reasons: Iterable[str]) -> str:
    return next((reason for reason in reasons if reason), "")


@dataclass(frozen=True)
class Figures:
    """What an account (or a group of accounts) holds. `value` = cash + holdings value; `gain` =
    holdings value - book cost; None wherever a part is unknown. `fx_dates`: the ECB fixings
    used to convert parts of it (empty when nothing was converted); `fx_reason`: why a figure
    that needed a rate is None."""

    currency: str
    cash: Decimal | None
    holdings_value: Decimal | None
    book_cost: Decimal | None
    fx_dates: tuple[date, ...] = ()
    fx_reason: str = ""

    @property
    def value(self) -> Decimal | None:
        return _total([self.cash or Decimal(0), self.holdings_value])

    @property
    def gain(self) -> Decimal | None:
        if self.holdings_value is None or self.book_cost is None:
            return None
        return self.holdings_value - self.book_cost

    @property
    def gain_percent(self) -> Decimal | None:
        return _percent(self.gain, self.book_cost)

    @property
    def converted(self) -> bool:
        return bool(self.fx_dates)

    @classmethod
    def add(cls, currency: str, parts: list[Figures]) -> Figures:
        return cls(currency=currency, cash=_total(p.cash or Decimal(0) for p in parts),
                   holdings_value=_total(p.holdings_value for p in parts),
                   book_cost=_total(p.book_cost for p in parts),
                   fx_dates=tuple(sorted({d for p in parts for d in p.fx_dates})),
                   fx_reason=_first(p.fx_reason for p in parts))


@dataclass(frozen=True)
class HoldingRow:
    """One holding as sent (`price` in `price_currency`, `value` and `book_cost` in `currency`)
    and in the account currency (`account_price`, `account_value`), converted at `fx_rate`, the
    fixing of `fx_date`, when the two differ by more than GBX -> GBP."""

    holding: object  # a Holding
    security: object  # its Security
    quantity: Decimal
    price: Decimal | None  # as quoted, in price_currency (GBX allowed)
    price_currency: str
    account_price: Decimal | None  # the same price in the account currency
    value: Decimal | None
    book_cost: Decimal | None
    currency: str
    source: str  # synced | statement | manual
    account_value: Decimal | None = None  # the value in the account currency
    account_currency: str = ""
    fx_rate: Decimal | None = None  # 1 unit of the holding's currency in the account currency
    fx_date: date | None = None  # the fixing used (a weekend takes Friday's)
    fx_reason: str = ""  # why account_price or account_value is None

    @property
    def gain(self) -> Decimal | None:
        if self.value is None or self.book_cost is None:
            return None
        return self.value - self.book_cost

    @property
    def gain_percent(self) -> Decimal | None:
        return _percent(self.gain, self.book_cost)

    @property
    def converted(self) -> bool:
        return self.fx_rate is not None


def holding_row(holding, account, source: str, on: date, fx: FxSource) -> HoldingRow:
    """A Holding (with its security loaded) of `account`, its figures converted on `on`."""
    account_currency = account.currency
    price_currency = holding.price_currency or holding.currency or account_currency
    currency = holding.currency or account_currency
    price = convert(holding.price, price_currency, account_currency, on, fx, places=PRICE_PLACES)
    if holding.value is not None:
        value = convert(holding.value, currency, account_currency, on, fx)
    elif holding.price is not None:  # no value sent: quantity x price, rounded once
        with localcontext() as context:
            context.prec = 100
            value = convert(holding.quantity * holding.price, price_currency, account_currency, on, fx)
    else:
        value = Conversion(amount=None)
    used = value if value.converted else price
    return HoldingRow(holding=holding, security=holding.security, quantity=holding.quantity, price=holding.price,
                      price_currency=holding.price_currency, account_price=price.amount, value=holding.value,
                      book_cost=holding.book_cost, currency=currency, source=source, account_value=value.amount,
                      account_currency=account_currency, fx_rate=used.rate, fx_date=used.fixing_date,
                      # A price left unconverted matters only when the value is unknown too.
                      fx_reason=value.reason or (price.reason if value.amount is None else ""))


def rows_figures(account, rows: list[HoldingRow]) -> Figures:
    """Cash, holdings value (converted where needed) and book cost in the account currency."""
    return Figures(currency=account.currency, cash=account.current_balance,
                   holdings_value=_total(r.account_value for r in rows),
                   book_cost=_total(r.book_cost if r.currency.upper() == account.currency.upper() else None
                                    for r in rows),
                   fx_dates=tuple(sorted({r.fx_date for r in rows if r.fx_date is not None})),
                   fx_reason=_first(r.fx_reason for r in rows))


def figures_in(figures: Figures, currency: str, on: date, fx: FxSource) -> Figures:
    """An account's figures in another currency, converted on `on` (its snapshot's date). A part
    without a rate makes the value unknown; book cost is converted only when already in
    `currency` (see the module docstring)."""
    if figures.currency.upper() == currency.upper():
        return figures
    cash = convert(figures.cash, figures.currency, currency, on, fx)
    holdings = convert(figures.holdings_value, figures.currency, currency, on, fx)
    reason = cash.reason or holdings.reason or figures.fx_reason
    failed = bool(cash.reason or holdings.reason)
    dates = {*figures.fx_dates, *(c.fixing_date for c in (cash, holdings) if c.fixing_date is not None)}
    return Figures(currency=currency, cash=None if failed else cash.amount,
                   holdings_value=None if failed else holdings.amount, book_cost=None,
                   fx_dates=tuple(sorted(dates)), fx_reason=reason)


@dataclass(frozen=True)
class PortfolioTotal:
    """Everything the person holds in `currency` (their main one), converted account by account
    at the ECB fixing of each account's snapshot date, beside the unconverted totals per
    currency."""

    currency: str
    figures: Figures
    per_currency: list[Figures] = field(default_factory=list)


def portfolio_total(parts: list[tuple[Figures, date]], currency: str, fx: FxSource) -> PortfolioTotal:
    """`parts`: each account's figures and the day to convert them on."""
    currencies = sorted({f.currency for f, _ in parts})
    per_currency = [Figures.add(c, [f for f, _ in parts if f.currency == c]) for c in currencies]
    converted = [figures_in(f, currency, on, fx) for f, on in parts]
    return PortfolioTotal(currency=currency, figures=Figures.add(currency, converted), per_currency=per_currency)
