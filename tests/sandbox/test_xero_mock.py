"""The mock Xero speaks Xero's answers: 401 without a token, 403 AuthorizationUnsuccessful for
a tenant the grant does not reach, If-Modified-Since and paging, validation errors with
Elements/ValidationErrors (summarised or per item), pushed rows found again by Reference."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from sandbox import tokens
from sandbox.xero import data
from sandbox.xero.models import XeroGrant, XeroTenant, XeroToken

pytestmark = pytest.mark.django_db
API = "/sandbox/xero/api/api.xro/2.0"


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("sandbox.clock.today", lambda: datetime(2026, 3, 10).date())
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def grant():
    grant = XeroGrant.objects.create(username="mock-co", client_id="sandbox-client", scope="offline_access")
    XeroTenant.objects.create(grant=grant, tenant_id=data.tenant_id("mock-co", 0), index=0, name="Mock Ltd")
    token = "access-for-mock"
    XeroToken.objects.create(digest=tokens.digest(token), kind="access", grant=grant,
                             expires_at=datetime(2099, 1, 1, tzinfo=UTC))
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_XERO_TENANT_ID": data.tenant_id("mock-co", 0)}


def bank_account_id() -> str:
    books = data.tenant_books("mock-co", 0, datetime(2026, 3, 10).date())
    return next(a["AccountID"] for a in books.accounts if a["Type"] == "BANK")


def item(**changes) -> dict:
    body = {"Type": "SPEND", "Contact": {"Name": "Shell"}, "Date": "/Date(1772668800000+0000)/",
            "Reference": "our-ref-1", "BankAccount": {"AccountID": bank_account_id()},
            "LineItems": [{"Description": "Fuel", "Quantity": 1.0, "UnitAmount": 42.5, "AccountCode": "449"}]}
    body.update(changes)
    return body


def test_no_token_is_401_and_another_tenant_is_403(grant):
    client = Client()
    assert client.get(f"{API}/Accounts").status_code == 401
    other = client.get(f"{API}/Accounts", HTTP_AUTHORIZATION=grant["HTTP_AUTHORIZATION"],
                       HTTP_XERO_TENANT_ID=data.tenant_id("mock-co", 1))
    assert other.status_code == 403 and other.json()["Type"] == "AuthorizationUnsuccessful"


def test_lists_page_by_100_and_honour_if_modified_since(grant):
    client = Client()
    first = client.get(f"{API}/Invoices", {"page": 1, "order": "UpdatedDateUTC ASC"}, **grant).json()
    assert len(first["Invoices"]) == 100 and first["pagination"]["itemCount"] > 100
    assert first["Invoices"][0]["Date"].startswith("/Date(")
    later = client.get(f"{API}/Invoices", {"page": 1}, HTTP_IF_MODIFIED_SINCE="2026-03-01T00:00:00", **grant).json()
    assert 0 < len(later["Invoices"]) < first["pagination"]["itemCount"]
    assert "X-MinLimit-Remaining" in client.get(f"{API}/Accounts", **grant).headers


def test_validation_errors_are_summarised_or_per_item(grant):
    client = Client()
    bad = item(LineItems=[{"Description": "x", "UnitAmount": 1.0, "AccountCode": "090"}])
    summarised = client.put(f"{API}/BankTransactions", json.dumps({"BankTransactions": [bad]}),
                            content_type="application/json", **grant)
    assert summarised.status_code == 400
    body = summarised.json()
    assert body["Type"] == "ValidationException"
    assert "not a valid code" in body["Elements"][0]["ValidationErrors"][0]["Message"]
    each = client.put(f"{API}/BankTransactions?summarizeErrors=false",
                      json.dumps({"BankTransactions": [bad, item()]}), content_type="application/json", **grant)
    assert each.status_code == 200
    answered = each.json()["BankTransactions"]
    assert answered[0]["StatusAttributeString"] == "ERROR" and answered[0]["ValidationErrors"]
    assert answered[1]["BankTransactionID"] and answered[1]["Total"] == 42.5


def test_a_pushed_row_is_found_by_reference_and_updated_by_id(grant):
    client = Client()
    created = client.put(f"{API}/BankTransactions", json.dumps({"BankTransactions": [item()]}),
                         content_type="application/json", **grant).json()["BankTransactions"][0]
    found = client.get(f"{API}/BankTransactions", {"References": "our-ref-1,other", "page": 1}, **grant).json()
    assert [b["BankTransactionID"] for b in found["BankTransactions"]] == [created["BankTransactionID"]]
    updated = client.post(f"{API}/BankTransactions/{created['BankTransactionID']}",
                          json.dumps({"BankTransactions": [item(Contact={"Name": "BP"})]}),
                          content_type="application/json", **grant).json()["BankTransactions"][0]
    assert updated["BankTransactionID"] == created["BankTransactionID"]
    assert updated["UpdatedDateUTC"] != created["UpdatedDateUTC"] and updated["Contact"]["Name"] == "BP"
    missing = client.post(f"{API}/BankTransactions/not-there", json.dumps({"BankTransactions": [item()]}),
                          content_type="application/json", **grant)
    assert missing.status_code == 400
