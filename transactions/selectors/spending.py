"""Spending queries for budgets and charts.

Spending is booked money out in spending categories (and uncategorised money out: it was still
spent), less refunds (money in under a spending category). Transfers, card repayments, income and
borrowing never count, so a transfer between the user's own accounts is neither spent nor earned.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from integrations_core.ledger import categorised_ledger
from integrations_core.models import TransactionStatus
from transactions.categoriser.merchants import default_dictionary
from transactions.categoriser.normalise import normalise
from transactions.taxonomy import KIND_INCOME, KIND_OTHER, KIND_SPENDING, categories, primary_of

ZERO = Decimal("0.00")


@lru_cache(maxsize=1)
def _codes_of_kind() -> dict[str, tuple[str, ...]]:
    grouped = defaultdict(list)
    for code, info in categories().items():
        grouped[info.kind].append(code)
    return {kind: tuple(codes) for kind, codes in grouped.items()}


def spending_filter() -> Q:
    spending = _codes_of_kind()[KIND_SPENDING]
    out_codes = [*spending, *_codes_of_kind()[KIND_OTHER], ""]
    return Q(amount__lt=0, category__in=out_codes) | Q(amount__gt=0, category__in=spending)


def booked_in_period(user, *, date_from: date, date_to: date, currency: str) -> QuerySet:
    """Every budget, alert and spending total reads through here: the counted rows only (a
    disconnected connection's history is not current spending, see integrations_core/ledger.py).
    Spending is the categorised ledger's: only its rows carry spending categories."""
    return categorised_ledger().counted_movements(user).filter(
        status=TransactionStatus.BOOKED, currency=currency, booked_date__gte=date_from, booked_date__lte=date_to)


def user_main_currency(user) -> str:
    """The currency most of the user's accounts hold; GBP for a user with none."""
    # The categorised ledger's accounts only: spending is in their currencies (a person's USD
    # brokerage accounts must not move their budgets off the pound).
    counts = Counter(categorised_ledger().counted_accounts(user).values_list("currency", flat=True))
    return counts.most_common(1)[0][0] if counts else "GBP"


def spent_by_category(user, *, date_from: date, date_to: date, currency: str) -> dict[str, tuple[Decimal, int]]:
    """{stored code: (net spent, transactions)}; "" stands for not yet categorised."""
    rows = (booked_in_period(user, date_from=date_from, date_to=date_to, currency=currency)
            .filter(spending_filter()).values("category").annotate(total=Sum("amount"), n=Count("id")))
    return {row["category"]: (-(row["total"] or ZERO), row["n"]) for row in rows}


def spent_by_month_and_category(user, *, date_from: date, date_to: date, currency: str) -> dict:
    """{(first day of month, code): net spent}."""
    rows = (booked_in_period(user, date_from=date_from, date_to=date_to, currency=currency)
            .filter(spending_filter()).annotate(month=TruncMonth("booked_date"))
            .values("month", "category").annotate(total=Sum("amount")))
    out: dict = {}
    for row in rows:
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        out[(month, row["category"])] = -(row["total"] or ZERO)
    return out


def _merchant_label(description: str, merchant_name: str) -> tuple[str, str]:
    """(grouping key, label): the bank's merchant name when it gave one, else the cleaned description."""
    norm = normalise(description, merchant_name)
    if merchant_name:
        return norm.key, merchant_name
    if norm.key:
        return norm.key, norm.key.title()
    named = next((m.name for m in default_dictionary().lookup(norm.tokens) if m.name), "")
    return "", named or description[:40]


def spending_summary(user, *, date_from: date, date_to: date, currency: str, group_by: str,
                     level: str = "primary") -> dict:
    """Totals for charts, grouped by category (primary or detailed), merchant or month."""
    period = booked_in_period(user, date_from=date_from, date_to=date_to, currency=currency)
    spending = period.filter(spending_filter())
    groups: dict[str, dict] = {}

    def add(key: str, label: str, amount: Decimal, count: int) -> None:
        group = groups.setdefault(key, {"key": key, "label": label, "spent": ZERO, "count": 0})
        group["spent"] += amount
        group["count"] += count

    if group_by == "category":
        for row in spending.values("category").annotate(total=Sum("amount"), n=Count("id")):
            code = row["category"] or "OTHER_OTHER"
            key = (primary_of(code) or "OTHER") if level == "primary" else code
            add(key, categories()[key].label if key in categories() else key, -(row["total"] or ZERO), row["n"])
    elif group_by == "merchant":
        rows = spending.values("description", "merchant_name").annotate(total=Sum("amount"), n=Count("id"))
        for row in rows:
            key, label = _merchant_label(row["description"], row["merchant_name"])
            add(key or label.upper(), label, -(row["total"] or ZERO), row["n"])
    else:
        for row in (spending.annotate(month=TruncMonth("booked_date")).values("month")
                    .annotate(total=Sum("amount"), n=Count("id"))):
            month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
            add(month.strftime("%Y-%m"), month.strftime("%B %Y"), -(row["total"] or ZERO), row["n"])

    income_codes = _codes_of_kind()[KIND_INCOME]
    income = period.filter(amount__gt=0, category__in=income_codes).aggregate(total=Sum("amount"))["total"] or ZERO
    ordered = sorted(groups.values(), key=lambda g: g["key"] if group_by == "month" else -g["spent"])
    total = sum((g["spent"] for g in ordered), ZERO)
    return {"from": date_from, "to": date_to, "currency": currency, "group_by": group_by,
            "total_spent": total, "total_income": income, "groups": ordered}
