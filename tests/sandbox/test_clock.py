"""The sandbox clock (endpoint, command, effect on served data), the index and the logos."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from sandbox import clock

pytestmark = pytest.mark.django_db


def test_clock_starts_at_the_real_date_and_advances(client):
    assert client.get("/sandbox/clock/").json()["today"] == timezone.localdate().isoformat()
    body = client.post("/sandbox/clock/advance/", {"days": 3}).json()
    assert body["offset_days"] == 3
    assert body["today"] == (timezone.localdate() + timedelta(days=3)).isoformat()
    body = client.post("/sandbox/clock/advance/", {"days": 2}, content_type="application/json").json()
    assert body["offset_days"] == 5 and clock.today() == timezone.localdate() + timedelta(days=5)
    assert client.post("/sandbox/clock/advance/", {"days": "soon"}).status_code == 400
    assert client.post("/sandbox/clock/reset/").json()["offset_days"] == 0


def test_clock_command(capsys):
    call_command("sandbox_clock", "--advance", "4")
    assert clock.offset_days() == 4
    assert "real date + 4 days" in capsys.readouterr().out
    call_command("sandbox_clock", "--reset")
    assert clock.offset_days() == 0


def test_advancing_adds_transactions_without_rewriting_old_ones(truelayer_tokens, tl_get, client):
    tokens = truelayer_tokens(institution="santander")
    account_id = tl_get("accounts", tokens["access_token"]).json()["results"][0]["account_id"]
    path = f"accounts/{account_id}/transactions"
    before = tl_get(path, tokens["access_token"]).json()["results"]
    client.post("/sandbox/clock/advance/", {"days": 10})
    fresh = client.post("/sandbox/truelayer/auth/connect/token", {
        "grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
        "client_id": "sandbox-client", "client_secret": "sandbox-secret"}).json()
    after = tl_get(path, fresh["access_token"]).json()["results"]

    def key(t):
        return t["normalised_provider_transaction_id"], t["timestamp"], t["amount"], t["running_balance"]["amount"]

    after_keys = {key(t) for t in after}
    window_start = min(t["timestamp"] for t in after)
    assert all(key(t) in after_keys for t in before if t["timestamp"] >= window_start)
    assert max(t["timestamp"] for t in after) > max(t["timestamp"] for t in before)


def test_index_lists_institutions_and_logos_are_served(client):
    body = client.get("/sandbox/").json()
    assert body["sandbox"] == "enabled" and len(body["institutions"]) == 11
    assert body["endpoints"]["truelayer_auth_url"] == "http://testserver/sandbox/truelayer/auth"
    assert body["endpoints"]["truelayer_api_url"] == "http://testserver/sandbox/truelayer/api"
    assert body["endpoints"]["gocardless_api_url"] == "http://testserver/sandbox/gocardless/api/v2"
    logo = client.get("/sandbox/logos/monzo.svg")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/svg+xml"
    assert client.get("/sandbox/logos/unknown.svg").status_code == 404
