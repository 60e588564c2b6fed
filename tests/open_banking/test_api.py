"""The bank API at /api/v1/open-banking/."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations_core.models import ConnectionStatus, SyncRun
from open_banking.models import BankConnection, Institution

from .conftest import TL_AUTH

BASE = "/api/v1/open-banking"


@pytest.fixture
def institutions(db):
    return [
        Institution.objects.create(provider="truelayer", external_id="ob-lloyds", name="Lloyds", country="GB"),
        Institution.objects.create(provider="gocardless", external_id="MONZO_MONZGB2L", name="Monzo", country="GB"),
        Institution.objects.create(provider="gocardless", external_id="CHASE_CHASUS33", name="Chase", country="US"),
    ]


# --- institutions -------------------------------------------------------------------------------
def test_institutions_filter_by_provider_and_country(api_client, institutions):
    body = api_client.get(f"{BASE}/institutions/", {"provider": "gocardless", "country": "gb"}).json()
    assert [i["id"] for i in body["results"]] == ["MONZO_MONZGB2L"]
    assert len(api_client.get(f"{BASE}/institutions/").json()["results"]) == 3


def test_api_needs_a_login(client, institutions):
    assert client.get(f"{BASE}/institutions/").status_code in (401, 403)


# --- connections ----------------------------------------------------------------------------------
def test_create_connection_returns_201_with_authorization_url(api_client, institutions):
    response = api_client.post(f"{BASE}/connections/", {"provider": "truelayer", "institution": "ob-lloyds"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending" and body["id"]
    assert body["authorization_url"].startswith(f"{TL_AUTH}/?")
    assert BankConnection.objects.get(pk=body["id"]).institution_name == "Lloyds"


@pytest.mark.parametrize(("payload", "field"), [
    ({"provider": "nope"}, "provider"),
    ({}, "provider"),
    ({"provider": "truelayer", "institution": "ob-unknown"}, "institution"),
    ({"provider": "gocardless", "institution": "ob-lloyds"}, "institution"),  # another provider's id
    ({"provider": "gocardless"}, "institution"),
    ({"provider": ["truelayer"], "institution": {"x": 1}}, "provider"),
])
def test_create_connection_rejects_bad_input_with_field_errors(api_client, institutions, payload, field):
    response = api_client.post(f"{BASE}/connections/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert not BankConnection.objects.exists()


def test_create_connection_with_unconfigured_provider_is_400(api_client, institutions, settings):
    settings.TRUELAYER_CLIENT_ID = ""
    response = api_client.post(f"{BASE}/connections/", {"provider": "truelayer"})
    assert response.status_code == 400 and "provider" in response.json()["error"]["fields"]


def test_connection_creation_is_throttled_per_user_with_retry_after(api_client, other_api_client, institutions):
    for _ in range(10):  # THROTTLE_CONNECTION_CREATE defaults to 10/hour
        assert api_client.post(f"{BASE}/connections/", {"provider": "truelayer"}).status_code == 201
    refused = api_client.post(f"{BASE}/connections/", {"provider": "truelayer"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert other_api_client.post(f"{BASE}/connections/", {"provider": "truelayer"}).status_code == 201


def test_connections_are_private(api_client, other_api_client, bank_data):
    pk = bank_data["connection"].pk
    assert other_api_client.get(f"{BASE}/connections/").json()["results"] == []
    for method, path in (("get", f"{pk}/"), ("delete", f"{pk}/"), ("post", f"{pk}/sync/"),
                         ("post", f"{pk}/reconnect/"), ("get", f"{pk}/sync-runs/")):
        assert getattr(other_api_client, method)(f"{BASE}/connections/{path}").status_code == 404
    assert api_client.get(f"{BASE}/connections/{pk}/").status_code == 200


def test_connection_shows_state_and_reconfirmation_without_secrets(api_client, bank_data):
    body = api_client.get(f"{BASE}/connections/{bank_data['connection'].pk}/").json()
    assert body["user_state"] == "ok"
    assert body["reconfirm_by"] == body["consent_expires_at"]
    assert body["reconfirmation_due"] is False and body["reconnect_url"] is None
    text = str(body)
    assert "SECRET" not in text and "token" not in text.lower()


def test_reauth_required_connection_offers_a_reconnect_url(api_client, bank_data):
    connection = bank_data["connection"]
    connection.status = ConnectionStatus.REAUTH_REQUIRED
    connection.last_error = "Your consent has expired. Reconnect to keep your data up to date."
    connection.save()
    body = api_client.get(f"{BASE}/connections/{connection.pk}/").json()
    assert body["user_state"] == "reauth_required"
    assert body["reconnect_url"] == f"http://testserver{BASE}/connections/{connection.pk}/reconnect/"
    assert body["last_error"].startswith("Your consent has expired")


def test_consent_past_its_end_date_shows_reauth_and_due_window_shows_reconfirmation(api_client, bank_data):
    connection = bank_data["connection"]
    connection.consent_expires_at = timezone.now() + timedelta(days=5)
    connection.save()
    body = api_client.get(f"{BASE}/connections/{connection.pk}/").json()
    assert body["reconfirmation_due"] is True and body["reconnect_url"]
    connection.consent_expires_at = timezone.now() - timedelta(minutes=1)
    connection.save()
    assert api_client.get(f"{BASE}/connections/{connection.pk}/").json()["user_state"] == "reauth_required"


def test_rate_limited_connection_shows_until_when(api_client, bank_data):
    connection = bank_data["connection"]
    connection.last_error_code, connection.last_error = "rate_limited", "The provider is limiting us."
    connection.retry_after = timezone.now() + timedelta(hours=2)
    connection.save()
    body = api_client.get(f"{BASE}/connections/{connection.pk}/").json()
    assert body["user_state"] == "rate_limited" and body["retry_after"]
    refused = api_client.post(f"{BASE}/connections/{connection.pk}/sync/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "rate_limited"
    assert 7000 < int(refused["Retry-After"]) <= 7200


def test_delete_revokes_at_the_provider_and_keeps_history(api_client, bank_data, rsps):
    rsps.delete(f"{TL_AUTH}/api/delete", json={})
    connection = bank_data["connection"]
    assert api_client.delete(f"{BASE}/connections/{connection.pk}/").status_code == 204
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED and connection.access_token == ""
    assert len(rsps.calls) == 1
    assert api_client.get(f"{BASE}/transactions/").json()["results"]


def test_manual_sync_returns_202_with_the_queued_run(api_client, bank_data, monkeypatch):
    queued = []
    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async",
                        lambda *a, **k: queued.append((a, k)))
    response = api_client.post(f"{BASE}/connections/{bank_data['connection'].pk}/sync/")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["sync_run"]["outcome"] == "queued"
    assert queued and queued[0][1]["kwargs"] == {"trigger": "manual", "run_id": body["sync_run"]["id"]}


def test_manual_sync_with_the_queue_down_is_503_and_changes_nothing(api_client, bank_data, monkeypatch):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async", broker_down)
    before = api_client.get(f"{BASE}/transactions/").json()["results"]
    response = api_client.post(f"{BASE}/connections/{bank_data['connection'].pk}/sync/")
    assert response.status_code == 503 and response["Retry-After"]
    assert response.json()["error"]["code"] == "queue_unavailable"
    assert api_client.get(f"{BASE}/transactions/").json()["results"] == before  # reads still work


def test_sync_of_a_connection_needing_reauth_is_409(api_client, bank_data):
    connection = bank_data["connection"]
    connection.status = ConnectionStatus.REAUTH_REQUIRED
    connection.save()
    response = api_client.post(f"{BASE}/connections/{connection.pk}/sync/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "reauth_required"


def test_reconnect_returns_a_fresh_authorization_url(api_client, bank_data):
    response = api_client.post(f"{BASE}/connections/{bank_data['connection'].pk}/reconnect/")
    assert response.status_code == 200
    assert response.json()["authorization_url"].startswith(f"{TL_AUTH}/?")


def test_sync_runs_list(api_client, bank_data):
    from django.contrib.contenttypes.models import ContentType

    connection = bank_data["connection"]
    SyncRun.objects.create(user=connection.user, connection_type=ContentType.objects.get_for_model(connection),
                           connection_id=connection.pk, provider="truelayer", outcome="succeeded",
                           provider_calls=7, account_results={"acc-1": {"status": "ok", "added": 3}})
    body = api_client.get(f"{BASE}/connections/{connection.pk}/sync-runs/").json()
    assert [r["provider_calls"] for r in body["results"]] == [7]
    assert body["results"][0]["account_results"]["acc-1"]["status"] == "ok"


# --- accounts ---------------------------------------------------------------------------------------
def test_accounts_filter_and_privacy(api_client, other_api_client, bank_data):
    assert len(api_client.get(f"{BASE}/accounts/").json()["results"]) == 2
    cards = api_client.get(f"{BASE}/accounts/", {"type": "credit_card"}).json()["results"]
    assert [a["name"] for a in cards] == ["Platinum"] and cards[0]["credit_limit"] == "3300.00"
    assert len(api_client.get(f"{BASE}/accounts/", {"provider": "gocardless"}).json()["results"]) == 0
    assert len(api_client.get(f"{BASE}/accounts/", {"connection": str(bank_data["connection"].pk)})
               .json()["results"]) == 2
    assert other_api_client.get(f"{BASE}/accounts/{bank_data['current'].pk}/").status_code == 404
    assert other_api_client.get(f"{BASE}/accounts/{bank_data['current'].pk}/balances/").status_code == 404


def test_balance_history_with_date_range(api_client, bank_data):
    url = f"{BASE}/accounts/{bank_data['current'].pk}/balances/"
    assert [b["current"] for b in api_client.get(url).json()] == ["1004.00", "1003.00", "1002.00", "1001.00",
                                                                   "1000.00"]
    today = bank_data["today"]
    ranged = api_client.get(url, {"from": (today - timedelta(days=2)).isoformat(), "to": today.isoformat()})
    assert [b["date"] for b in ranged.json()] == [(today - timedelta(days=d)).isoformat() for d in (2, 1, 0)]
    assert api_client.get(url, {"from": "yesterday"}).status_code == 400


# --- transactions ---------------------------------------------------------------------------------
def _descriptions(response):
    return [t["description"] for t in response.json()["results"]]


def test_transactions_are_newest_first_and_private(api_client, other_api_client, bank_data):
    response = api_client.get(f"{BASE}/transactions/")
    assert _descriptions(response) == ["COSTA COFFEE", "GOOGLE PLAY STORE", "AMAZON.CO.UK", "PAYPAL EBAY",
                                       "AMAZON REFUND", "ACME LTD SALARY"]
    assert other_api_client.get(f"{BASE}/transactions/").json()["results"] == []
    other_txn = bank_data["txns"]["t1"].pk
    assert other_api_client.get(f"{BASE}/transactions/{other_txn}/").status_code == 404
    assert other_api_client.get(f"{BASE}/accounts/{bank_data['current'].pk}/transactions/").status_code == 404


@pytest.mark.parametrize(("params", "expected"), [
    ({"status": "pending"}, {"COSTA COFFEE"}),
    ({"type": "credit"}, {"ACME LTD SALARY", "AMAZON REFUND"}),
    ({"type": "debit", "category": "shopping"}, {"PAYPAL EBAY", "AMAZON.CO.UK"}),
    ({"amount_min": "-30", "amount_max": "-5"}, {"PAYPAL EBAY"}),
    ({"search": "amazon"}, {"AMAZON.CO.UK", "AMAZON REFUND"}),
    ({"provider": "truelayer", "status": "booked", "amount_min": "1000"}, {"ACME LTD SALARY"}),
])
def test_transaction_filters(api_client, bank_data, params, expected):
    assert set(_descriptions(api_client.get(f"{BASE}/transactions/", params))) == expected


def test_transaction_filters_by_account_connection_and_dates(api_client, bank_data):
    today = bank_data["today"]
    card = api_client.get(f"{BASE}/transactions/", {"account": str(bank_data["card"].pk)})
    assert set(_descriptions(card)) == {"AMAZON.CO.UK", "AMAZON REFUND"}
    assert len(api_client.get(f"{BASE}/transactions/", {"connection": str(bank_data["connection"].pk)})
               .json()["results"]) == 6
    ranged = api_client.get(f"{BASE}/transactions/", {"date_from": (today - timedelta(days=3)).isoformat(),
                                                      "date_to": (today - timedelta(days=1)).isoformat()})
    assert set(_descriptions(ranged)) == {"GOOGLE PLAY STORE", "AMAZON.CO.UK", "PAYPAL EBAY"}
    nested = api_client.get(f"{BASE}/accounts/{bank_data['card'].pk}/transactions/", {"type": "debit"})
    assert _descriptions(nested) == ["AMAZON.CO.UK"]


def test_transaction_ordering_by_amount_both_ways(api_client, bank_data):
    up = api_client.get(f"{BASE}/transactions/", {"ordering": "amount"}).json()["results"]
    assert [Decimal(t["amount"]) for t in up] == sorted(Decimal(t["amount"]) for t in up)
    down = api_client.get(f"{BASE}/transactions/", {"ordering": "-amount"}).json()["results"]
    assert [t["id"] for t in down] == [t["id"] for t in reversed(up)]
    oldest = api_client.get(f"{BASE}/transactions/", {"ordering": "booked_date"}).json()["results"]
    assert oldest[0]["description"] == "ACME LTD SALARY"
    assert up[0]["type"] == "debit" and up[-1]["type"] == "credit"


@pytest.mark.parametrize("ordering", ["-booked_date", "booked_date", "amount", "-amount"])
def test_cursor_pagination_walks_every_row_once(api_client, bank_data, ordering):
    seen, url, params = [], f"{BASE}/transactions/", {"page_size": 2, "ordering": ordering}
    while url:
        body = api_client.get(url, params).json()
        seen.extend(t["id"] for t in body["results"])
        url, params = body["next"], None
    assert len(seen) == len(set(seen)) == 6


def test_transaction_list_query_count_does_not_grow_with_rows(api_client, bank_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        api_client.get(f"{BASE}/transactions/")
    with django_assert_max_num_queries(4):
        api_client.get(f"{BASE}/accounts/")


def test_csv_export_has_every_filtered_row(api_client, bank_data):
    response = api_client.get(f"{BASE}/transactions/", {"format": "csv", "type": "debit", "page_size": 1})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["description"] for r in rows} == {"GOOGLE PLAY STORE", "PAYPAL EBAY", "COSTA COFFEE", "AMAZON.CO.UK"}
    assert {r["type"] for r in rows} == {"debit"}
    nested = api_client.get(f"{BASE}/accounts/{bank_data['card'].pk}/transactions/", {"format": "csv"})
    assert len(list(csv.DictReader(io.StringIO(b"".join(nested.streaming_content).decode())))) == 2


def test_csv_export_defuses_spreadsheet_formulas(api_client, bank_data):
    txn = bank_data["txns"]["t1"]
    txn.description = "=HYPERLINK(\"http://evil\")"
    txn.save()
    response = api_client.get(f"{BASE}/transactions/", {"format": "csv"})
    text = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK" in text
