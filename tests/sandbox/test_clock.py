"""The sandbox clock (endpoint, who may move it, command, effect on served data), the index and
the logos."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from sandbox import clock

from .conftest import CLIENT, TL_TOKEN

pytestmark = pytest.mark.django_db


def test_clock_starts_at_the_real_date_and_advances(sandbox_today, client, admin_client):
    assert timezone.localdate() == sandbox_today
    assert client.get("/sandbox/clock/").json()["today"] == sandbox_today.isoformat()
    body = admin_client.post("/sandbox/clock/advance/", {"days": 3}).json()
    assert body["offset_days"] == 3
    assert body["today"] == (sandbox_today + timedelta(days=3)).isoformat()
    body = admin_client.post("/sandbox/clock/advance/", {"days": 2}, content_type="application/json").json()
    assert body["offset_days"] == 5 and clock.today() == sandbox_today + timedelta(days=5)
    assert admin_client.post("/sandbox/clock/advance/", {"days": "soon"}).status_code == 400
    assert admin_client.post("/sandbox/clock/reset/").json()["offset_days"] == 0


@pytest.mark.parametrize("path", ["/sandbox/clock/advance/", "/sandbox/clock/reset/"])
def test_anyone_on_the_web_cannot_move_the_sandbox_clock(client, django_user_model, path):
    clock.advance(2)
    assert client.post(path, {"days": 30}).status_code == 403  # not logged in
    someone = django_user_model.objects.create_user(username="someone", email="someone@example.com",
                                                    password="pw-123456789")
    client.force_login(someone)
    assert client.post(path, {"days": 30}).status_code == 403  # logged in, but not staff
    assert clock.offset_days() == 2


def test_another_site_cannot_move_the_clock_through_a_staff_members_browser(admin_user, settings):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    secret = "a" * 32  # a CSRF cookie our own pages would have set; another site cannot read it
    browser.cookies[settings.CSRF_COOKIE_NAME] = secret
    assert browser.post("/sandbox/clock/advance/", {"days": 30}).status_code == 403  # no token sent
    assert clock.offset_days() == 0
    response = browser.post("/sandbox/clock/advance/", {"days": 3}, headers={"X-CSRFToken": secret})
    assert response.status_code == 200 and clock.offset_days() == 3


def test_clock_command(capsys):
    call_command("sandbox_clock", "--advance", "4")
    assert clock.offset_days() == 4
    assert "real date + 4 days" in capsys.readouterr().out
    call_command("sandbox_clock", "--reset")
    assert clock.offset_days() == 0


def test_advancing_adds_transactions_without_rewriting_old_ones(sandbox_today, truelayer_tokens, tl_get, client,
                                                                admin_client):
    tokens = truelayer_tokens(institution="santander")
    account_id = tl_get("accounts", tokens["access_token"]).json()["results"][0]["account_id"]
    path = f"accounts/{account_id}/transactions"
    before = tl_get(path, tokens["access_token"]).json()["results"]
    assert admin_client.post("/sandbox/clock/advance/", {"days": 10}).status_code == 200
    fresh = client.post(TL_TOKEN, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                                   **CLIENT}).json()
    after = tl_get(path, fresh["access_token"]).json()["results"]

    def key(t):
        return t["normalised_provider_transaction_id"], t["timestamp"], t["amount"], t["running_balance"]["amount"]

    after_keys = {key(t) for t in after}
    window_start = min(t["timestamp"] for t in after)
    assert all(key(t) in after_keys for t in before if t["timestamp"] >= window_start)
    assert max(t["timestamp"] for t in after) > max(t["timestamp"] for t in before)


def test_index_lists_institutions_and_logos_are_served(client):
    body = client.get("/sandbox/").json()
    assert body["sandbox"] == "enabled" and len(body["institutions"]) == 12
    assert body["endpoints"]["truelayer_auth_url"] == "http://testserver/sandbox/truelayer/auth"
    assert body["endpoints"]["truelayer_api_url"] == "http://testserver/sandbox/truelayer/api"
    assert body["endpoints"]["gocardless_api_url"] == "http://testserver/sandbox/gocardless/api/v2"
    logo = client.get("/sandbox/logos/monzo.svg")
    assert logo.status_code == 200 and logo["Content-Type"] == "image/svg+xml"
    assert client.get("/sandbox/logos/unknown.svg").status_code == 404
