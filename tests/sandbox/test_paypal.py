"""The PayPal mock speaks PayPal's shapes and errors and its data reconciles with the business
persona: every withdrawal lands in the business bank on the next business day for its amount."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from payments.providers.paypal import mapper
from sandbox.business.persona import business_book
from sandbox.paypal.data import merchant_id

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
API = "/sandbox/paypal"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(monkeypatch, settings):
    settings.SANDBOX_LATENCY_MS = 0
    monkeypatch.setattr("sandbox.clock.now", lambda: NOW)
    monkeypatch.setattr("sandbox.clock.today", lambda: NOW.date())


def token(login="casey", secret="sandbox-paypal-secret") -> tuple[int, dict]:
    basic = base64.b64encode(f"{login}:{secret}".encode()).decode()
    answer = Client().post(f"{API}/v1/oauth2/token", "grant_type=client_credentials",
                           content_type="application/x-www-form-urlencoded", HTTP_AUTHORIZATION=f"Basic {basic}")
    return answer.status_code, answer.json()


def get(path: str, access: str, **params):
    return Client().get(f"{API}{path}", params, HTTP_AUTHORIZATION=f"Bearer {access}")


def window(days_back: int, length: int = 31) -> dict:
    start = NOW - timedelta(days=days_back)
    return {"start_date": start.isoformat(), "end_date": (start + timedelta(days=length)).isoformat(),
            "fields": "all", "page_size": 500}


def test_the_token_answer_and_a_wrong_secret():
    status, body = token()
    assert status == 200 and body["token_type"] == "Bearer" and body["expires_in"] == 32400
    assert "https://uri.paypal.com/services/reporting/search/read" in body["scope"].split()
    status, body = token(secret="wrong")
    assert status == 401 and body == {"error": "invalid_client", "error_description": "Client Authentication failed"}


def test_a_forged_or_expired_token_is_invalid_token():
    assert get("/v1/reporting/balances", "A21AAforged.token").json()["error"] == "invalid_token"
    _, body = token("error.expired")
    refused = get("/v1/reporting/balances", body["access_token"])
    assert refused.status_code == 401 and refused.json()["error_description"] == "Access Token not found in cache"


def test_rate_limit_fault_answers_paypal_s_error_body():
    status, body = token("error.rate_limit")
    assert status == 429 and body["name"] == "RATE_LIMIT_REACHED" and {"message", "debug_id", "details"} <= set(body)


def test_transaction_search_shape_and_the_31_day_limit():
    _, body = token()
    answer = get("/v1/reporting/transactions", body["access_token"], **window(40)).json()
    assert answer["account_number"] == merchant_id("casey") and answer["total_pages"] >= 1
    info = answer["transaction_details"][0]["transaction_info"]
    assert {"transaction_id", "transaction_event_code", "transaction_initiation_date", "transaction_amount",
            "transaction_status"} <= set(info)
    assert info["transaction_initiation_date"].endswith("+0000")
    refused = get("/v1/reporting/transactions", body["access_token"], **window(40, 32))
    assert refused.status_code == 400
    assert refused.json()["details"][0]["issue"] == "Date range is greater than 31 days"


def test_nothing_newer_than_the_lag_is_shown(settings):
    settings.SANDBOX_PAYPAL_LAG_MINUTES = 180
    _, body = token()
    answer = get("/v1/reporting/transactions", body["access_token"], **window(31)).json()
    assert answer["last_refreshed_datetime"] == (NOW - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    for row in answer["transaction_details"]:
        assert row["transaction_info"]["transaction_updated_date"] <= answer["last_refreshed_datetime"]


def test_every_withdrawal_lands_in_the_bank_for_its_amount():
    book = business_book("casey", NOW.date())
    withdrawals = [t for t in book.paypal.transactions if t.event_code == "T0400"]
    credits = {line.source_id: line for line in book.bank_lines if line.kind == "paypal_withdrawal"}
    assert withdrawals
    _, body = token()
    rows = []
    for days_back in (31, 62, 93):
        rows += get("/v1/reporting/transactions", body["access_token"], **window(days_back)).json()["transaction_details"]
    payouts = {p.external_id: p for p in (mapper.transaction(r, today=NOW.date())[1] for r in rows) if p}
    for txn in withdrawals:
        if txn.initiated_at.date() < NOW.date() - timedelta(days=4):
            assert credits[txn.id].amount == -txn.gross
        if txn.id in payouts and txn.id in credits:  # what the provider maps is what the bank shows
            payout, line = payouts[txn.id], credits[txn.id]
            assert (payout.amount, payout.reference) == (line.amount, line.reference)
            assert timedelta(0) <= line.booked_on - payout.arrival_date <= timedelta(days=1)  # a bank holiday
    assert payouts


def test_disputes_page_and_an_unknown_one_is_resource_not_found():
    _, body = token()
    listed = get("/v1/customer/disputes", body["access_token"], page_size=1).json()
    assert len(listed["items"]) == 1 and any(link["rel"] == "next" for link in listed["links"])
    detail = get(f"/v1/customer/disputes/{listed['items'][0]['dispute_id']}", body["access_token"]).json()
    assert detail["seller_response_due_date"] and detail["disputed_transactions"][0]["seller_transaction_id"]
    missing = get("/v1/customer/disputes/PP-D-00000", body["access_token"])
    assert missing.status_code == 404 and missing.json()["name"] == "RESOURCE_NOT_FOUND"
