"""Stored trades (or a file's records) -> sterling CGT trades and income lines.

What is read from a transaction (a model row or an InvestmentTransactionRecord, same names):
- `amount`, the signed cash impact in the account currency, fees and taxes included. A buy's
  allowable cost is `-amount` (consideration + commission + stamp duty/SDRT + levies); a sale's
  proceeds are `amount`, net of the costs of selling.
- With no amount (a transfer in): `price x quantity` in the price currency, the carried-over
  cost. Without a price, the cost is unknown and the security cannot be computed.

Sterling: an account in GBP gives sterling directly: the platform's own conversion on the trade
date, which is the sterling actually paid or received (CG78310: the sterling value at the date
of the transaction). An account in another currency is converted at the ECB euro reference rate
of the trade date (cross rate through EUR; a weekend or TARGET holiday takes the previous
fixing, and the note says which fixing was used). No rate, no figure: the security is refused
with the reason (the shipped ECB history ends on 2026-10-30).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from integrations_core.money import quote_to_major
from investments.prices.base import FxSource
from investments.prices.convert import fx_fixing, no_rate_reason

from .cgt import ACQUISITION, DISPOSAL, SPLIT, TRANSFER_OUT, CgtProblem, CgtTrade

ZERO = Decimal(0)
GBP = "GBP"
KIND_OF = {"buy": ACQUISITION, "transfer_in": ACQUISITION, "sell": DISPOSAL, "transfer_out": TRANSFER_OUT,
           "split": SPLIT}
INCOME_TYPES = ("dividend", "interest")


class TradeRow(Protocol):
    type: str
    booked_date: date
    amount: Decimal | None
    currency: str
    quantity: Decimal | None
    price: Decimal | None
    price_currency: str
    fees: Decimal
    taxes: Decimal
    original_currency: str
    fx_rate: Decimal | None


@dataclass(frozen=True)
class Located:
    """A transaction and what the report needs to know about where it sits."""

    row: TradeRow
    security: str  # pooling key ("" for cash-only rows)
    label: str  # the security's name
    account: str  # the account's name
    reference: str


class Sterling:
    """Converts account-currency amounts into GBP on a day, remembering the rate it used."""

    def __init__(self, fx: FxSource) -> None:
        self.fx = fx
        self._rates: dict[tuple[str, date], tuple[Decimal, date] | None] = {}  # one look-up per currency and day

    def convert(self, amount: Decimal, currency: str, day: date) -> tuple[Decimal | None, str]:
        """(GBP amount or None, a note: which rate, or why there is none)."""
        value, major = quote_to_major(amount, currency or GBP)
        if major.upper() == GBP:
            return value, ""
        key = (major.upper(), day)
        if key not in self._rates:
            self._rates[key] = fx_fixing(self.fx, major.upper(), GBP, day)
        found = self._rates[key]
        if found is None:
            return None, no_rate_reason(self.fx, major.upper(), GBP, day)
        rate, fixing_date = found
        when = "" if fixing_date == day else f" (the fixing of {fixing_date.isoformat()})"
        return value * rate, f"{major.upper()} at the ECB reference rate {rate.normalize():f}{when}"


def cgt_trades(located: Iterable[Located], fx: FxSource) -> tuple[list[CgtTrade], list[CgtProblem]]:
    """Sterling trades for the matching, and the problems of securities that cannot be counted
    (their trades are left out entirely, so a partial history never gives a wrong figure)."""
    sterling = Sterling(fx)
    trades: list[CgtTrade] = []
    problems: dict[str, CgtProblem] = {}
    for item in located:
        kind = KIND_OF.get(item.row.type)
        if kind is None or not item.security:
            continue
        trade, problem = _trade(item, kind, sterling)
        if problem and item.security not in problems:
            problems[item.security] = CgtProblem(item.security, item.label, item.row.booked_date, problem)
        if trade is not None:
            trades.append(trade)
    return [t for t in trades if t.security not in problems], list(problems.values())


def _trade(item: Located, kind: str, sterling: Sterling) -> tuple[CgtTrade | None, str]:
    row = item.row
    quantity = row.quantity if row.quantity is not None else ZERO
    base = {"security": item.security, "kind": kind, "day": row.booked_date, "reference": item.reference,
            "account": item.account, "label": item.label}
    if kind == SPLIT:
        if not quantity:
            return None, ""
        return CgtTrade(quantity=quantity, **base), ""
    quantity = abs(quantity)
    if not quantity:
        return None, f"{row.booked_date.isoformat()} {row.type} ({item.reference}) has no quantity"
    if kind == TRANSFER_OUT:
        return CgtTrade(quantity=quantity, **base), ""
    costs_local = (row.fees or ZERO) + (row.taxes or ZERO)
    if row.amount:
        local = abs(row.amount)
        currency = row.currency
    elif kind == ACQUISITION and row.price is not None:
        local, currency = quote_to_major(row.price * quantity, row.price_currency or row.currency)
        if currency.upper() != (row.currency or GBP).upper() and row.fx_rate and row.original_currency:
            # the platform's own rate into the account currency, as the book cost uses it
            local, currency = local * row.fx_rate, row.currency
        costs_local = ZERO
    else:
        what = "a transfer in without a cost" if row.type == "transfer_in" else f"a {row.type} without an amount"
        return None, (f"{row.booked_date.isoformat()}: {what} ({item.reference}); the allowable cost of these shares "
                      "is unknown, so no gain can be computed (enter the transfer with its original cost)")
    amount, note = sterling.convert(local, currency, row.booked_date)
    costs, _ = sterling.convert(costs_local, currency, row.booked_date) if costs_local else (ZERO, "")
    if amount is None:
        return None, note
    return CgtTrade(quantity=quantity, amount=amount, costs=costs or ZERO, note=note, **base), ""
