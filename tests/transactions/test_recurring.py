"""recurring/: subscriptions and bills detected from regular, similar payments."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from transactions.models import RecurringPayment
from transactions.services.recurring import detect_series, recurring_detect

from .conftest import rec, sync

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 20)


def monthly(description, amount, months=5, day=3):
    return [rec(description, amount, day=date(2026, m, day)) for m in range(6 - months + 1, 7)]


def test_monthly_subscription_and_bill(user, account):
    sync(account, [*monthly("NETFLIX.COM", "-10.99"), *monthly("THAMES WATER DD", "-35.20", day=15),
                   rec("TESCO STORES", "-40", day=date(2026, 6, 1)), rec("TESCO STORES", "-12", day=date(2026, 6, 9))])
    found = {p.name: p for p in recurring_detect(user=user, today=TODAY)}
    assert set(found) == {"Netflix", "Thames Water"}
    netflix = found["Netflix"]
    assert (netflix.kind, netflix.frequency, netflix.next_expected_date, netflix.next_expected_amount) == (
        "subscription", "monthly", date(2026, 7, 3), Decimal("-10.99"))
    assert found["Thames Water"].kind == "bill"


def test_salary_is_recurring_income(user, account):
    sync(account, monthly("ACME LTD SALARY", "2500.00", day=25))
    (salary,) = recurring_detect(user=user, today=TODAY)
    assert (salary.kind, salary.direction) == ("income", "in")


def test_irregular_or_varying_payments_are_not_recurring():
    days = [date(2026, 1, 1), date(2026, 1, 9), date(2026, 2, 20), date(2026, 2, 23)]
    assert detect_series(days, [Decimal("-5")] * 4) is None
    monthly_days = [date(2026, m, 1) for m in range(1, 6)]
    assert detect_series(monthly_days, [Decimal(a) for a in ("-5", "-50", "-500", "-7", "-90")]) is None
    weekly = [date(2026, 1, 1) + timedelta(days=7 * i) for i in range(6)]
    assert detect_series(weekly, [Decimal("-3.50")] * 6).frequency == "weekly"


def test_cancelled_series_becomes_inactive(user, account):
    sync(account, monthly("SPOTIFY", "-9.99", months=4, day=3)[:3])  # March to May, then nothing
    recurring_detect(user=user, today=date(2026, 12, 1))
    assert RecurringPayment.objects.get().is_active is False


def test_api_lists_mine_and_refreshes(api_client, other_api_client, user, account):
    sync(account, monthly("NETFLIX.COM", "-10.99"))
    body = api_client.post("/api/v1/recurring/refresh/").json()
    assert [p["name"] for p in body] == ["Netflix"]
    listed = api_client.get("/api/v1/recurring/").json()["results"]
    assert listed[0]["frequency"] == "monthly" and listed[0]["next_expected_amount"] == "-10.99"
    assert other_api_client.get("/api/v1/recurring/").json()["results"] == []
    assert other_api_client.get(f"/api/v1/recurring/{listed[0]['id']}/").status_code == 404
