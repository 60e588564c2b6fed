"""Daily value series built from trades and prices (pure: plain data in, series out).

One `Series` per thing measured (a holding in an account, an account, a group of accounts), on
one date axis, in one currency: the close value of every day (None, with the reason, when it
cannot be known: no price near enough, no FX rate), the external flows of every day (see
measures.py for the sign), and why a flow has no cost a money-weighted return could use.

A holding is valued at quantity x the latest price on or before the day (a stored price, or a
trade's own price), carried forward at most `max_price_age` days (weekends and bank holidays;
longer is a gap, never an interpolation). A price in another currency than the account's is
converted at the ECB fixing of the day (a weekend takes the Friday fixing)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, localcontext

from integrations_core.money import quote_to_major
from investments.prices.base import FxSource, major
from investments.prices.convert import fx_fixing, no_rate_reason

_UNIT = Decimal("0.0001")
ZERO = Decimal(0)
SECURITY_IN = frozenset({"buy", "transfer_in"})
SECURITY_OUT = frozenset({"sell", "transfer_out"})
TRANSFERS = frozenset({"transfer_in", "transfer_out"})
EXTERNAL_CASH = frozenset({"deposit", "withdrawal", "transfer_in", "transfer_out"})


@dataclass(frozen=True)
class Movement:
    """One stored investment transaction, as the series read it (`amount` is the signed cash
    impact in the account currency, as stored)."""

    id: str
    day: date
    type: str
    amount: Decimal | None
    security: str = ""  # a key, "" for a cash movement
    quantity: Decimal | None = None
    price: Decimal | None = None
    price_currency: str = ""
    matched: bool = False  # a transfer with its twin in another of the person's accounts


@dataclass(frozen=True)
class PricePoint:
    day: date
    close: Decimal
    currency: str  # GBX allowed


@dataclass
class Series:
    start: date
    currency: str
    values: list[Decimal | None]
    flows: list[Decimal]
    reasons: list[str]
    flow_reasons: list[str]

    @classmethod
    def zeros(cls, start: date, days: int, currency: str) -> Series:
        return cls(start=start, currency=currency, values=[ZERO] * days, flows=[ZERO] * days,
                   reasons=[""] * days, flow_reasons=[""] * days)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=len(self.values) - 1)

    def day(self, i: int) -> date:
        return self.start + timedelta(days=i)

    def invested(self) -> list[Decimal]:
        """Net money in so far, day by day (the chart's invested capital)."""
        total, out = ZERO, []
        for flow in self.flows:
            total += flow
            out.append(total)
        return out

    def add(self, other: Series) -> Series:
        """Day by day sum (same axis and currency); unknown wherever either is."""
        values = [None if a is None or b is None else a + b for a, b in zip(self.values, other.values, strict=True)]
        return Series(start=self.start, currency=self.currency, values=values,
                      flows=[a + b for a, b in zip(self.flows, other.flows, strict=True)],
                      reasons=[a or b for a, b in zip(self.reasons, other.reasons, strict=True)],
                      flow_reasons=[a or b for a, b in zip(self.flow_reasons, other.flow_reasons, strict=True)])


def total(series: Iterable[Series], start: date, days: int, currency: str) -> Series:
    out = Series.zeros(start, days, currency)
    for part in series:
        out = out.add(part)
    return out


class Rates:
    """FX rates per (base, quote, day), asked of the source once each."""

    def __init__(self, fx: FxSource) -> None:
        self.fx = fx
        self._seen: dict[tuple[str, str, date], Decimal | None] = {}

    def rate(self, base: str, quote: str, day: date) -> Decimal | None:
        base, quote = major(base), major(quote)
        if base == quote:
            return Decimal(1)
        key = (base, quote, day)
        if key not in self._seen:
            found = fx_fixing(self.fx, base, quote, day)
            self._seen[key] = None if found is None else found[0]
        return self._seen[key]

    def reason(self, base: str, quote: str, day: date) -> str:
        return no_rate_reason(self.fx, major(base), major(quote), day)


def converted(series: Series, currency: str, rates: Rates) -> Series:
    """The series in `currency`, every day at that day's fixing (the FX effect included)."""
    if major(series.currency) == major(currency):
        return series
    out = Series.zeros(series.start, len(series.values), currency)
    out.flow_reasons = list(series.flow_reasons)
    for i, value in enumerate(series.values):
        day = series.day(i)
        if value is None:
            out.values[i], out.reasons[i] = None, series.reasons[i]
            continue
        if not value and not series.flows[i]:
            out.values[i] = ZERO
            continue
        rate = rates.rate(series.currency, currency, day)
        if rate is None:
            out.values[i], out.reasons[i] = None, rates.reason(series.currency, currency, day)
            continue
        out.values[i] = (value * rate).quantize(_UNIT)
        out.flows[i] = (series.flows[i] * rate).quantize(_UNIT)
    return out


def _signed_units(movement: Movement) -> Decimal:
    quantity = movement.quantity or ZERO
    if movement.type in SECURITY_IN:
        return abs(quantity)
    if movement.type in SECURITY_OUT:
        return -abs(quantity)
    if movement.type == "split":
        return quantity  # the signed change in units (services/book_cost.py)
    return ZERO


def price_points(stored: Sequence[PricePoint], movements: Sequence[Movement]) -> list[PricePoint]:
    """Stored closes, plus each trade's own price on a day without one; oldest first."""
    by_day = {p.day: p for p in stored}
    for m in movements:
        if m.price and m.type in ("buy", "sell") and m.day not in by_day:
            by_day[m.day] = PricePoint(m.day, m.price, m.price_currency)
    return [by_day[d] for d in sorted(by_day)]


@dataclass
class HoldingSeries:
    in_account: Series  # in the account currency
    local: Series  # in the security's own currency
    transfers: list[Decimal] = field(default_factory=list)  # market value moved in (+) / out (-), account currency


def holding_series(name: str, movements: Sequence[Movement], prices: Sequence[PricePoint], *, start: date,
                   days: int, account_currency: str, rates: Rates, max_price_age: int = 7) -> HoldingSeries:
    """One security in one account. Flows (holding view): minus each cash amount tied to the
    security (a buy's cost with its fees in, a sale's proceeds, dividends and fees out/in), and a
    transfer at its market value that day."""
    points = price_points(prices, movements)
    point_days = [p.day for p in points]
    local_currency = major(points[-1].currency if points else (next(
        (m.price_currency for m in movements if m.price_currency), "") or account_currency))
    acct = Series.zeros(start, days, account_currency)
    local = Series.zeros(start, days, local_currency)
    transfers = [ZERO] * days
    by_day: dict[int, list[Movement]] = {}
    for m in movements:
        by_day.setdefault((m.day - start).days, []).append(m)
    units = ZERO
    with localcontext() as context:
        context.prec = 40
        for i in range(days):
            day = start + timedelta(days=i)
            cash_flow = ZERO
            moved = ZERO
            for m in by_day.get(i, ()):
                units += _signed_units(m)
                if m.type in TRANSFERS:
                    moved += _signed_units(m)
                    if m.amount:
                        cash_flow -= m.amount
                    elif not m.matched and not m.price and m.type == "transfer_in":
                        acct.flow_reasons[i] = local.flow_reasons[i] = (
                            f"{name}: a transfer-in on {day.isoformat()} has no cost and no matching transfer-out")
                elif m.amount:
                    cash_flow -= m.amount
            if not units and not moved and not cash_flow:
                continue
            k = bisect_right(point_days, day) - 1
            price = points[k] if k >= 0 else None
            if units or moved:
                if price is None or (day - price.day).days > max_price_age:
                    since = f" (last {price.day.isoformat()})" if price is not None else ""
                    reason = f"no price for {name} on {day.isoformat()}{since}"
                    acct.values[i] = local.values[i] = None
                    acct.reasons[i] = local.reasons[i] = reason
                    acct.flows[i] = cash_flow
                    continue
                close, currency = quote_to_major(price.close, price.currency)
                local_value = units * close
                rate = rates.rate(currency, account_currency, day)
                if rate is None:
                    acct.values[i], acct.reasons[i] = None, rates.reason(currency, account_currency, day)
                    acct.flows[i] = cash_flow
                else:
                    acct.values[i] = (local_value * rate).quantize(_UNIT)
                    transfers[i] = (moved * close * rate).quantize(_UNIT)
                    acct.flows[i] = cash_flow + transfers[i]
                local.values[i] = local_value.quantize(_UNIT)
                back = rates.rate(account_currency, currency, day)
                if back is None:
                    local.values[i], local.reasons[i] = None, rates.reason(account_currency, currency, day)
                else:
                    local.flows[i] = (cash_flow * back).quantize(_UNIT) + (moved * close).quantize(_UNIT)
            else:  # nothing held: a dividend paid after a sale, a fee
                acct.flows[i] = cash_flow
                back = rates.rate(account_currency, local_currency, day)
                local.flows[i] = ZERO if back is None else (cash_flow * back).quantize(_UNIT)
    return HoldingSeries(in_account=acct, local=local, transfers=transfers)


def account_series(cash_movements: Sequence[Movement], holdings: Sequence[HoldingSeries], *, start: date,
                   days: int, currency: str) -> Series:
    """Cash (every stored amount added up) plus its holdings; flows: deposits, withdrawals and
    cash transfers as stored, security transfers at market value. Dividends, interest, fees and
    tax stay inside: they are the return."""
    out = Series.zeros(start, days, currency)
    for h in holdings:
        out.flow_reasons = [a or b for a, b in zip(out.flow_reasons, h.in_account.flow_reasons, strict=True)]
    cash_by_day = [ZERO] * days
    for m in cash_movements:
        i = (m.day - start).days
        if m.amount:
            cash_by_day[i] += m.amount
            if not m.security and m.type in EXTERNAL_CASH:
                out.flows[i] += m.amount
    cash = ZERO
    for i in range(days):
        cash += cash_by_day[i]
        value: Decimal | None = cash
        for h in holdings:
            part = h.in_account.values[i]
            if part is None:
                value = None
                out.reasons[i] = h.in_account.reasons[i]
                break
            value += part
        out.values[i] = value
        for h in holdings:
            out.flows[i] += h.transfers[i]
    return out
