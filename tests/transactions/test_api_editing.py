"""The API for what the editing pages do (issue 18 §2): 404 for anyone else's rows, field
errors for bad input, and every route in the OpenAPI document."""

from datetime import date
from decimal import Decimal

import pytest

from transactions.models import Budget

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


@pytest.fixture
def shop(account, make_tx):
    return make_tx(account, "TESCO EXTRA", "-61.86", category="FOOD_AND_DRINK_GROCERIES")


def test_edit_note_tags_hidden(api_client, other_api_client, shop):
    url = f"{BASE}/transactions/{shop.pk}/details/"
    assert other_api_client.patch(url, {"notes": "x"}, format="json").status_code == 404
    response = api_client.patch(url, {"notes": "Birthday shop", "tags": ["party", "party", "kids"],
                                      "excluded_from_budgets": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["tags"] == ["party", "kids"] and response.json()["excluded_from_budgets"] is True
    listed = api_client.get(f"{BASE}/transactions/", {"tag": "party"}).json()["results"]
    assert [r["id"] for r in listed] == [str(shop.pk)] and listed[0]["notes"] == "Birthday shop"
    assert listed[0]["tags"] == ["party", "kids"]
    api_client.patch(url, {"hidden": True}, format="json")
    assert api_client.get(f"{BASE}/transactions/").json()["results"] == []
    assert len(api_client.get(f"{BASE}/transactions/", {"hidden": "include"}).json()["results"]) == 1
    bad = api_client.patch(url, {"tags": ["x" * 41]}, format="json")
    assert bad.status_code == 400 and "tags" in bad.json()["error"]["fields"]


def test_split_and_budget_moves(api_client, other_api_client, user, shop):
    Budget.objects.create(user=user, category="GENERAL_MERCHANDISE", amount=Decimal("50"), currency="GBP",
                          start_month=date(2026, 3, 1))
    url = f"{BASE}/transactions/{shop.pk}/splits/"
    parts = {"splits": [{"category": "FOOD_AND_DRINK_GROCERIES", "amount": "-41.86"},
                        {"category": "GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES", "amount": "-20.00", "note": "card"}]}
    assert other_api_client.put(url, parts, format="json").status_code == 404
    response = api_client.put(url, parts, format="json")
    assert response.status_code == 200, response.content
    assert [p["amount"] for p in response.json()["splits"]] == ["-41.86", "-20.00"]
    summary = api_client.get(f"{BASE}/budgets/summary/", {"month": "2026-03"}).json()
    assert summary["budgets"][0]["spent"] == "20.00" and summary["payday"] == 1
    assert api_client.get(f"{BASE}/transactions/{shop.pk}/").json()["is_split"] is True
    assert api_client.delete(url).json()["splits"] == []


def test_a_split_that_does_not_match_is_a_400_with_the_field(api_client, shop):
    response = api_client.put(f"{BASE}/transactions/{shop.pk}/splits/", {"splits": [
        {"category": "FOOD_AND_DRINK_GROCERIES", "amount": "-41.86"},
        {"category": "GENERAL_MERCHANDISE", "amount": "-19.99"}]}, format="json")
    assert response.status_code == 400
    assert "splits" in str(response.json()) and "0.01 to go" in str(response.json())


def test_amount_search_and_totals(api_client, account, make_tx, shop):
    make_tx(account, "REFUND", "61.86", category="FOOD_AND_DRINK_GROCERIES")
    make_tx(account, "RENT", "-900.00")
    assert len(api_client.get(f"{BASE}/transactions/", {"amount": "61.86"}).json()["results"]) == 2
    assert len(api_client.get(f"{BASE}/transactions/", {"amount": "-61.86"}).json()["results"]) == 1
    assert len(api_client.get(f"{BASE}/transactions/", {"amount": "50..1000"}).json()["results"]) == 3
    bad = api_client.get(f"{BASE}/transactions/", {"amount": "sixty"})
    assert bad.status_code == 400 and "amount" in str(bad.json())
    (line,) = api_client.get(f"{BASE}/transactions/totals/", {"amount": "61.86"}).json()
    assert (line["money_in"], line["money_out"], line["net"], line["count"]) == ("61.86", "-61.86", "0.00", 2)


def test_custom_categories(api_client, other_api_client, account, make_tx):
    created = api_client.post(f"{BASE}/custom-categories/", {"parent": "FOOD_AND_DRINK_COFFEE", "label": "Flat whites"},
                              format="json")
    assert created.status_code == 201, created.content
    code, pk = created.json()["code"], created.json()["id"]
    assert code == "FOOD_AND_DRINK_COFFEE__FLAT_WHITES"
    assert other_api_client.get(f"{BASE}/custom-categories/{pk}/").status_code == 404
    assert other_api_client.delete(f"{BASE}/custom-categories/{pk}/").status_code == 404
    # Usable in budgets and recategorisation by its owner only.
    assert api_client.post(f"{BASE}/budgets/", {"category": code, "amount": "20"}, format="json").status_code == 201
    assert other_api_client.post(f"{BASE}/budgets/", {"category": code, "amount": "20"},
                                 format="json").status_code == 400
    tx = make_tx(account, "PRET", "-3.40")
    assert api_client.patch(f"{BASE}/transactions/{tx.pk}/", {"category": code}, format="json").status_code == 200
    bad = api_client.post(f"{BASE}/custom-categories/", {"parent": "NOPE", "label": ""}, format="json")
    assert bad.status_code == 400 and "parent" in str(bad.json()) and "label" in str(bad.json())
    assert api_client.delete(f"{BASE}/custom-categories/{pk}/").status_code == 204


def test_budget_settings(api_client):
    assert api_client.get(f"{BASE}/budgets/settings/").json()["payday"] == 1
    saved = api_client.put(f"{BASE}/budgets/settings/", {"payday": 25, "total_monthly": "1500.00",
                                                         "currency": "GBP", "pending": "counted"}, format="json")
    assert saved.status_code == 200 and saved.json()["payday"] == 25
    summary = api_client.get(f"{BASE}/budgets/summary/", {"month": "2026-03"}).json()
    assert (summary["period_start"], summary["period_end"]) == ("2026-03-25", "2026-04-24")
    assert summary["total"]["cap"] == "1500.00" and summary["pending"] == "counted"
    for bad in (0, 32, "x"):
        response = api_client.patch(f"{BASE}/budgets/settings/", {"payday": bad}, format="json")
        assert response.status_code == 400 and "payday" in str(response.json())


def test_the_schema_covers_the_editing_routes(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for route in ("/api/v1/transactions/{id}/details/", "/api/v1/transactions/{id}/splits/",
                  "/api/v1/transactions/totals/", "/api/v1/custom-categories/", "/api/v1/budgets/settings/",
                  "/api/v1/open-banking/manual-accounts/", "/api/v1/open-banking/manual-accounts/{id}/balance/",
                  "/api/v1/open-banking/manual-accounts/{id}/transactions/"):
        assert route in schema, route


def test_the_summary_defaults_to_the_period_today_is_in(api_client, user):
    import time_machine

    from transactions.models import BudgetSettings

    BudgetSettings.objects.create(user=user, payday=31)
    with time_machine.travel("2026-03-30 12:00:00+01:00", tick=False):  # BST; 28 Feb - 30 Mar period
        summary = api_client.get(f"{BASE}/budgets/summary/").json()
    assert (summary["month"], summary["period_start"], summary["period_end"]) == ("2026-02", "2026-02-28",
                                                                                  "2026-03-30")
