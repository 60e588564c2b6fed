"""The TrueLayer mock: auth dialog, token endpoint rules, and the Data API's shapes."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from sandbox import clock
from sandbox.institutions import INSTITUTIONS
from sandbox.models import TrueLayerAuthRequest
from sandbox.testing import complete_bank_dialog

from .conftest import CLIENT, REDIRECT_URI, TL_TOKEN, auth_link, pkce_pair, query_of

pytestmark = pytest.mark.django_db


def exchange(client, code, verifier, **overrides):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier, **CLIENT, **overrides}
    return client.post(TL_TOKEN, {k: v for k, v in data.items() if v is not None})


def refresh(client, refresh_token, **overrides):
    return client.post(TL_TOKEN, {"grant_type": "refresh_token", "refresh_token": refresh_token, **CLIENT,
                                  **overrides})


# --- the auth dialog ---------------------------------------------------------------------------
def test_auth_link_opens_login_with_every_bank_in_the_picker(client):
    response = client.get(auth_link(), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    for institution in INSTITUTIONS:
        assert f'value="{institution.slug}"' in page
        assert f"/sandbox/logos/{institution.slug}.svg" in page


def test_provider_id_skips_the_picker(client):
    page = client.get(auth_link(provider_id="ob-hsbc"), follow=True).content.decode()
    assert 'name="institution"' not in page
    assert "Log in to HSBC UK" in page


@pytest.mark.parametrize("change", [{"client_id": "someone-else"}, {"redirect_uri": "not-a-url"},
                                    {"scope": "accounts telepathy"}, {"response_type": "token"},
                                    {"provider_id": "ob-nowhere"}])
def test_bad_auth_links_are_shown_an_error_not_redirected(client, change):
    response = client.get(auth_link(**change))
    assert response.status_code == 400
    assert "Invalid auth link" in response.content.decode()


def test_a_link_with_a_redirect_uri_nobody_registered_shows_an_error_instead_of_sending_the_person_there(client):
    response = client.get(auth_link(redirect_uri="https://attacker.example/cb"), follow=True)
    assert response.status_code == 400 and not response.redirect_chain
    assert "not allow-listed" in response.content.decode()
    assert not TrueLayerAuthRequest.objects.exists()


@pytest.mark.parametrize("redirect_uri", [
    REDIRECT_URI,  # the platform's callback under SITE_URL
    "http://testserver/anywhere/else",  # the host the sandbox itself is served from
    "https://dev-client.example/cb",  # registered in SANDBOX_REDIRECT_URIS
])
def test_registered_redirect_uris_are_accepted(client, settings, redirect_uri):
    settings.SANDBOX_REDIRECT_URIS = ["https://dev-client.example/cb"]
    location = complete_bank_dialog(client, auth_link(redirect_uri=redirect_uri, state="s"))
    assert location.startswith(f"{redirect_uri}?") and query_of(location)["state"] == "s"


def test_the_platform_callback_is_accepted_on_another_sandbox_host(client, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "sandbox.example"]
    assert client.get(auth_link(), headers={"Host": "sandbox.example"}).status_code == 302  # to the login page
    stranger = client.get(auth_link(redirect_uri="http://testserver.evil/cb"), headers={"Host": "sandbox.example"})
    assert stranger.status_code == 400


def test_allow_redirects_with_code_and_state(client):
    location = complete_bank_dialog(client, auth_link(state="xyz"), username="john", institution="barclays")
    params = query_of(location)
    assert location.startswith(REDIRECT_URI + "?")
    assert params["state"] == "xyz" and len(params["code"]) > 20


def test_cancel_redirects_with_access_denied(client):
    location = complete_bank_dialog(client, auth_link(state="xyz"), allow=False)
    assert query_of(location) == {"error": "access_denied", "state": "xyz"}


def test_login_needs_a_password_and_rejects_unknown_fault_logins(client):
    login_url = client.get(auth_link(provider_id="ob-monzo")).url
    assert client.post(login_url, {"username": "john", "password": ""}).status_code == 400
    response = client.post(login_url, {"username": "error.typo", "password": "x"})
    assert response.status_code == 400 and "Unknown fault login" in response.content.decode()


# --- the token endpoint ------------------------------------------------------------------------
def test_code_exchange_returns_the_documented_token_shape(client, authorise_code):
    code, verifier = authorise_code()
    response = exchange(client, code, verifier)
    body = response.json()
    assert response.status_code == 200
    assert list(body) == ["access_token", "expires_in", "token_type", "refresh_token", "scope"]
    assert body["expires_in"] == 3600 and body["token_type"] == "Bearer"
    assert body["scope"] == "info accounts balance cards transactions offline_access"
    assert response["Cache-Control"] == "no-store"


def test_code_is_single_use(client, authorise_code):
    code, verifier = authorise_code()
    assert exchange(client, code, verifier).status_code == 200
    reused = exchange(client, code, verifier)
    assert reused.status_code == 400 and reused.json()["error"] == "invalid_authorization_code"


def test_code_expires_after_five_minutes(client, authorise_code, monkeypatch):
    code, verifier = authorise_code()
    later = clock.now() + timedelta(minutes=5, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    response = exchange(client, code, verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_authorization_code"


def test_pkce_verifier_must_match_the_challenge(client, authorise_code):
    code, _ = authorise_code()
    wrong_verifier, _ = pkce_pair()
    for verifier in (wrong_verifier, None):
        response = exchange(client, code, verifier)
        assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_redirect_uri_must_match_the_auth_request(client, authorise_code):
    code, verifier = authorise_code()
    response = exchange(client, code, verifier, redirect_uri="https://evil.example/callback")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("credentials", [{"client_secret": "wrong"}, {"client_id": "other"}])
def test_wrong_client_credentials_are_401_invalid_client(client, authorise_code, credentials):
    code, verifier = authorise_code()
    response = exchange(client, code, verifier, **credentials)
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_http_basic_client_authentication_is_accepted(client, authorise_code):
    import base64

    code, verifier = authorise_code()
    basic = base64.b64encode(b"sandbox-client:sandbox-secret").decode()
    response = client.post(TL_TOKEN, {"grant_type": "authorization_code", "code": code,
                                      "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
                           headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200


def test_refresh_rotates_the_token_pair(client, truelayer_tokens, tl_get):
    first = truelayer_tokens()
    response = refresh(client, first["refresh_token"])
    second = response.json()
    assert response.status_code == 200 and second["access_token"] != first["access_token"]
    assert tl_get("accounts", second["access_token"]).status_code == 200
    # Only the newest pair works, as TrueLayer documents.
    assert tl_get("accounts", first["access_token"]).status_code == 401
    assert refresh(client, first["refresh_token"]).json()["error"] == "invalid_grant"


def test_no_refresh_token_without_offline_access(truelayer_tokens):
    assert "refresh_token" not in truelayer_tokens(scope="info accounts balance transactions")


def test_access_token_lasts_one_hour(truelayer_tokens, tl_get, monkeypatch):
    token = truelayer_tokens()["access_token"]
    later = clock.now() + timedelta(hours=1, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    response = tl_get("accounts", token)
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"


def test_consent_lapses_after_90_days(client, truelayer_tokens, tl_get):
    tokens = truelayer_tokens()
    clock.advance(91)
    assert tl_get("accounts", tokens["access_token"]).status_code == 401  # the hour is long gone
    response = refresh(client, tokens["refresh_token"])
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_revoke_ends_the_consent(client, truelayer_tokens, tl_get):
    tokens = truelayer_tokens()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.delete("/sandbox/truelayer/auth/api/delete", headers=auth).status_code == 200
    assert tl_get("accounts", tokens["access_token"]).json()["error"] == "invalid_token"
    assert refresh(client, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert client.delete("/sandbox/truelayer/auth/api/delete", headers=auth).status_code == 401


# --- the Data API ------------------------------------------------------------------------------
def test_me_reports_consent_expiry_90_days_after_authorisation(truelayer_tokens, tl_get):
    body = tl_get("me", truelayer_tokens(institution="hsbc")["access_token"]).json()
    me = body["results"][0]
    assert body["status"] == "Succeeded"
    created = datetime.fromisoformat(me["consent_created_at"])
    assert datetime.fromisoformat(me["consent_expires_at"]) - created == timedelta(days=90)
    assert me["provider"]["provider_id"] == "ob-hsbc" and me["client_id"] == "sandbox-client"
    assert me["provider"]["logo_uri"].endswith("/sandbox/logos/hsbc.svg")


def test_accounts_balances_and_transactions_are_consistent(sandbox_today, truelayer_tokens, tl_get):
    token = truelayer_tokens(institution="lloyds")["access_token"]
    accounts = tl_get("accounts", token).json()["results"]
    assert {a["account_type"] for a in accounts} == {"TRANSACTION", "SAVINGS"}
    for account in accounts:
        assert set(account["account_number"]) >= {"number", "sort_code", "iban", "swift_bic"}
        base = f"accounts/{account['account_id']}"
        single = tl_get(base, token).json()["results"][0]
        assert {**single, "update_timestamp": None} == {**account, "update_timestamp": None}
        balance = tl_get(f"{base}/balance", token).json()["results"][0]
        booked = tl_get(f"{base}/transactions", token).json()["results"]
        pending = tl_get(f"{base}/transactions/pending", token).json()["results"]
        assert booked, "an account always has history"
        assert Decimal(str(booked[-1]["running_balance"]["amount"])) == Decimal(str(balance["current"]))
        pending_total = sum((Decimal(str(t["amount"])) for t in pending), Decimal(0))
        assert Decimal(str(balance["available"])) == Decimal(str(balance["current"])) + pending_total
        for txn in booked:
            assert (txn["amount"] < 0) == (txn["transaction_type"] == "DEBIT")
            assert set(txn) >= {"transaction_id", "normalised_provider_transaction_id", "timestamp",
                                "description", "amount", "currency", "transaction_category",
                                "transaction_classification", "meta"}
            assert "provider_transaction_category" in txn["meta"]


def test_card_amounts_are_reversed(sandbox_today, truelayer_tokens, tl_get):
    token = truelayer_tokens(institution="barclays")["access_token"]
    card = tl_get("cards", token).json()["results"][0]
    assert card["card_type"] == "CREDIT" and len(card["partial_card_number"]) == 4
    booked = tl_get(f"cards/{card['account_id']}/transactions", token).json()["results"]
    purchases = [t for t in booked if t["transaction_category"] == "PURCHASE"]
    payments = [t for t in booked if t["description"] == "PAYMENT RECEIVED - THANK YOU"]
    assert purchases and all(t["amount"] > 0 and t["transaction_type"] == "DEBIT" for t in purchases)
    assert payments and all(t["amount"] < 0 and t["transaction_type"] == "CREDIT" for t in payments)
    balance = tl_get(f"cards/{card['account_id']}/balance", token).json()["results"][0]
    assert balance["current"] > 0 and balance["credit_limit"] > balance["current"]
    assert {"last_statement_balance", "last_statement_date", "payment_due", "payment_due_date"} <= set(balance)
    assert balance["current"] == booked[-1]["running_balance"]["amount"]


def test_unstable_banks_change_transaction_id_but_not_the_normalised_id(truelayer_tokens, tl_get):
    token = truelayer_tokens(institution="barclays")["access_token"]  # Barclays re-issues ids
    account_id = tl_get("accounts", token).json()["results"][0]["account_id"]
    first, second = (tl_get(f"accounts/{account_id}/transactions", token).json()["results"] for _ in range(2))
    assert [t["normalised_provider_transaction_id"] for t in first] == \
        [t["normalised_provider_transaction_id"] for t in second]
    assert not {t["transaction_id"] for t in first} & {t["transaction_id"] for t in second}


def test_stable_banks_keep_transaction_ids(truelayer_tokens, tl_get):
    token = truelayer_tokens(institution="monzo")["access_token"]
    account_id = tl_get("accounts", token).json()["results"][0]["account_id"]
    first, second = (tl_get(f"accounts/{account_id}/transactions", token).json()["results"] for _ in range(2))
    assert [t["transaction_id"] for t in first] == [t["transaction_id"] for t in second]


def test_transactions_window_is_inclusive_and_validated(sandbox_today, truelayer_tokens, tl_get):
    token = truelayer_tokens()["access_token"]
    account_id = tl_get("accounts", token).json()["results"][0]["account_id"]
    path = f"accounts/{account_id}/transactions"
    everything = tl_get(path, token).json()["results"]
    day = everything[len(everything) // 2]["timestamp"][:10]
    one_day = tl_get(path, token, **{"from": day, "to": day}).json()["results"]
    assert one_day and all(t["timestamp"].startswith(day) for t in one_day)
    assert len(one_day) == sum(1 for t in everything if t["timestamp"].startswith(day))
    assert tl_get(path, token, **{"from": "2026-13-40"}).json()["error"] == "validation_error"
    assert tl_get(path, token, **{"from": "2026-02-01", "to": "2026-01-01"}).json()["error"] == \
        "invalid_date_range"


def test_unknown_account_is_404_and_missing_scope_is_403(truelayer_tokens, tl_get):
    token = truelayer_tokens(scope="accounts")["access_token"]
    response = tl_get("accounts/not-an-account/balance", token)
    assert response.status_code == 403  # no `balance` scope: refused before the lookup
    response = tl_get("accounts/not-an-account", token)
    assert response.status_code == 404 and response.json()["error"] == "account_not_found"
    assert tl_get("cards", token).json()["error"] == "access_denied"
    assert tl_get("info", token).status_code == 403


def test_data_calls_without_a_token_are_401(client):
    response = client.get("/sandbox/truelayer/api/data/v1/accounts")
    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token", "error_description": response.json()["error_description"]}
    assert response["WWW-Authenticate"].startswith("Bearer")
