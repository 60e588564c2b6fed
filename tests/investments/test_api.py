"""The investment API: accounts with figures, manual accounts and holdings, reconciliation,
valuations, transactions (filters, cursor pages, CSV), securities, connections (sync, revoke);
bad input is a 400 with field errors, another person's object a 404, secrets never shown."""

from __future__ import annotations

from datetime import date

import pytest

from integrations_core.models import AuditEvent, ConnectionStatus
from integrations_core.selectors import connections_due
from integrations_core.services.imports.portfolio import portfolio_import
from investments.models import InvestmentConnection

from .conftest import AAPL, VUSA, holding, portfolio, snapshot, trade

pytestmark = pytest.mark.django_db
API = "/api/v1/investments"


@pytest.fixture
def synced(account):
    portfolio_import(account, portfolio(
        snap=snapshot(holding(VUSA, "10", price="6500.00", price_currency="GBX", value="650.00", book_cost="600.00")),
        transactions=[trade("deposit", date(2026, 1, 2), "1000.00", external_id="d1"),
                      trade("buy", date(2026, 1, 3), "-600.00", security=VUSA, quantity="10", external_id="b1"),
                      trade("buy", date(2026, 1, 4), "-300.00", security=AAPL, quantity="2", external_id="b2")]))
    account.refresh_from_db()
    return account


def test_accounts_show_figures_and_never_secrets(api_client, synced):
    response = api_client.get(f"{API}/accounts/")
    assert response.status_code == 200
    [row] = response.json()
    assert {k: row[k] for k in ("wrapper", "cash", "holdings_value", "value", "book_cost", "gain", "gain_percent",
                                "is_manual")} == {
        "wrapper": "isa", "cash": "100.00", "holdings_value": "650.00", "value": "750.00", "book_cost": "600.00",
        "gain": "50.00", "gain_percent": "8.33", "is_manual": False}
    assert "SECRET" not in api_client.get(f"{API}/connections/").content.decode()


def test_holdings_reconciliation_and_transactions(api_client, synced):
    [h] = api_client.get(f"{API}/accounts/{synced.pk}/holdings/").json()
    assert (h["price"], h["price_currency"], h["account_price"], h["source"]) == ("6500", "GBX", "65", "synced")
    assert api_client.get(f"{API}/holdings/").json()[0]["id"] == h["id"]
    [diff] = api_client.get(f"{API}/accounts/{synced.pk}/reconciliation/").json()
    assert (diff["security"], diff["field"], diff["ours"]) == (AAPL.isin, "missing_on_platform", "2")
    page = api_client.get(f"{API}/transactions/", {"type": "buy", "page_size": 1}).json()
    assert [t["amount"] for t in page["results"]] == ["-300.00"] and page["next"]
    assert api_client.get(page["next"]).json()["results"][0]["amount"] == "-600.00"
    csv = api_client.get(f"{API}/transactions/", {"format": "csv", "amount_min": "0"})
    assert csv.status_code == 200 and b"".join(csv.streaming_content).decode().count("\n") == 2
    assert api_client.get(f"{API}/transactions/", {"date_from": "nope"}).json()["error"]["fields"]["date_from"]
    assert {s["isin"] for s in api_client.get(f"{API}/securities/").json()} == {VUSA.isin, AAPL.isin}


