"""Detect subscriptions, bills and regular income: the same merchant on the same account, a
similar amount, at a regular interval. Rebuilt per user from the last 13 months of booked rows."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from integrations_core.ledger import categorised_ledger
from integrations_core.models import TransactionStatus
from transactions.categoriser.normalise import normalise
from transactions.models import Frequency, RecurringKind, RecurringPayment
from transactions.taxonomy import KIND_INCOME, KIND_TRANSFER, kind_of, primary_of

from .budgets import add_months

HISTORY_DAYS = 400
REGULAR_SHARE = 0.75  # this share of intervals (and amounts) must fit the pattern
AMOUNT_TOLERANCE = Decimal("0.20")  # within 20% of the typical amount...
AMOUNT_FLOOR = Decimal("2.00")  # ...or £2, whichever is larger (bills move a little)

# (frequency, nominal days, tolerance in days, minimum occurrences)
_FREQUENCIES = [
    (Frequency.WEEKLY, 7, 1, 4),
    (Frequency.FORTNIGHTLY, 14, 2, 3),
    (Frequency.FOUR_WEEKLY, 28, 1, 4),
    (Frequency.MONTHLY, 30, 4, 3),
    (Frequency.QUARTERLY, 91, 10, 3),
    (Frequency.YEARLY, 365, 15, 2),
]
_SUBSCRIPTION_PRIMARIES = {"ENTERTAINMENT", "PERSONAL_CARE"}
_SUBSCRIPTION_CODES = {"GENERAL_SERVICES_OTHER_GENERAL_SERVICES", "GENERAL_SERVICES_EDUCATION",
                       "FOOD_AND_DRINK_TAKEAWAY_DELIVERY"}
_BILL_PRIMARIES = {"RENT_AND_UTILITIES", "LOAN_PAYMENTS", "BANK_FEES"}
_BILL_CODES = {"GENERAL_SERVICES_INSURANCE", "GENERAL_SERVICES_CHILDCARE", "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT",
               "GOVERNMENT_AND_NON_PROFIT_DONATIONS"}


@dataclass
class Series:
    frequency: str
    interval_days: int
    dates: list[date]
    amounts: list[Decimal]


def _frequency(dates: list[date]) -> tuple[str, int] | None:
    gaps = [(b - a).days for a, b in zip(dates, dates[1:], strict=False) if (b - a).days > 0]
    if not gaps:
        return None
    median = statistics.median(gaps)
    for frequency, nominal, tolerance, minimum in _FREQUENCIES:
        if len(dates) < minimum or abs(median - nominal) > tolerance:
            continue
        fitting = sum(1 for gap in gaps if abs(gap - nominal) <= tolerance)
        if fitting >= REGULAR_SHARE * len(gaps):
            return frequency, nominal
    return None


def _similar_amounts(amounts: list[Decimal]) -> bool:
    typical = statistics.median(abs(a) for a in amounts)
    limit = max(typical * AMOUNT_TOLERANCE, AMOUNT_FLOOR)
    return sum(1 for a in amounts if abs(abs(a) - typical) <= limit) >= REGULAR_SHARE * len(amounts)


def next_date(last: date, frequency: str, interval_days: int) -> date:
    if frequency == Frequency.MONTHLY:
        return add_months(last, 1)
    if frequency == Frequency.QUARTERLY:
        return add_months(last, 3)
    if frequency == Frequency.YEARLY:
        return add_months(last, 12)
    return last + timedelta(days=interval_days)


def kind_for(category: str, direction: str) -> str:
    kind = kind_of(category)
    if direction == "in":
        return RecurringKind.INCOME if kind == KIND_INCOME else RecurringKind.TRANSFER if kind == KIND_TRANSFER \
            else RecurringKind.OTHER
    if kind == KIND_TRANSFER:
        return RecurringKind.TRANSFER
    primary = primary_of(category)
    if primary in _SUBSCRIPTION_PRIMARIES or category in _SUBSCRIPTION_CODES:
        return RecurringKind.SUBSCRIPTION
    if primary in _BILL_PRIMARIES or category in _BILL_CODES:
        return RecurringKind.BILL
    return RecurringKind.OTHER


def detect_series(dates: list[date], amounts: list[Decimal]) -> Series | None:
    """Is this run of payments regular? Pure function over one merchant's history, oldest first."""
    found = _frequency(dates)
    if found is None or not _similar_amounts(amounts):
        return None
    return Series(found[0], found[1], dates, amounts)


@transaction.atomic
def recurring_detect(*, user, today: date | None = None) -> list[RecurringPayment]:
    today = today or timezone.localdate()
    # Counted rows only: a disconnected connection's history would otherwise be a second copy of
    # every series once the bank is reconnected (and its series are marked inactive below).
    rows = (categorised_ledger().counted_movements(user)
            .filter(status=TransactionStatus.BOOKED, booked_date__gte=today - timedelta(days=HISTORY_DAYS))
            .order_by("booked_date")
            .values_list("account_id", "description", "merchant_name", "amount", "currency", "booked_date", "category"))
    groups: dict[tuple, list] = defaultdict(list)
    for account_id, description, merchant, amount, currency, day, category in rows:
        if amount == 0:
            continue
        key = normalise(description, merchant).key
        if key:
            groups[(account_id, key, "out" if amount < 0 else "in", currency)].append(
                (day, amount, category, merchant))

    kept = []
    for (account_id, key, direction, currency), items in groups.items():
        series = detect_series([i[0] for i in items], [i[1] for i in items])
        if series is None:
            continue
        expected = next_date(series.dates[-1], series.frequency, series.interval_days)
        # A series that has missed two expected payments has probably been cancelled.
        active = expected + timedelta(days=series.interval_days) >= today
        category = items[-1][2]
        recent = sorted(series.amounts[-3:])
        values = {
            "name": items[-1][3] or key.title(), "category": category, "kind": kind_for(category, direction),
            "frequency": series.frequency, "currency": currency, "typical_amount": statistics.median(series.amounts),
            "last_amount": series.amounts[-1], "last_date": series.dates[-1], "next_expected_date": expected,
            "next_expected_amount": recent[len(recent) // 2], "occurrences": len(series.dates), "is_active": active,
        }
        payment, _ = RecurringPayment.objects.update_or_create(
            user=user, account_id=account_id, merchant_key=key[:200], direction=direction, defaults=values)
        kept.append(payment)
    RecurringPayment.objects.filter(user=user).exclude(pk__in=[p.pk for p in kept]).update(is_active=False)
    return kept
