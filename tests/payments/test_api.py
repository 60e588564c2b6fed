"""The payments API: the schema documents every route, lists hold only the person's own data,
anyone else's id is a 404, bad filters are 400s with the field named, amounts are strings."""

from __future__ import annotations

import json

import pytest

from integrations_core.services.sync import connection_sync
from payments.models import BalanceTransaction, Dispute, Payout, ProcessorAccount

pytestmark = pytest.mark.django_db
BASE = "/api/v1/payments"


@pytest.fixture
def synced(processor_connection):
    connection_sync(processor_connection, trigger="manual")
    return processor_connection


def test_the_schema_documents_every_payments_route(client):
    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    paths = set(schema["paths"])
    for path in ("balances/", "balances/{id}/", "balance-transactions/", "balance-transactions/{id}/", "payouts/",
                 "payouts/{id}/", "payouts/{id}/transactions/", "disputes/", "disputes/{id}/", "connections/",
                 "connections/{id}/", "connections/{id}/sync/"):
        assert f"{BASE}/{path}" in paths, path
    components = schema["components"]["schemas"]
    assert {"BalanceTransaction", "Payout", "PayoutDetail", "Dispute", "ProcessorBalance"} <= set(components)
    assert components["BalanceTransaction"]["properties"]["amount"]["type"] == "string"
    assert "raw" not in components["BalanceTransaction"]["properties"]
    params = {p["name"] for p in schema["paths"][f"{BASE}/balance-transactions/"]["get"]["parameters"]}
    assert {"type", "status", "currency", "payout", "date_from", "date_to", "cursor"} <= params


def test_lists_hold_the_persons_own_data_with_exact_amounts(api_client, synced):
    balances = api_client.get(f"{BASE}/balances/").json()
    assert [(b["currency"], b["available_balance"], b["pending_balance"]) for b in balances] == [
        ("GBP", "100.0000", "20.0000")]
    rows = api_client.get(f"{BASE}/balance-transactions/", {"type": "charge"}).json()["results"]
    assert {r["external_id"] for r in rows} == {"txn_a", "txn_b"}
    charge = next(r for r in rows if r["external_id"] == "txn_a")
    assert (charge["amount"], charge["fee"], charge["net"], charge["reference"]) == ("100.0000", "1.7000", "98.3000",
                                                                                      "INV-0001")
    assert charge["fee_details"][0]["amount"] == "1.7000"
    [payout] = api_client.get(f"{BASE}/payouts/").json()["results"]
    detail = api_client.get(f"{BASE}/payouts/{payout['id']}/").json()
    assert detail["totals"] == {"gross": "130.0000", "fees": "2.6500", "net": "127.3500", "difference": "0.0000"}
    carried = api_client.get(f"{BASE}/payouts/{payout['id']}/transactions/").json()["results"]
    assert sorted(r["external_id"] for r in carried) == ["txn_a", "txn_b", "txn_r"]
    [dispute] = api_client.get(f"{BASE}/disputes/").json()
    assert (dispute["status"], dispute["currency"]) == ("needs_response", "EUR")


def test_anyone_elses_objects_are_404_and_their_lists_empty(other_api_client, synced):
    urls = [f"{BASE}/balances/{ProcessorAccount.objects.get().pk}/",
            f"{BASE}/balance-transactions/{BalanceTransaction.objects.first().pk}/",
            f"{BASE}/payouts/{Payout.objects.get().pk}/", f"{BASE}/payouts/{Payout.objects.get().pk}/transactions/",
            f"{BASE}/disputes/{Dispute.objects.get().pk}/", f"{BASE}/connections/{synced.pk}/"]
    for url in urls:
        assert other_api_client.get(url).status_code == 404, url
    assert other_api_client.delete(f"{BASE}/connections/{synced.pk}/").status_code == 404
    assert other_api_client.post(f"{BASE}/connections/{synced.pk}/sync/").status_code == 404
    synced.refresh_from_db()
    assert synced.status == "active"
    assert other_api_client.get(f"{BASE}/balances/").json() == []
    assert other_api_client.get(f"{BASE}/balance-transactions/").json()["results"] == []
    assert other_api_client.get(f"{BASE}/payouts/").json()["results"] == []
    assert other_api_client.get(f"{BASE}/disputes/").json() == []


@pytest.mark.parametrize(("query", "field"), [
    ({"type": "salary"}, "type"), ({"status": "maybe"}, "status"), ({"date_from": "yesterday"}, "date_from"),
    ({"date_to": "0001-01-01"}, "date_to"), ({"amount_min": "1e999999"}, "amount_min"),
    ({"payout": "not-a-uuid"}, "payout"), ({"currency": "POUNDS"}, "currency"),
])
def test_bad_filters_are_400_with_the_field_named(api_client, synced, query, field):
    answer = api_client.get(f"{BASE}/balance-transactions/", query)
    assert answer.status_code == 400, answer.content
    assert field in answer.json()["error"]["fields"]


def test_payout_filters(api_client, synced):
    assert api_client.get(f"{BASE}/payouts/", {"status": "in_transit"}).json()["results"] == []
    assert len(api_client.get(f"{BASE}/payouts/", {"status": "paid"}).json()["results"]) == 1
    assert api_client.get(f"{BASE}/payouts/", {"status": "lost"}).status_code == 400
    assert api_client.get(f"{BASE}/payouts/", {"arrival_from": "2026-03-04"}).json()["results"] == []


def test_no_secret_or_raw_payload_in_any_answer(api_client, synced):
    for path in ("balances/", "balance-transactions/", "payouts/", "disputes/", "connections/"):
        body = api_client.get(f"{BASE}/{path}").content
        assert b"k-SECRET" not in body and b'"raw"' not in body and b"credentials" not in body


def test_anonymous_is_refused(client, synced):
    assert client.get(f"{BASE}/balances/").status_code in (401, 403)
