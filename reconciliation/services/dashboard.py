"""The business dashboard's figures, from what the families register (register_income,
register_outstanding): income by source, what processors kept in fees, refunds and disputes,
and the invoices still owed to the business (and its bills still to pay), per currency: amounts
in different currencies are never added together."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ..registry import IncomeLine, OutstandingItem, income_sources, outstanding_sources

logger = logging.getLogger(__name__)
ZERO = Decimal(0)


@dataclass
class CurrencyTotals:
    currency: str
    gross: Decimal = ZERO
    fees: Decimal = ZERO
    refunds: Decimal = ZERO
    disputes: Decimal = ZERO
    net: Decimal = ZERO
    count: int = 0


@dataclass
class BusinessSummary:
    since: date
    until: date
    today: date
    income: list[IncomeLine]  # one per source and currency, biggest gross first
    totals: list[CurrencyTotals]  # per currency
    invoices_outstanding: list[OutstandingItem]  # soonest due first
    bills_outstanding: list[OutstandingItem]
    owed_to_you: dict[str, Decimal] = field(default_factory=dict)  # currency -> unpaid invoices
    overdue: dict[str, Decimal] = field(default_factory=dict)  # currency -> unpaid invoices past due
    unavailable: list[str] = field(default_factory=list)  # sources that failed (shown, not hidden)

    def is_overdue(self, item: OutstandingItem) -> bool:
        return item.due_date is not None and item.due_date < self.today


def _gather(sources, call, unavailable: list[str]) -> list:
    found = []
    for source in sources:
        try:
            found.extend(call(source))
        except Exception:  # one family's failure leaves the others' figures on the page
            logger.exception("business dashboard source failed source=%s", source.__module__)
            unavailable.append(source.__module__.split(".")[0])
    return found


def business_summary(user, *, since: date, until: date, today: date) -> BusinessSummary:
    unavailable: list[str] = []
    income = [line for line in _gather(income_sources(), lambda fn: fn(user, since=since, until=until), unavailable)
              if isinstance(line, IncomeLine)]
    income.sort(key=lambda line: (line.currency, -line.gross, line.source))
    totals: dict[str, CurrencyTotals] = {}
    for line in income:
        t = totals.setdefault(line.currency, CurrencyTotals(line.currency))
        t.gross += line.gross
        t.fees += line.fees
        t.refunds += line.refunds
        t.disputes += line.disputes
        t.net += line.net
        t.count += line.count
    outstanding = [item for item in _gather(outstanding_sources(), lambda fn: fn(user, today=today), unavailable)
                   if isinstance(item, OutstandingItem)]
    outstanding.sort(key=lambda item: (item.due_date or date.max, item.number))
    invoices = [i for i in outstanding if i.kind == "invoice"]
    owed: dict[str, Decimal] = defaultdict(lambda: ZERO)
    overdue: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for item in invoices:
        owed[item.currency] += item.amount_due
        if item.due_date is not None and item.due_date < today:
            overdue[item.currency] += item.amount_due
    return BusinessSummary(since=since, until=until, today=today, income=income,
                           totals=sorted(totals.values(), key=lambda t: t.currency),
                           invoices_outstanding=invoices,
                           bills_outstanding=[i for i in outstanding if i.kind == "bill"],
                           owed_to_you=dict(owed), overdue=dict(overdue), unavailable=unavailable)
