"""Time- and money-weighted return over a daily series (pure: plain data in, figures out).

Conventions (docs/returns.md):
- A flow is external money from the investor's side into the thing measured: positive in
  (deposit, a buy for a holding), negative out (withdrawal, a sale's proceeds or a dividend for
  a holding). Values are closes of the person's local day.
- TWR chains one factor per day on the day's net flow F: money in arrives at the start of the
  day, close / (previous close + F); money out leaves at its end, (close - F) / previous close.
  A deposit and a withdrawal on the same day net to nothing, so they leave it unchanged;
  dividends and fees inside an account are not flows, so they move it.
- MWR is the XIRR (pyxirr, ACT/365) of: the starting value paid in at the start, every flow
  paid in on its own day, the end value taken out at the end. It is annualised; TWR is given for
  the period and, for periods of a year or more, annualised too.
Ratios are Decimals; only pyxirr's solver works in floats, and its answer is rounded to 10
places before it becomes a Decimal again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext

import pyxirr

from .series import Series

_PLACES = Decimal("0.0000000001")


@dataclass(frozen=True)
class Figure:
    """A return as a fraction (0.05 = 5 %), or None with the reason it cannot be known."""

    value: Decimal | None
    reason: str = ""

    @property
    def percent(self) -> Decimal | None:
        return None if self.value is None else (self.value * 100).quantize(Decimal("0.01"))


def _index(series: Series, day: date) -> int:
    return (day - series.start).days


def _value_at(series: Series, day: date) -> tuple[Decimal | None, str]:
    i = _index(series, day)
    if i < 0:
        return Decimal(0), ""  # before anything happened: nothing held
    if i >= len(series.values):
        return None, f"no valuation for {day.isoformat()}"
    return series.values[i], series.reasons[i]


def annualise(growth: Decimal, days: int) -> Decimal:
    """(1 + r) ** (365 / days) - 1."""
    with localcontext() as context:
        context.prec = 28
        base = 1 + growth
        if base <= 0:
            return Decimal(-1)
        return (base ** (Decimal(365) / Decimal(days)) - 1).quantize(_PLACES)


def time_weighted(series: Series, start: date, end: date) -> Figure:
    """The TWR from the close of `start` to the close of `end` (see the module docstring)."""
    previous, reason = _value_at(series, start)
    if previous is None:
        return Figure(None, reason or f"no valuation on {start.isoformat()}")
    first = max(_index(series, start) + 1, 0)
    last = _index(series, end)
    if last >= len(series.values):
        return Figure(None, f"no valuation for {end.isoformat()}")
    growth = Decimal(1)
    invested = previous != 0
    with localcontext() as context:
        context.prec = 28
        for i in range(first, last + 1):
            value = series.values[i]
            if value is None:
                return Figure(None, series.reasons[i])
            flow = series.flows[i]
            # Net money in arrives at the start of the day, net money out leaves at its end.
            top, bottom = (value, previous + flow) if flow >= 0 else (value - flow, previous)
            if bottom > 0:
                growth *= top / bottom
                invested = True
            elif top != 0 and bottom < 0:
                return Figure(None, f"more was taken out than was held on {series.day(i).isoformat()}")
            elif top != 0 and flow >= 0:  # something appeared with no money in: a transfer without a value
                return Figure(None, f"value without a contribution on {series.day(i).isoformat()}")
            # else nothing held before: income after a sale is left to the MWR (docs/returns.md)
            previous = value
    if not invested:
        return Figure(None, "nothing was invested in this period")
    return Figure((growth - 1).quantize(_PLACES))


def money_weighted(series: Series, start: date, end: date) -> Figure:
    """The XIRR from the close of `start` to the close of `end` (annualised)."""
    opening, reason = _value_at(series, start)
    closing, end_reason = _value_at(series, end)
    if opening is None or closing is None:
        return Figure(None, reason or end_reason or "no valuation at the period's ends")
    first = max(_index(series, start) + 1, 0)
    last = _index(series, end)
    for i in range(first, last + 1):
        if series.values[i] is None:
            return Figure(None, series.reasons[i])
        if series.flow_reasons[i]:
            return Figure(None, series.flow_reasons[i])
    dates: list[date] = []
    amounts: list[float] = []
    if opening:
        dates.append(start)
        amounts.append(-float(opening))
    for i in range(first, last + 1):
        if series.flows[i]:
            dates.append(series.start + timedelta(days=i))  # on its own day, as a spreadsheet's XIRR
            amounts.append(-float(series.flows[i]))
    if not dates:
        return Figure(None, "nothing was invested in this period")
    dates.append(end)
    amounts.append(float(closing))
    if len(set(dates)) < 2:
        return Figure(None, "the period is shorter than a day")
    try:
        rate = pyxirr.xirr(dates, amounts)
    except (pyxirr.InvalidPaymentsError, ValueError) as exc:
        return Figure(None, f"no money-weighted return: {exc}")
    if rate is None or rate != rate or rate in (float("inf"), float("-inf")):
        return Figure(None, "no money-weighted return solves these flows")
    return Figure(Decimal(repr(rate)).quantize(_PLACES))


def invested_between(series: Series, start: date, end: date) -> Decimal:
    """The net flows after `start` up to `end` (money in less money out)."""
    first = max(_index(series, start) + 1, 0)
    last = min(_index(series, end), len(series.flows) - 1)
    return sum(series.flows[first:last + 1], Decimal(0))
