"""Every fault login produces its documented error, in each protocol's own format."""

from __future__ import annotations

import json
import time

import pytest

from sandbox.faults import FAULT_LOGINS

from .conftest import CLIENT, TL_TOKEN

pytestmark = pytest.mark.django_db


def test_fault_logins_are_the_documented_six():
    assert FAULT_LOGINS == ("error.provider_error", "error.rate_limit", "error.slow", "error.expired",
                            "error.malformed", "error.flaky")


# --- TrueLayer ---------------------------------------------------------------------------------
@pytest.fixture
def tl_account_call(truelayer_tokens, tl_get):
    """Connects the login and returns a function that makes one data call."""

    def connect(username: str):
        tokens = truelayer_tokens(username=username, institution="monzo")
        return lambda: tl_get("accounts", tokens["access_token"]), tokens

    return connect


@pytest.mark.parametrize(("username", "status", "error"), [
    ("error.provider_error", 500, "provider_error"),
    ("error.rate_limit", 429, "provider_too_many_requests"),
    ("error.expired", 403, "access_denied"),
])
def test_truelayer_error_logins(tl_account_call, username, status, error):
    call, _ = tl_account_call(username)
    response = call()
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_description"]
    if status == 429:
        assert response["Retry-After"] == "60"


def test_truelayer_expired_consent_refuses_refresh(client, tl_account_call):
    _, tokens = tl_account_call("error.expired")
    response = client.post(TL_TOKEN, {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"],
                                      **CLIENT})
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_truelayer_malformed_body_is_200_and_not_json(tl_account_call):
    call, _ = tl_account_call("error.malformed")
    response = call()
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_truelayer_flaky_fails_every_third_call(tl_account_call):
    call, _ = tl_account_call("error.flaky")
    statuses = [call().status_code for _ in range(6)]
    assert statuses == [200, 200, 503, 200, 200, 503]


def test_truelayer_slow_adds_the_configured_delay(tl_account_call, settings):
    call, _ = tl_account_call("error.slow")
    settings.SANDBOX_SLOW_MS = 150
    started = time.monotonic()
    assert call().status_code == 200
    assert time.monotonic() - started >= 0.15


def test_latency_setting_is_read_on_every_call(tl_account_call, settings):
    call, _ = tl_account_call("john")
    settings.SANDBOX_LATENCY_MS = 120
    started = time.monotonic()
    assert call().status_code == 200
    assert time.monotonic() - started >= 0.12


def test_faults_do_not_break_the_connect_flow(tl_account_call):
    for username in FAULT_LOGINS:  # each one still gets a token: the faults are in the bank's data calls
        _, tokens = tl_account_call(username)
        assert tokens["access_token"]


# --- GoCardless --------------------------------------------------------------------------------
@pytest.fixture
def gc_balances_call(gc, gc_linked):
    def connect(username: str):
        account = gc_linked(username=username)["accounts"][0]
        return lambda: gc("get", f"accounts/{account}/balances/")

    return connect


@pytest.mark.parametrize(("username", "status", "type_"), [
    ("error.provider_error", 500, "UnknownRequestError"),
    ("error.rate_limit", 429, "RateLimitError"),
    ("error.expired", 401, "AccessExpiredError"),
])
def test_gocardless_error_logins(gc_balances_call, username, status, type_):
    response = gc_balances_call(username)()
    body = response.json()
    assert response.status_code == status and body["status_code"] == status
    assert body["type"] == type_ and body["summary"] and body["detail"]
    if status == 429:
        assert response["Retry-After"] == "60"
        assert response["HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_REMAINING"] == "0"


def test_gocardless_malformed_and_flaky(gc_balances_call):
    malformed = gc_balances_call("error.malformed")()
    assert malformed.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(malformed.content)
    flaky = gc_balances_call("error.flaky")
    statuses = [flaky().status_code for _ in range(6)]
    # The 503 did not use up quota: the daily limit bites only after four successes.
    assert statuses == [200, 200, 503, 200, 200, 429]


def test_gocardless_slow(gc_balances_call, settings):
    call = gc_balances_call("error.slow")
    settings.SANDBOX_SLOW_MS = 150
    started = time.monotonic()
    assert call().status_code == 200
    assert time.monotonic() - started >= 0.15
