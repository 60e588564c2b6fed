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
from transactions.models import TransactionSplit
from transactions.taxonomy import KIND_INCOME, KIND_OTHER, KIND_SPENDING, categories
from transactions.user_taxonomy import UserTaxonomy, user_taxonomy
from transactions.user_taxonomy import primary_of as custom_primary_of

ZERO = Decimal("0.00")


@lru_cache(maxsize=1)
def _codes_of_kind() -> dict[str, tuple[str, ...]]:
    grouped = defaultdict(list)
    for code, info in categories().items():
        grouped[info.kind].append(code)
    return {kind: tuple(codes) for kind, codes in grouped.items()}


def spending_filter(prefix: str = "", tax: UserTaxonomy | None = None) -> Q:
    """Money out in spending (or no) category, and refunds in a spending category. `prefix`
    reaches the amount and category through a relation (a split's parts have their own);
    `tax` adds the person's own categories by the kind they hang from."""
    spending = [*_codes_of_kind()[KIND_SPENDING], *(tax.custom_codes_of_kind(KIND_SPENDING) if tax else ())]
    other = [*_codes_of_kind()[KIND_OTHER], *(tax.custom_codes_of_kind(KIND_OTHER) if tax else ())]
    out_codes = [*spending, *other, ""]
    amount, category = f"{prefix}amount", f"{prefix}category"
    return (Q(**{f"{amount}__lt": 0, f"{category}__in": out_codes})
            | Q(**{f"{amount}__gt": 0, f"{category}__in": spending}))


def booked_in_period(user, *, date_from: date, date_to: date, currency: str, pending: bool = False) -> QuerySet:
    """Every budget, alert and spending total reads through here: the counted rows only (a
    disconnected connection's history is not current spending, see integrations_core/ledger.py).
    Spending is the categorised ledger's: only its rows carry spending categories. Rows the person
    hid or left out of budgets are not counted. `pending=True`: the pending rows instead of the
    booked ones (budgets show them beside, or add them, as the person chose)."""
    status = TransactionStatus.PENDING if pending else TransactionStatus.BOOKED
    return (categorised_ledger().counted_movements(user)
            .filter(status=status, currency=currency, booked_date__gte=date_from, booked_date__lte=date_to)
            .exclude(details__hidden=True).exclude(details__excluded_from_budgets=True))


def user_main_currency(user) -> str:
    """The currency most of the user's accounts hold; GBP for a user with none."""
    # The categorised ledger's accounts only: spending is in their currencies (a person's USD
    # brokerage accounts must not move their budgets off the pound).
    counts = Counter(categorised_ledger().counted_accounts(user).values_list("currency", flat=True))
    return counts.most_common(1)[0][0] if counts else "GBP"


def _spending_parts(period: QuerySet, tax: UserTaxonomy) -> tuple[QuerySet, QuerySet]:
    """(whole transactions, parts of split ones) that are spending: a split payment counts by its
    parts, each in its own category, never as the whole."""
    whole = period.filter(splits__isnull=True).filter(spending_filter(tax=tax))
    parts = TransactionSplit.objects.filter(transaction__in=period.values("pk")).filter(spending_filter(tax=tax))
    return whole, parts


def _grouped(period: QuerySet, tax: UserTaxonomy, fields: dict[str, str]) -> list[dict]:
    """Spending grouped by `fields` ({name: path on a transaction}), whole rows and split parts
    added together: [{name...: value, "total": signed sum, "n": rows}]."""
    whole, parts = _spending_parts(period, tax)
    merged: dict[tuple, dict] = {}
    sources = ((whole, "", "id"), (parts, "transaction__", "transaction_id"))
    for queryset, prefix, counted in sources:
        names = {name: (path if path in ("category", "amount") or not prefix else f"{prefix}{path}")
                 for name, path in fields.items()}
        for name, path in list(names.items()):
            if path.endswith("booked_date") and name == "month":
                queryset = queryset.annotate(month=TruncMonth(path))
                names[name] = "month"
        for row in queryset.values(*names.values()).annotate(total=Sum("amount"), n=Count(counted, distinct=True)):
            key = tuple(row[path] for path in names.values())
            into = merged.setdefault(key, {**dict(zip(names, key, strict=True)), "total": ZERO, "n": 0})
            into["total"] += row["total"] or ZERO
            into["n"] += row["n"]
    return list(merged.values())


def spent_by_category(user, *, date_from: date, date_to: date, currency: str,
                      pending: bool = False) -> dict[str, tuple[Decimal, int]]:
    """{stored code: (net spent, transactions)}; "" stands for not yet categorised."""
    period = booked_in_period(user, date_from=date_from, date_to=date_to, currency=currency, pending=pending)
    rows = _grouped(period, user_taxonomy(user), {"category": "category"})
    return {row["category"]: (-row["total"], row["n"]) for row in rows}


def spent_by_month_and_category(user, *, date_from: date, date_to: date, currency: str) -> dict:
    """{(first day of month, code): net spent}."""
    period = booked_in_period(user, date_from=date_from, date_to=date_to, currency=currency)
    out: dict = {}
    for row in _grouped(period, user_taxonomy(user), {"month": "booked_date", "category": "category"}):
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        out[(month, row["category"])] = out.get((month, row["category"]), ZERO) - row["total"]
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
    tax = user_taxonomy(user)
    groups: dict[str, dict] = {}

    def add(key: str, label: str, amount: Decimal, count: int) -> None:
        group = groups.setdefault(key, {"key": key, "label": label, "spent": ZERO, "count": 0})
        group["spent"] += amount
        group["count"] += count

    if group_by == "category":
        for row in _grouped(period, tax, {"category": "category"}):
            code = row["category"] or "OTHER_OTHER"
            key = (custom_primary_of(code) or "OTHER") if level == "primary" else code
            add(key, tax.label_of(key), -row["total"], row["n"])
    elif group_by == "merchant":
        for row in _grouped(period, tax, {"description": "description", "merchant_name": "merchant_name"}):
            key, label = _merchant_label(row["description"], row["merchant_name"])
            add(key or label.upper(), label, -row["total"], row["n"])
    else:
        for row in _grouped(period, tax, {"month": "booked_date"}):
            month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
            add(month.strftime("%Y-%m"), month.strftime("%B %Y"), -row["total"], row["n"])

    income_codes = _codes_of_kind()[KIND_INCOME]
    income = period.filter(amount__gt=0, category__in=income_codes).aggregate(total=Sum("amount"))["total"] or ZERO
    ordered = sorted(groups.values(), key=lambda g: g["key"] if group_by == "month" else -g["spent"])
    total = sum((g["spent"] for g in ordered), ZERO)
    return {"from": date_from, "to": date_to, "currency": currency, "group_by": group_by,
            "total_spent": total, "total_income": income, "groups": ordered}
