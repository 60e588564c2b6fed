"""budgets/: CRUD, the monthly summary (categorised, booked, non-transfer spending), rollover and
80%/100% alerts."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from open_banking.models import BankTransaction
from transactions.models import Budget, BudgetAlert
from transactions.services.budgets import add_months, budget_alerts_check, budget_summary

from .conftest import rec, sync

pytestmark = pytest.mark.django_db
MARCH = date(2026, 3, 1)


def make_budget(user, category="FOOD_AND_DRINK", amount="100.00", **kw):
    values = {"currency": "GBP", "rollover": False, "start_month": MARCH, **kw}
    return Budget.objects.create(user=user, category=category, amount=Decimal(amount), **values)


def row_for(summary, category):
    return next(r for r in summary["budgets"] if r["category"] == category)


def test_spent_counts_booked_categorised_spending_only(user, make_account, account):
    make_budget(user)
    other_currency = make_account(currency="EUR")
    savings = make_account(type="savings")
    sync(account, [
        rec("TESCO STORES", "-30.00", day=date(2026, 3, 2)),
        rec("PRET A MANGER", "-5.50", day=date(2026, 3, 3)),  # coffee: a detailed code under the primary
        rec("TESCO STORES REFUND", "4.00", day=date(2026, 3, 4)),  # a refund reduces spending
        rec("TESCO STORES", "-99.00", day=date(2026, 2, 28)),  # another month
        rec("SPOTIFY", "-9.99", day=date(2026, 3, 5)),  # another category
        rec("ACME LTD SALARY", "2000", day=date(2026, 3, 25)),  # income is not negative spending
        rec("TRANSFER TO SAVINGS", "-500", day=date(2026, 3, 6)),
    ], pending=[rec("TESCO STORES", "-12.00", day=date(2026, 3, 30), status="pending")])
    sync(savings, [rec("FROM CURRENT", "500", day=date(2026, 3, 6))])
    sync(other_currency, [rec("LIDL", "-40.00", day=date(2026, 3, 2), currency="EUR")])
    food = row_for(budget_summary(user=user, month=MARCH), "FOOD_AND_DRINK")
    assert food["spent"] == Decimal("31.50")
    assert food["remaining"] == Decimal("68.50")
    assert food["transactions_count"] == 3
    assert food["status"] == "ok"


def test_detailed_budget_covers_only_its_code(user, account):
    make_budget(user, category="FOOD_AND_DRINK_COFFEE", amount="10")
    sync(account, [rec("TESCO STORES", "-30", day=date(2026, 3, 2)), rec("COSTA COFFEE", "-9", day=date(2026, 3, 2))])
    row = row_for(budget_summary(user=user, month=MARCH), "FOOD_AND_DRINK_COFFEE")
    assert (row["spent"], row["percent_used"], row["status"]) == (Decimal("9.00"), Decimal("90.0"), "warning")


def test_recategorising_moves_spending_between_budgets(api_client, user, account):
    make_budget(user)
    make_budget(user, category="ENTERTAINMENT", amount="50")
    sync(account, [rec("JOES CAFE", "-20", day=date(2026, 3, 2))])
    tx = BankTransaction.objects.get()
    api_client.patch(f"/api/v1/transactions/{tx.pk}/", {"category": "ENTERTAINMENT_OTHER_ENTERTAINMENT"})
    summary = budget_summary(user=user, month=MARCH)
    assert row_for(summary, "FOOD_AND_DRINK")["spent"] == 0
    assert row_for(summary, "ENTERTAINMENT")["spent"] == Decimal("20.00")


def test_rollover_carries_unspent_and_overspent_money(user, account):
    make_budget(user, amount="100", rollover=True, start_month=date(2026, 1, 1))
    sync(account, [rec("TESCO STORES", "-60", day=date(2026, 1, 10)),  # 40 left
                   rec("TESCO STORES", "-130", day=date(2026, 2, 10))])  # 30 over
    row = row_for(budget_summary(user=user, month=MARCH), "FOOD_AND_DRINK")
    assert (row["carried_over"], row["cap"], row["base_cap"]) == (Decimal("10.00"), Decimal("110.00"), Decimal("100"))


def test_budgets_starting_later_are_not_in_earlier_months(user):
    make_budget(user, start_month=date(2026, 4, 1))
    assert budget_summary(user=user, month=MARCH)["budgets"] == []


def test_alerts_at_80_and_100_percent_once_each(user, account):
    make_budget(user, amount="100")
    sync(account, [rec("TESCO STORES", "-85", day=date(2026, 3, 2))])
    assert [a.threshold for a in budget_alerts_check(user=user, month=MARCH)] == [80]
    assert budget_alerts_check(user=user, month=MARCH) == []
    sync(account, [rec("TESCO STORES", "-20", day=date(2026, 3, 3))])
    assert [a.threshold for a in budget_alerts_check(user=user, month=MARCH)] == [100]
    assert BudgetAlert.objects.count() == 2
    assert "gone over" in BudgetAlert.objects.get(threshold=100).message


def test_alerts_are_raised_after_a_sync(user, account, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    make_budget(user, amount="50", start_month=today.replace(day=1))
    with django_capture_on_commit_callbacks(execute=True):
        sync(account, [rec("TESCO STORES", "-60", day=today)])
    assert sorted(BudgetAlert.objects.values_list("threshold", flat=True)) == [80, 100]


# --- API ------------------------------------------------------------------------------------------------
def test_budget_crud(api_client, user):
    created = api_client.post("/api/v1/budgets/", {"category": "TRANSPORTATION", "amount": "120.00",
                                                   "start_month": "2026-03-17"})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["start_month"], body["currency"], body["category_label"]) == ("2026-03-01", "GBP", "Transport")
    budget_id = body["id"]
    assert api_client.patch(f"/api/v1/budgets/{budget_id}/", {"amount": "150"}).json()["amount"] == "150.00"
    assert api_client.get("/api/v1/budgets/").json()["results"][0]["id"] == budget_id
    assert api_client.delete(f"/api/v1/budgets/{budget_id}/").status_code == 204


def test_budget_defaults_to_this_month(api_client):
    body = api_client.post("/api/v1/budgets/", {"category": "TRAVEL", "amount": "10"}).json()
    assert body["start_month"] == timezone.localdate().replace(day=1).isoformat()


@pytest.mark.parametrize(("body", "field"), [
    ({"category": "NOPE", "amount": "10"}, "category"),
    ({"category": "TRAVEL", "amount": "-1"}, "amount"),
    ({"category": "TRAVEL", "amount": "ten"}, "amount"),
    ({"category": "TRAVEL", "amount": "10", "currency": "pounds"}, "currency"),
])
def test_bad_budget_is_400(api_client, body, field):
    response = api_client.post("/api/v1/budgets/", body)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_one_budget_per_category_and_currency(api_client):
    assert api_client.post("/api/v1/budgets/", {"category": "TRAVEL", "amount": "10"}).status_code == 201
    response = api_client.post("/api/v1/budgets/", {"category": "TRAVEL", "amount": "20"})
    assert response.status_code == 400 and "category" in response.json()["error"]["fields"]


def test_another_users_budget_is_404(api_client, other_user):
    budget = make_budget(other_user)
    assert api_client.get(f"/api/v1/budgets/{budget.pk}/").status_code == 404
    assert api_client.delete(f"/api/v1/budgets/{budget.pk}/").status_code == 404


def test_summary_endpoint(api_client, user, account, other_user):
    make_budget(user)
    make_budget(other_user, category="TRAVEL")
    sync(account, [rec("TESCO STORES", "-30", day=date(2026, 3, 2))])
    body = api_client.get("/api/v1/budgets/summary/?month=2026-03").json()
    assert body["month"] == "2026-03"
    assert [(r["category"], r["cap"], r["spent"], r["remaining"], r["transactions_count"]) for r in body["budgets"]] == [
        ("FOOD_AND_DRINK", "100.00", "30.00", "70.00", 1)]
    response = api_client.get("/api/v1/budgets/summary/?month=2026-13")
    assert response.status_code == 400 and "month" in response.json()["error"]["fields"]


def test_alerts_endpoint_lists_and_marks_read(api_client, user, other_user, account):
    today = timezone.localdate()
    make_budget(user, amount="10", start_month=today.replace(day=1))
    make_budget(other_user, amount="10", start_month=today.replace(day=1))
    sync(account, [rec("TESCO STORES", "-9", day=today)])
    body = api_client.get("/api/v1/budgets/alerts/").json()
    assert [a["threshold"] for a in body["results"]] == [80]
    assert api_client.post("/api/v1/budgets/alerts/read/", {}).json() == {"count": 1}
    assert api_client.get("/api/v1/budgets/alerts/?unread=true").json()["results"] == []


def test_add_months_clamps_the_day():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
