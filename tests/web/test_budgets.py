"""The Budgets page: this month's budgets with progress, spending by category, recurring payments."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from transactions.models import Budget, RecurringPayment

pytestmark = pytest.mark.django_db


def this_month():
    return timezone.localdate().replace(day=1)


def test_set_a_budget_and_see_its_progress(web, user, bank):
    response = web.post("/budgets/set/", {"category": "FOOD_AND_DRINK", "amount": "20.00",
                                          "month": f"{bank['today']:%Y-%m}"}, follow=True)
    budget = Budget.objects.get(user=user)
    assert (budget.category, budget.amount, budget.currency) == ("FOOD_AND_DRINK", Decimal("20.00"), "GBP")
    page = response.content.decode()
    assert "Added the Food and drink budget." in page
    # Groceries 25.25 booked; the pending coffee does not count yet.
    assert 'data-budget="FOOD_AND_DRINK"' in page and "£25.25</strong> of £20.00" in page
    assert "budget--over" in page and "£5.25 over the limit" in page
    assert '<progress max="20.00" value="20.00"' in page


def test_setting_a_budget_again_changes_its_limit(web, user, bank):
    month = f"{bank['today']:%Y-%m}"
    web.post("/budgets/set/", {"category": "ENTERTAINMENT", "amount": "10", "month": month})
    response = web.post("/budgets/set/", {"category": "ENTERTAINMENT", "amount": "30", "month": month}, follow=True)
    assert Budget.objects.get(user=user).amount == Decimal("30")
    assert "Changed the Entertainment budget." in response.content.decode()


def test_a_budget_set_on_an_earlier_month_applies_from_then(web, user, bank):
    earlier = this_month() - timedelta(days=40)
    web.post("/budgets/set/", {"category": "ENTERTAINMENT", "amount": "10", "month": f"{earlier:%Y-%m}"})
    assert Budget.objects.get(user=user).start_month == earlier.replace(day=1)


def test_a_bad_budget_is_refused(web, user):
    response = web.post("/budgets/set/", {"category": "INCOME", "amount": "-1"}, follow=True)
    assert "Choose a category and enter a monthly limit" in response.content.decode()
    assert not Budget.objects.exists()


def test_spending_chart_and_recurring_payments(web, user, bank):
    RecurringPayment.objects.create(
        user=user, account=bank["current"], merchant_key="netflix", name="Netflix", kind="subscription",
        direction="out", frequency="monthly", currency="GBP", typical_amount=Decimal("-10.99"),
        last_amount=Decimal("-10.99"), last_date=bank["today"], next_expected_date=bank["today"] + timedelta(days=30),
        next_expected_amount=Decimal("-10.99"), occurrences=4)
    page = web.get("/budgets/", {"month": f"{bank['today']:%Y-%m}"}).content.decode()
    assert 'id="spending-chart"' in page and 'id="spending-data"' in page
    assert "Food and drink" in page and "Shopping" in page
    assert "Netflix" in page and "\u2212£10.99" in page and "Monthly" in page


def test_month_navigation(web, user):
    page = web.get("/budgets/").content.decode()
    previous = (this_month() - timedelta(days=1)).replace(day=1)
    assert f"?month={previous:%Y-%m}" in page
    assert "›" not in page, "no link into the future"
    past = web.get("/budgets/", {"month": f"{previous:%Y-%m}"}).content.decode()
    assert f"?month={this_month():%Y-%m}" in past
    assert web.get("/budgets/", {"month": "garbage"}).status_code == 200


def test_only_your_own_spending_counts(other_web, bank):
    page = other_web.get("/budgets/", {"month": f"{bank['today']:%Y-%m}"}).content.decode()
    assert "No spending recorded" in page


def test_the_budgets_page_for_year_one_shows_this_month_instead_of_an_error(client, user):
    # Rollover counts months back from the month asked for: year one went below the calendar.
    Budget.objects.create(user=user, category="FOOD_AND_DRINK", amount=Decimal("100.00"), currency="GBP",
                          rollover=True, start_month=this_month())
    client.force_login(user)
    for month in ("0001-01", "9999-12", "2026-13"):
        assert client.get(f"/budgets/?month={month}").status_code == 200
