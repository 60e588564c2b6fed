"""The reconciliation API: matches with both sides, unmatched items with suggestions, the
actions and their refusals, isolation, bad input, and the schema."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from drf_spectacular.validation import validate_schema

from reconciliation.models import MatchStatus, ReconMatch
from reconciliation.registry import IncomeLine, ItemKind, OutstandingItem
from reconciliation.services.engine import reconciliation_run

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reconciliation"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-12-01 12:00:00+00:00", tick=False):
        yield


@pytest.fixture
def ambiguous(user, fake_items):
    """Two payouts and two credits of the same amount: four suggestions; and one unique pair."""
    fake_items.payout(user, 1, date(2026, 11, 10), "120.00", label="Stripe payout po_1", source="Stripe")
    fake_items.payout(user, 2, date(2026, 11, 11), "120.00", label="Stripe payout po_2", source="Stripe")
    fake_items.credit(user, 1, date(2026, 11, 10), "120.00", label="STRIPE PAYMENTS UK LTD")
    fake_items.credit(user, 2, date(2026, 11, 11), "120.00", label="STRIPE PAYMENTS UK LTD")
    fake_items.payout(user, 3, date(2026, 11, 20), "55.30")
    fake_items.credit(user, 3, date(2026, 11, 20), "55.30")
    fake_items.credit(user, 4, date(2026, 11, 21), "999.00", label="FASTER PAYMENT FROM NOBODY")
    reconciliation_run(user)
    return fake_items


def test_matches_list_both_sides_as_matched_and_now(api_client, ambiguous):
    body = api_client.get(f"{BASE}/matches/", {"status": "matched"}).json()
    assert len(body["results"]) == 1
    match = body["results"][0]
    assert match["status"] == "matched" and match["locked"] is False and match["changed"] is False
    assert match["left"]["key"] == "payments.payout:3" and match["left"]["amount"] == "55.3000"
    assert match["right"]["current"]["key"] == "bank.txn:c3" and match["currency"] == "GBP"
    assert match["decided_by"] is None


def test_unmatched_items_come_with_ranked_suggestions(api_client, ambiguous):
    body = api_client.get(f"{BASE}/unmatched/").json()
    left = {row["item"]["key"]: row for row in body["left"]}
    right = {row["item"]["key"]: row for row in body["right"]}
    assert set(left) == {"payments.payout:1", "payments.payout:2"}
    assert set(right) == {"bank.txn:c1", "bank.txn:c2", "bank.txn:c4"}
    assert len(left["payments.payout:1"]["suggestions"]) == 2
    assert right["bank.txn:c4"]["suggestions"] == []


def test_confirm_locks_and_the_rest_resolves(api_client, ambiguous, user):
    pick = ReconMatch.objects.get(user=user, left_key="payments.payout:1", right_key="bank.txn:c1")
    response = api_client.post(f"{BASE}/matches/{pick.pk}/confirm/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed" and response.json()["locked"] is True
    assert response.json()["decided_by"] == "you"
    other = ReconMatch.objects.get(user=user, left_key="payments.payout:2")
    assert (other.right_key, other.status) == ("bank.txn:c2", MatchStatus.MATCHED)
    # A locked match refuses a rejection with a field error; unmatching unlocks it.
    refused = api_client.post(f"{BASE}/matches/{pick.pk}/reject/")
    assert refused.status_code == 409 and "status" in refused.json()["error"]["fields"]
    unmatched = api_client.post(f"{BASE}/matches/{pick.pk}/unmatch/")
    assert unmatched.status_code in (200, 204)


def test_reject_is_remembered(api_client, ambiguous, user):
    wrong = ReconMatch.objects.get(user=user, left_key="payments.payout:1", right_key="bank.txn:c2")
    response = api_client.post(f"{BASE}/matches/{wrong.pk}/reject/")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    api_client.post(f"{BASE}/run/")
    assert ReconMatch.objects.get(pk=wrong.pk).status == MatchStatus.REJECTED


def test_pairing_by_hand_and_its_field_errors(api_client, ambiguous, user, other_user, fake_items):
    fake_items.add(user, ItemKind.INVOICE_PAYMENT, "books.payment:1", date(2026, 11, 21), "1000.00",
                   reference="INV-0001")
    created = api_client.post(f"{BASE}/matches/", {"left_key": "books.payment:1", "right_key": "bank.txn:c4"},
                              format="json")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "confirmed" and "Amounts differ by 1.00 GBP" in created.json()["reasons"]
    # Taken now: a second pairing is a conflict on that field.
    again = api_client.post(f"{BASE}/matches/", {"left_key": "payments.payout:1", "right_key": "bank.txn:c4"},
                            format="json")
    assert again.status_code == 409 and "right_key" in again.json()["error"]["fields"]
    # Unknown keys, keys on the wrong side, kinds never paired, missing fields: 400 with fields.
    fake_items.credit(other_user, 9, date(2026, 11, 21), "5.00")
    for body, field in (({"left_key": "payments.payout:1", "right_key": "bank.txn:c9"}, "right_key"),
                        ({"left_key": "bank.txn:c1", "right_key": "payments.payout:1"}, "left_key"),
                        ({"left_key": "payments.payout:1"}, "right_key"),
                        ({"left_key": "x" * 201, "right_key": "bank.txn:c1"}, "left_key")):
        response = api_client.post(f"{BASE}/matches/", body, format="json")
        assert response.status_code == 400 and field in response.json()["error"]["fields"], (body, response.content)
    fake_items.debit(user, 1, date(2026, 11, 21), "1.00")
    never = api_client.post(f"{BASE}/matches/", {"left_key": "payments.payout:1", "right_key": "bank.txn:d1"},
                            format="json")
    assert never.status_code == 400 and "right_key" in never.json()["error"]["fields"]


def test_bad_status_filter_is_a_field_error(api_client, ambiguous):
    response = api_client.get(f"{BASE}/matches/", {"status": "maybe"})
    assert response.status_code == 400 and "status" in response.json()["error"]["fields"]


def test_another_persons_matches_are_404_and_untouched(other_api_client, ambiguous, user):
    mine = ReconMatch.objects.filter(user=user).first()
    for method, path in (("get", f"{BASE}/matches/{mine.pk}/"), ("post", f"{BASE}/matches/{mine.pk}/confirm/"),
                         ("post", f"{BASE}/matches/{mine.pk}/reject/"),
                         ("post", f"{BASE}/matches/{mine.pk}/unmatch/")):
        response = getattr(other_api_client, method)(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert other_api_client.get(f"{BASE}/matches/").json()["results"] == []
    assert other_api_client.get(f"{BASE}/unmatched/").json() == {"left": [], "right": []}
    assert ReconMatch.objects.get(pk=mine.pk).status == mine.status
    # Pairing by hand cannot reach someone else's items: they are "not yours".
    stolen = other_api_client.post(f"{BASE}/matches/", {"left_key": "payments.payout:1",
                                                        "right_key": "bank.txn:c1"}, format="json")
    assert stolen.status_code == 400


def test_signed_out_is_refused(client):
    assert client.get(f"{BASE}/matches/").status_code in (401, 403)


def test_business_summary_adds_per_currency_only(api_client, user):
    from reconciliation import registry

    def income(u, *, since, until):
        if u != user:
            return []
        return [IncomeLine("Stripe", "GBP", Decimal("1000"), Decimal("25"), Decimal("50"), Decimal("20"),
                           Decimal("905"), 12),
                IncomeLine("PayPal", "GBP", Decimal("300"), Decimal("9"), Decimal("0"), Decimal("0"), Decimal("291"), 4),
                IncomeLine("Stripe", "EUR", Decimal("200"), Decimal("5"), Decimal("0"), Decimal("0"), Decimal("195"), 2)]

    def outstanding(u, *, today):
        return [] if u != user else [
            OutstandingItem("books.invoice:1", "invoice", "INV-0009", "Acme", "GBP", Decimal("400"), date(2026, 11, 1)),
            OutstandingItem("books.invoice:2", "invoice", "INV-0010", "Bolt", "GBP", Decimal("100"), date(2026, 12, 20)),
            OutstandingItem("books.bill:1", "bill", "B-7", "Landlord", "GBP", Decimal("950"), date(2026, 12, 1))]

    registry.autodiscover()
    registry._income["tests.income"], registry._outstanding["tests.outstanding"] = income, outstanding
    try:
        body = api_client.get(f"{BASE}/business-summary/").json()
    finally:
        registry._income.pop("tests.income"), registry._outstanding.pop("tests.outstanding")
    totals = {t["currency"]: t for t in body["totals"]}
    assert totals["GBP"]["gross"] == "1300.0000" and totals["GBP"]["fees"] == "34.0000"
    assert totals["EUR"]["gross"] == "200.0000"  # never added to pounds
    assert body["owed_to_you"] == {"GBP": "500.0000"} and body["overdue"] == {"GBP": "400.0000"}
    assert [b["number"] for b in body["bills_outstanding"]] == ["B-7"]


def test_business_summary_bad_dates_are_field_errors(api_client):
    for query, field in (({"since": "2026-13-01"}, "since"), ({"since": "2026-12-01", "until": "2026-01-01"}, "since"),
                         ({"until": "tomorrow"}, "until")):
        response = api_client.get(f"{BASE}/business-summary/", query)
        assert response.status_code == 400 and field in response.json()["error"]["fields"], query


def test_the_schema_covers_the_reconciliation_routes(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    schema = json.loads(response.content)
    validate_schema(schema)
    for route in ("/api/v1/reconciliation/matches/", "/api/v1/reconciliation/matches/{id}/",
                  "/api/v1/reconciliation/matches/{id}/confirm/", "/api/v1/reconciliation/matches/{id}/reject/",
                  "/api/v1/reconciliation/matches/{id}/unmatch/", "/api/v1/reconciliation/unmatched/",
                  "/api/v1/reconciliation/run/", "/api/v1/reconciliation/business-summary/"):
        assert route in schema["paths"], route
    match = schema["components"]["schemas"]["ReconMatch"]["properties"]
    assert {"left", "right", "locked", "status", "score"} <= set(match)


def test_charges_and_debits_are_listed_unmatched_only_once_books_could_explain_them(api_client, user, fake_items):
    fake_items.credit(user, 1, date(2026, 11, 10), "10.00")
    fake_items.debit(user, 1, date(2026, 11, 10), "4.20")
    fake_items.add(user, ItemKind.CHARGE, "payments.charge:1", date(2026, 11, 10), "30.00")
    right = {r["item"]["key"] for r in api_client.get(f"{BASE}/unmatched/").json()["right"]}
    assert right == {"bank.txn:c1"}
    fake_items.add(user, ItemKind.INVOICE_PAYMENT, "books.payment:1", date(2026, 10, 1), "99.00")
    fake_items.add(user, ItemKind.BILL_PAYMENT, "books.payment:2", date(2026, 10, 1), "98.00")
    right = {r["item"]["key"] for r in api_client.get(f"{BASE}/unmatched/").json()["right"]}
    assert right == {"bank.txn:c1", "bank.txn:d1", "payments.charge:1"}
