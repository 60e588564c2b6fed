"""spending/summary/: totals for charts by category, merchant or month."""

from datetime import date

import pytest

from .conftest import rec, sync

pytestmark = pytest.mark.django_db
URL = "/api/v1/spending/summary/"


@pytest.fixture
def history(account, make_account):
    savings = make_account(type="savings")
    sync(account, [
        rec("TESCO STORES 1", "-30.00", day=date(2026, 2, 10)),
        rec("TESCO STORES 2", "-20.00", day=date(2026, 3, 2)),
        rec("SPOTIFY", "-9.99", day=date(2026, 3, 5)),
        rec("TESCO STORES 3 REFUND", "5.00", day=date(2026, 3, 6)),
        rec("ACME LTD SALARY", "2000.00", day=date(2026, 3, 25)),
        rec("XQZ 99", "-3.00", day=date(2026, 3, 7)),
        rec("PAYMENT TO OWN ACCOUNT", "-500.00", day=date(2026, 3, 8)),
    ])
    sync(savings, [rec("FROM CURRENT ACCOUNT", "500.00", day=date(2026, 3, 8))])


def test_by_category(api_client, history):
    body = api_client.get(URL, {"from": "2026-03-01", "to": "2026-03-31"}).json()
    groups = {g["key"]: (g["spent"], g["count"]) for g in body["groups"]}
    assert groups == {"FOOD_AND_DRINK": ("15.00", 2), "ENTERTAINMENT": ("9.99", 1), "OTHER": ("3.00", 1)}
    assert (body["total_spent"], body["total_income"], body["currency"]) == ("27.99", "2000.00", "GBP")
    assert body["from"] == "2026-03-01"


def test_by_detailed_category(api_client, history):
    body = api_client.get(URL, {"from": "2026-03-01", "to": "2026-03-31", "level": "detailed"}).json()
    assert {g["key"] for g in body["groups"]} == {"FOOD_AND_DRINK_GROCERIES", "ENTERTAINMENT_MUSIC_AND_AUDIO",
                                                  "OTHER_OTHER"}


def test_by_merchant(api_client, history):
    body = api_client.get(URL, {"from": "2026-02-01", "to": "2026-03-31", "group_by": "merchant"}).json()
    groups = {g["key"]: g["spent"] for g in body["groups"]}
    assert groups["TESCO"] == "45.00"  # "TESCO STORES 3 REFUND" is Tesco's refund: it reduces Tesco
    assert groups["SPOTIFY"] == "9.99"


def test_by_month(api_client, history):
    body = api_client.get(URL, {"from": "2026-02-01", "to": "2026-03-31", "group_by": "month"}).json()
    assert [(g["key"], g["spent"]) for g in body["groups"]] == [("2026-02", "30.00"), ("2026-03", "27.99")]


def test_only_my_money(other_api_client, history):
    body = other_api_client.get(URL, {"from": "2026-03-01", "to": "2026-03-31"}).json()
    assert body["groups"] == [] and body["total_spent"] == "0.00"


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-13-01"}, "date_from"), ({"group_by": "colour"}, "group_by"),
    ({"from": "2026-03-10", "to": "2026-03-01"}, "to"), ({"currency": "gbp"}, "currency"),
])
def test_bad_params_are_400(api_client, params, field):
    response = api_client.get(URL, params)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