def test_manual_account_holding_and_valuation(api_client, user):
    bad = api_client.post(f"{API}/accounts/", {"name": "x", "wrapper": "nope", "currency": "GBP"}, format="json")
    assert bad.status_code == 400 and "wrapper" in bad.json()["error"]["fields"]
    created = api_client.post(f"{API}/accounts/", {"name": "Share plan", "wrapper": "gia", "currency": "GBP",
                                                   "cash": "10.00"}, format="json")
    assert created.status_code == 201 and created.json()["is_manual"] is True
    pk = created.json()["id"]
    holdings = api_client.post(f"{API}/accounts/{pk}/holdings/", {"ticker": "ACME", "name": "Acme plc",
                                                                   "quantity": "4", "price": "250", "currency": "GBX",
                                                                   "book_cost": "8.00"}, format="json")
    assert holdings.status_code == 200, holdings.content
    [h] = holdings.json()
    assert (h["value"], h["gain"], h["source"]) == ("10.00", "2.00", "manual")
    second = api_client.post(f"{API}/accounts/{pk}/holdings/", {"isin": VUSA.isin, "name": "VUSA", "quantity": "1",
                                                                 "price": "60.00"}, format="json").json()
    assert len(second) == 2  # the first holding is carried into the day's snapshot
    assert api_client.get(f"{API}/accounts/{pk}/").json()["value"] == "80.00"
    missing = api_client.post(f"{API}/accounts/{pk}/holdings/", {"quantity": "1"}, format="json")
    assert missing.status_code == 400 and "name" in missing.json()["error"]["fields"]
    valued = api_client.post(f"{API}/accounts/{pk}/valuations/", {"date": "2026-01-31", "value": "75.00"},
                             format="json")
    assert valued.status_code == 201 and {"date": "2026-01-31", "value": "75.00", "currency": "GBP",
                                          "source": "manual"} in valued.json()
    manual = InvestmentConnection.objects.get(user=user, provider="manual")
    assert manual.status == ConnectionStatus.ACTIVE
    assert not connections_due(InvestmentConnection, manual.created_at).filter(pk=manual.pk).exists()
    assert api_client.post(f"{API}/connections/{manual.pk}/sync/").json()["error"]["code"] == "nothing_to_sync"


def test_synced_accounts_refuse_manual_holdings(api_client, synced):
    response = api_client.post(f"{API}/accounts/{synced.pk}/holdings/", {"ticker": "X", "quantity": "1"},
                               format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_manual"


def test_another_persons_objects_are_404(other_api_client, synced):
    for path in (f"accounts/{synced.pk}/", f"accounts/{synced.pk}/holdings/", f"accounts/{synced.pk}/reconciliation/",
                 f"accounts/{synced.pk}/valuations/", f"connections/{synced.connection_id}/"):
        response = other_api_client.get(f"{API}/{path}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", path
    assert other_api_client.delete(f"{API}/connections/{synced.connection_id}/").status_code == 404
    assert other_api_client.get(f"{API}/transactions/").json()["results"] == []
    assert other_api_client.get(f"{API}/holdings/").json() == []


def test_revoke_erases_credentials_and_audits(api_client, synced):
    assert api_client.delete(f"{API}/connections/{synced.connection_id}/").status_code == 204
    connection = InvestmentConnection.objects.get(pk=synced.connection_id)
    assert (connection.status, connection.credentials) == (ConnectionStatus.REVOKED, {})
    assert AuditEvent.objects.filter(action="connection.revoked", connection_id=connection.pk).exists()


def test_platforms_list_investment_providers_without_secrets(api_client):
    response = api_client.get(f"{API}/platforms/")
    assert response.status_code == 200
    assert all(p["auth_type"] for p in response.json())


def test_the_person_sets_the_wrapper_and_later_syncs_keep_it(api_client, other_api_client, synced):
    """Platforms rarely say whether an account is an ISA or a SIPP (IBKR Flex never does): the
    person says so, and a sync that reports another wrapper does not overwrite it."""
    from integrations_core.records import AccountRecord
    from integrations_core.services.imports import account_upsert

    assert api_client.patch(f"{API}/accounts/{synced.pk}/", {"wrapper": "nope"},
                            format="json").json()["error"]["fields"]["wrapper"]
    assert other_api_client.patch(f"{API}/accounts/{synced.pk}/", {"wrapper": "sipp"}, format="json").status_code == 404
    response = api_client.patch(f"{API}/accounts/{synced.pk}/", {"wrapper": "sipp"}, format="json")
    assert response.status_code == 200 and response.json()["wrapper"] == "sipp"

    record = AccountRecord(external_id=synced.external_id, name="Renamed by the platform", type="investment",
                           currency="GBP", extra={"wrapper": "gia"})
    account = account_upsert(synced.connection, record)
    account.refresh_from_db()
    assert (account.wrapper, account.name) == ("sipp", "Renamed by the platform")  # the rest still syncs


def test_without_the_persons_choice_the_sync_sets_the_wrapper(synced):
    from integrations_core.records import AccountRecord
    from integrations_core.services.imports import account_upsert

    record = AccountRecord(external_id=synced.external_id, name=synced.name, type="investment", currency="GBP",
                           extra={"wrapper": "gia"})
    account_upsert(synced.connection, record)
    synced.refresh_from_db()
    assert synced.wrapper == "gia"
