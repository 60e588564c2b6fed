"""The home screen's money tiles (integrations_core/home_tiles.py): this month in and out with the
months before, the next 30 days of bills and income, budgets at risk, and budget alerts. They read
the categorised ledger through the same selectors as the budgets page and the API."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum

from integrations_core.home_tiles import HomeTile, register
from transactions.models import BudgetAlert, RecurringPayment
from transactions.selectors.spending import (
    _codes_of_kind,
    booked_in_period,
    spent_by_month_and_category,
    user_main_currency,
)
from transactions.services.budgets import add_months, budget_summary, month_end, month_start
from transactions.taxonomy import KIND_INCOME

ZERO = Decimal("0.00")
TREND_MONTHS = 6  # this month and the five before it
UPCOMING_DAYS = 30
ALERTS_SHOWN = 5


def _percent(value: Decimal, top: Decimal) -> int:
    return int((value / top * 100).quantize(Decimal("1"))) if top > 0 else 0


def money_in_out(user, today: date) -> dict | None:
    """Income and spending per month (transfers and card repayments are neither), this month last."""
    currency = user_main_currency(user)
    this_month = month_start(today)
    first = add_months(this_month, -(TREND_MONTHS - 1))
    rows = booked_in_period(user, date_from=first, date_to=month_end(this_month), currency=currency)
    if not rows.exists():
        return None
    spent: dict[date, Decimal] = {}
    for (month, _code), value in spent_by_month_and_category(
            user, date_from=first, date_to=month_end(this_month), currency=currency).items():
        spent[month] = spent.get(month, ZERO) + value
    months = []
    for n in range(TREND_MONTHS):
        month = add_months(first, n)
        money_in = (rows.filter(booked_date__gte=month, booked_date__lte=month_end(month), amount__gt=0,
                                category__in=_codes_of_kind()[KIND_INCOME])
                    .aggregate(total=Sum("amount"))["total"] or ZERO)
        months.append({"month": month.strftime("%Y-%m"), "label": month.strftime("%b"), "money_in": money_in,
                       "money_out": max(spent.get(month, ZERO), ZERO)})
    top = max([m["money_in"] for m in months] + [m["money_out"] for m in months] + [ZERO])
    for m in months:
        m["in_percent"], m["out_percent"] = _percent(m["money_in"], top), _percent(m["money_out"], top)
    current, before = months[-1], months[:-1]
    earlier = [m["money_out"] for m in before if m["money_in"] or m["money_out"]]
    average_out = (sum(earlier, ZERO) / len(earlier)).quantize(Decimal("0.01")) if earlier else None
    return {"currency": currency, "month": current["month"], "money_in": current["money_in"],
            "money_out": current["money_out"], "net": current["money_in"] - current["money_out"],
            "average_out_before": average_out,
            "out_vs_average": (current["money_out"] - average_out) if average_out is not None else None,
            "months": months}


def upcoming_payments(user, today: date) -> dict | None:
    """The recurring detector's next expected bills and income over the next 30 days, by day."""
    until = today + timedelta(days=UPCOMING_DAYS - 1)
    series = list(RecurringPayment.objects.filter(user=user, is_active=True, next_expected_date__gte=today,
                                                  next_expected_date__lte=until)
                  .order_by("next_expected_date", "name"))
    if not series:
        return None
    items = [{"id": str(s.pk), "name": s.name, "date": s.next_expected_date, "amount": s.next_expected_amount,
              "currency": s.currency, "direction": s.direction, "kind": s.kind} for s in series]
    by_day: dict[date, list[dict]] = {}
    for item in items:
        by_day.setdefault(item["date"], []).append(item)
    days = []
    for n in range(UPCOMING_DAYS):
        day = today + timedelta(days=n)
        found = by_day.get(day, [])
        days.append({"date": day, "day": day.day, "weekday": day.strftime("%a"),
                     "money_in": any(i["direction"] == "in" for i in found),
                     "money_out": any(i["direction"] == "out" for i in found), "count": len(found)})
    total_out = sum((i["amount"] for i in items if i["direction"] == "out"), ZERO)
    total_in = sum((i["amount"] for i in items if i["direction"] == "in"), ZERO)
    return {"date_from": today, "date_to": until, "currency": user_main_currency(user), "items": items, "days": days,
            "total_out": -total_out if total_out < 0 else total_out, "total_in": total_in}


def budgets_at_risk(user, today: date) -> dict | None:
    """This month's budgets at 80% or more, the most used first."""
    rows = budget_summary(user=user, month=today)["budgets"]
    if not rows:
        return None
    risky = sorted((r for r in rows if r["status"] != "ok"), key=lambda r: -r["percent_used"])
    return {"month": month_start(today).strftime("%Y-%m"), "budgets_count": len(rows),
            "at_risk": [{"budget_id": str(r["budget_id"]), "category": r["category"], "label": r["label"],
                         "spent": r["spent"], "cap": r["cap"], "remaining": r["remaining"],
                         "currency": r["currency"], "percent_used": r["percent_used"],
                         "bar_percent": min(int(r["percent_used"]), 100), "status": r["status"]}
                        for r in risky]}


def budget_alerts(user, today: date) -> dict | None:
    """The in-app copy of the budget alerts: unread first, then the latest read ones."""
    alerts = BudgetAlert.objects.filter(user=user)
    unread = list(alerts.filter(read_at__isnull=True).order_by("-created_at")[:ALERTS_SHOWN])
    read = list(alerts.filter(read_at__isnull=False).order_by("-created_at")[:max(0, ALERTS_SHOWN - len(unread))])
    if not unread and not read:
        return None
    return {"unread_count": alerts.filter(read_at__isnull=True).count(),
            "alerts": [{"id": str(a.pk), "message": a.message, "threshold": a.threshold, "month": a.month,
                        "created_at": a.created_at, "read": a.read_at is not None} for a in unread + read]}


register(HomeTile(slug="money-in-out", title="This month", data=money_in_out, order=20, link="web:budgets",
                  link_label="Spending by category", template="web/home/tiles/money_in_out.html", wide=True,
                  empty_text="No money in or out yet this month. Connect a bank to see it here."))
register(HomeTile(slug="upcoming", title="Next 30 days", data=upcoming_payments, order=30, link="web:budgets",
                  link_label="Regular payments", template="web/home/tiles/upcoming.html", wide=True,
                  empty_text="No bills or income expected in the next 30 days. Regular payments show up "
                             "after three months of history."))
register(HomeTile(slug="budgets-at-risk", title="Budgets at risk", data=budgets_at_risk, order=40, link="web:budgets",
                  link_label="Set and review limits", template="web/home/tiles/budgets_at_risk.html",
                  empty_text="You have no budgets yet. Set a monthly limit for a category."))
register(HomeTile(slug="budget-alerts", title="Budget alerts", data=budget_alerts, order=45, link="web:budgets",
                  link_label="Your budget limits", template="web/home/tiles/budget_alerts.html",
                  empty_text="No budget alerts. We tell you here when a budget reaches 80% and 100%."))
