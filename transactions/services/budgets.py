"""Monthly budgets: what is spent and left per category, rollover, and 80%/100% alerts.

Always computed from the transactions (never a stored running total), so a recategorisation or a
late-booked payment shows up in the next summary with nothing to keep in step.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from transactions.models import Budget, BudgetAlert
from transactions.selectors.spending import ZERO, spent_by_category, spent_by_month_and_category
from transactions.taxonomy import codes_under, label_of

ALERT_THRESHOLDS = (80, 100)
ROLLOVER_MAX_MONTHS = 24  # carry at most two years back: older history does not move today's budget


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def budget_create(*, user, category: str, amount: Decimal, currency: str = "GBP", rollover: bool = False,
                  start_month: date | None = None) -> Budget:
    return Budget.objects.create(user=user, category=category, amount=amount, currency=currency, rollover=rollover,
                                 start_month=month_start(start_month or timezone.localdate()))


def budget_update(budget: Budget, **values) -> Budget:
    fields = [k for k in ("category", "amount", "currency", "rollover", "start_month") if k in values]
    for name in fields:
        value = values[name]
        setattr(budget, name, month_start(value) if name == "start_month" and value else value)
    if fields:
        budget.save(update_fields=[*fields, "updated_at"])
    return budget


def _spent(spent: dict, codes) -> tuple[Decimal, int]:
    amount, count = ZERO, 0
    for code in codes:
        value, n = spent.get(code, (ZERO, 0))
        amount += value
        count += n
    return amount, count


def _carried(budget: Budget, month: date) -> Decimal:
    """Sum of (cap - spent) over earlier months since the budget started: unspent money carries
    forward, and so does overspending."""
    first = max(budget.start_month, add_months(month, -ROLLOVER_MAX_MONTHS))
    if first >= month:
        return ZERO
    by_month = spent_by_month_and_category(budget.user, date_from=first, date_to=month - timedelta(days=1),
                                           currency=budget.currency)
    codes = set(codes_under(budget.category))
    carried = ZERO
    cursor = first
    while cursor < month:
        spent = sum((v for (m, code), v in by_month.items() if m == cursor and code in codes), ZERO)
        carried += budget.amount - max(spent, ZERO)
        cursor = add_months(cursor, 1)
    return carried


def budget_summary(*, user, month: date) -> dict:
    month = month_start(month)
    last = month_end(month)
    budgets = list(Budget.objects.filter(user=user, start_month__lte=month).select_related("user"))
    spent_cache: dict[str, dict] = {}
    rows = []
    for budget in budgets:
        if budget.currency not in spent_cache:
            spent_cache[budget.currency] = spent_by_category(user, date_from=month, date_to=last,
                                                             currency=budget.currency)
        spent, count = _spent(spent_cache[budget.currency], codes_under(budget.category))
        spent = max(spent, ZERO)  # refunds can cancel spending, never turn it into income
        carried = _carried(budget, month) if budget.rollover else ZERO
        cap = budget.amount + carried
        percent = (spent / cap * 100) if cap > 0 else (Decimal(100) if spent > 0 else ZERO)
        rows.append({
            "budget_id": budget.pk, "category": budget.category, "label": label_of(budget.category),
            "currency": budget.currency, "cap": cap.quantize(Decimal("0.01")), "base_cap": budget.amount,
            "carried_over": carried.quantize(Decimal("0.01")), "spent": spent.quantize(Decimal("0.01")),
            "remaining": (cap - spent).quantize(Decimal("0.01")), "transactions_count": count,
            "percent_used": percent.quantize(Decimal("0.1")),
            "status": "over" if spent > cap else "warning" if percent >= 80 else "ok",
        })
    return {"month": month.strftime("%Y-%m"), "budgets": rows}


def budget_alerts_check(*, user, month: date | None = None) -> list[BudgetAlert]:
    """Store an alert the first time a budget reaches 80% and 100% in a month. Only the current
    month by default: importing last year's history must not raise a pile of stale alerts."""
    month = month_start(month or timezone.localdate())
    created = []
    for row in budget_summary(user=user, month=month)["budgets"]:
        for threshold in ALERT_THRESHOLDS:
            if row["percent_used"] < threshold or row["cap"] <= 0:
                continue
            verb = "reached" if threshold == 80 else "gone over" if row["spent"] > row["cap"] else "used all of"
            message = (f"You have {verb} {threshold}% of your {row['label']} budget for {month:%B %Y}"
                       if threshold == 80 else
                       f"You have {verb} your {row['label']} budget for {month:%B %Y}")
            try:
                with transaction.atomic():
                    alert, made = BudgetAlert.objects.get_or_create(
                        budget_id=row["budget_id"], month=month, threshold=threshold,
                        defaults={"user": user, "spent": row["spent"], "cap": row["cap"], "message": message[:300]})
            except IntegrityError:  # another worker stored it first
                continue
            if made:
                created.append(alert)
    return created
