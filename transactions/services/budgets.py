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

from transactions.models import Budget, BudgetAlert, BudgetSettings, PendingPayments
from transactions.selectors.spending import ZERO, spent_by_category, spent_by_month_and_category
from transactions.user_taxonomy import user_taxonomy

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


def budget_settings_get(user) -> BudgetSettings:
    """The person's budget settings (unsaved defaults when they have chosen none: the month
    starts on the 1st, no overall cap, pending payments shown beside)."""
    found = BudgetSettings.objects.filter(user=user).first()
    return found or BudgetSettings(user=user)


def budget_settings_update(user, **values) -> BudgetSettings:
    current = budget_settings_get(user)
    for name in ("payday", "total_monthly", "currency", "pending"):
        if name in values:
            setattr(current, name, values[name])
    current.save()
    return current


def period_start_in(month: date, payday: int) -> date:
    """The day a budget period starts in `month`: the payday, or the month's last day when the
    month is shorter (paid on the 31st: 28 or 29 February, 30 April)."""
    return month.replace(day=min(payday, calendar.monthrange(month.year, month.month)[1]))


def budget_period(month: date, payday: int = 1) -> tuple[date, date]:
    """(first day, last day) of the budget period that starts in `month`. Paid on the 25th, the
    March period is 25 March to 24 April; on the 1st it is the calendar month."""
    start = period_start_in(month_start(month), payday)
    return start, period_start_in(add_months(month_start(month), 1), payday) - timedelta(days=1)


def period_containing(day: date, payday: int = 1) -> tuple[date, date]:
    """The budget period a day falls in (which may have started the month before)."""
    month = month_start(day)
    if day < period_start_in(month, payday):
        month = add_months(month, -1)
    return budget_period(month, payday)


def _spent(spent: dict, codes) -> tuple[Decimal, int]:
    amount, count = ZERO, 0
    for code in codes:
        value, n = spent.get(code, (ZERO, 0))
        amount += value
        count += n
    return amount, count


def _carried(budget: Budget, month: date, payday: int, codes) -> Decimal:
    """Sum of (cap - spent) over earlier periods since the budget started: unspent money carries
    forward, and so does overspending."""
    first = max(budget.start_month, add_months(month, -ROLLOVER_MAX_MONTHS))
    if first >= month:
        return ZERO
    carried = ZERO
    if payday == 1:  # calendar months: one grouped query
        by_month = spent_by_month_and_category(budget.user, date_from=first, date_to=month - timedelta(days=1),
                                               currency=budget.currency)
        cursor = first
        while cursor < month:
            spent = sum((v for (m, code), v in by_month.items() if m == cursor and code in codes), ZERO)
            carried += budget.amount - max(spent, ZERO)
            cursor = add_months(cursor, 1)
        return carried
    cursor = first
    while cursor < month:  # payday periods straddle months: one query per period
        start, end = budget_period(cursor, payday)
        spent, _ = _spent(spent_by_category(budget.user, date_from=start, date_to=end, currency=budget.currency),
                          codes)
        carried += budget.amount - max(spent, ZERO)
        cursor = add_months(cursor, 1)
    return carried


def _row_figures(*, spent: Decimal, cap: Decimal) -> dict:
    percent = (spent / cap * 100) if cap > 0 else (Decimal(100) if spent > 0 else ZERO)
    return {"percent_used": percent.quantize(Decimal("0.1")),
            "status": "over" if spent > cap else "warning" if percent >= 80 else "ok"}


def budget_summary(*, user, month: date) -> dict:
    """Every budget for the period that starts in `month` (the calendar month unless the person
    set a payday), the overall cap if set, and pending payments: counted, or shown beside as
    `pending` and not in `spent`, as the person chose."""
    month = month_start(month)
    options = budget_settings_get(user)
    payday, count_pending = options.payday, options.pending == PendingPayments.COUNTED
    first, last = budget_period(month, payday)
    tax = user_taxonomy(user)
    budgets = list(Budget.objects.filter(user=user, start_month__lte=month).select_related("user"))
    booked_cache: dict[str, dict] = {}
    pending_cache: dict[str, dict] = {}

    def figures(currency: str) -> tuple[dict, dict]:
        if currency not in booked_cache:
            booked_cache[currency] = spent_by_category(user, date_from=first, date_to=last, currency=currency)
            pending_cache[currency] = spent_by_category(user, date_from=first, date_to=last, currency=currency,
                                                        pending=True)
        return booked_cache[currency], pending_cache[currency]

    rows = []
    for budget in budgets:
        booked, pending_spent = figures(budget.currency)
        codes = tax.codes_under(budget.category)
        spent, count = _spent(booked, codes)
        pending, pending_count = _spent(pending_spent, codes)
        pending = max(pending, ZERO)
        if count_pending:
            spent, count = spent + pending, count + pending_count
        spent = max(spent, ZERO)  # refunds can cancel spending, never turn it into income
        carried = _carried(budget, month, payday, set(codes)) if budget.rollover else ZERO
        cap = budget.amount + carried
        rows.append({
            "budget_id": budget.pk, "category": budget.category, "label": tax.path_label(budget.category),
            "currency": budget.currency, "cap": cap.quantize(Decimal("0.01")), "base_cap": budget.amount,
            "carried_over": carried.quantize(Decimal("0.01")), "spent": spent.quantize(Decimal("0.01")),
            "remaining": (cap - spent).quantize(Decimal("0.01")), "transactions_count": count,
            "pending": pending.quantize(Decimal("0.01")), "pending_counted": count_pending,
            **_row_figures(spent=spent, cap=cap),
        })
    total = None
    if options.total_monthly is not None:
        booked, pending_spent = figures(options.currency)
        spent = sum((v for v, _ in booked.values()), ZERO)
        pending = max(sum((v for v, _ in pending_spent.values()), ZERO), ZERO)
        spent = max(spent + (pending if count_pending else ZERO), ZERO)
        cap = options.total_monthly
        total = {"currency": options.currency, "cap": cap.quantize(Decimal("0.01")),
                 "spent": spent.quantize(Decimal("0.01")), "remaining": (cap - spent).quantize(Decimal("0.01")),
                 "pending": pending.quantize(Decimal("0.01")), "pending_counted": count_pending,
                 **_row_figures(spent=spent, cap=cap)}
    return {"month": month.strftime("%Y-%m"), "period_start": first, "period_end": last, "payday": payday,
            "pending": options.pending, "budgets": rows, "total": total}


def budget_alerts_check(*, user, month: date | None = None) -> list[BudgetAlert]:
    """Store an alert the first time a budget reaches 80% and 100% in a month. Only the current
    month by default: importing last year's history must not raise a pile of stale alerts."""
    # The period today is in (paid on the 25th, 10 March is in February's period).
    month = month_start(month or period_containing(timezone.localdate(), budget_settings_get(user).payday)[0])
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
