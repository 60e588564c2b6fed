"""The whole journey against the sandbox over real HTTP (pytest's live_server), for both
providers: connect through the mock bank's pages, first sync, re-sync, every fault login,
disconnect. Nothing here is mocked: the provider clients talk to the sandbox's views."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from integrations_core.models import ConnectionStatus, SyncOutcome, SyncRun
from integrations_core.services.sync import connection_sync, connection_sync_by_id
from open_banking.models import BankAccount, BankConnection, BankTransaction
from open_banking.providers.gocardless.models import QuotaLedger

testing = pytest.importorskip("sandbox.testing", reason="the sandbox app is not installed")
faults = pytest.importorskip("sandbox.faults", reason="the sandbox app is not installed")

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "/api/v1/open-banking"
PROVIDERS = {"truelayer": "ob-monzo", "gocardless": "MONZO_MONZGB2L"}


@pytest.fixture
def sandbox(live_server, settings, monkeypatch):
    site = live_server.url
    settings.TRUELAYER_AUTH_URL = f"{site}/sandbox/truelayer/auth"
    settings.TRUELAYER_API_URL = f"{site}/sandbox/truelayer/api"
    settings.TRUELAYER_CLIENT_ID = settings.SANDBOX_CLIENT_ID
    settings.TRUELAYER_CLIENT_SECRET = settings.SANDBOX_CLIENT_SECRET
    settings.TRUELAYER_PROVIDERS = "uk-cs-mock uk-ob-all uk-oauth-all"
    settings.GOCARDLESS_API_URL = f"{site}/sandbox/gocardless/api/v2"
    settings.GOCARDLESS_SECRET_ID = settings.SANDBOX_CLIENT_ID
    settings.GOCARDLESS_SECRET_KEY = settings.SANDBOX_CLIENT_SECRET
    settings.SANDBOX_SLOW_MS = 50
    settings.SANDBOX_RETRY_AFTER_SECONDS = 3600
    # oauthlib refuses plain-HTTP token endpoints unless told this is a test bench.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    call_command("seed_institutions", "--skip-remote", stdout=io.StringIO())
    return site


@pytest.fixture
def web(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def one_attempt(monkeypatch):
    """Run queued syncs once, inline, as a worker's first attempt would (no eager retries), so
    the state a person sees between attempts can be checked."""
    def run_once(*, args, kwargs, countdown=0):
        connection_sync_by_id(args[0], args[1], **kwargs)

    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async", run_once)


def connect(web, provider: str, username: str = "john") -> BankConnection:
    """API create -> the mock bank's login and consent pages -> our browser callback."""
    response = web.post(f"{BASE}/connections/", {"provider": provider, "institution": PROVIDERS[provider]},
                        content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    location = testing.complete_bank_dialog(requests.Session(), body["authorization_url"], username=username,
                                            institution="monzo")
    parts = urlsplit(location)
    assert parts.path == f"/integrations/{provider}/callback/"
    done = web.get(f"{parts.path}?{parts.query}")
    assert done.status_code == 302 and "connected=" in done["Location"], done["Location"]
    return BankConnection.objects.get(pk=body["id"])


@pytest.mark.parametrize("provider", PROVIDERS)
def test_full_journey_connect_sync_resync_disconnect(sandbox, web, provider, one_attempt):
    connection = connect(web, provider)
    assert connection.status == ConnectionStatus.ACTIVE
    assert connection.last_synced_at is not None, "the first sync ran after the callback"
    first = SyncRun.objects.get(connection_id=connection.pk)
    assert (first.trigger, first.outcome) == ("connect", SyncOutcome.SUCCEEDED), first.account_results
    assert BankAccount.objects.filter(connection=connection).count() >= 2
    assert BankTransaction.objects.filter(account__connection=connection).count() > 10
    accounts = BankAccount.objects.filter(connection=connection)
    assert all(a.current_balance is not None for a in accounts)
    # Per account and sync: at most balances + booked + pending (details on the first sync only).
    assert first.provider_calls <= 2 + 4 * accounts.count()

    before = sorted(BankTransaction.objects.values_list("id", "external_id", "amount", "status", "updated_at"))
    again = connection_sync(connection, trigger="manual")
    assert again.outcome == SyncOutcome.SUCCEEDED, again.account_results
    assert (again.added, again.updated, again.removed) == (0, 0, 0)
    assert sorted(BankTransaction.objects.values_list("id", "external_id", "amount", "status",
                                                      "updated_at")) == before
    # Connection-level listing (TrueLayer: /accounts + /cards; GoCardless: the requisition) + 3 each.
    assert again.provider_calls <= 2 + 3 * accounts.count()

    api = web.get(f"{BASE}/connections/{connection.pk}/").json()
    assert api["user_state"] == "ok" and api["consent_expires_at"]
    assert web.get(f"{BASE}/transactions/", {"connection": str(connection.pk)}).json()["results"]

    assert web.delete(f"{BASE}/connections/{connection.pk}/").status_code == 204
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED and connection.access_token == ""


FAULT_STATES = {
    "error.provider_error": "provider_down",
    "error.rate_limit": "rate_limited",
    "error.expired": "reauth_required",
    "error.malformed": "provider_down",
    "error.slow": "ok",
    "error.flaky": "ok",
}


def test_every_sandbox_fault_login_is_covered():
    assert set(FAULT_STATES) == set(faults.FAULT_LOGINS)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("login", sorted(FAULT_STATES))
def test_fault_logins_end_in_the_right_user_state(sandbox, web, provider, login, one_attempt):
    connection = connect(web, provider, username=login)
    connection.refresh_from_db()
    body = web.get(f"{BASE}/connections/{connection.pk}/").json()
    assert body["user_state"] == FAULT_STATES[login], (body, list(SyncRun.objects.values("account_results")))
    if FAULT_STATES[login] == "reauth_required":
        assert body["reconnect_url"].endswith(f"/connections/{connection.pk}/reconnect/")
    if FAULT_STATES[login] == "rate_limited":
        assert body["retry_after"] and connection.retry_after > timezone.now()
    if FAULT_STATES[login] != "ok":
        assert body["last_error"]
        assert not BankTransaction.objects.filter(account__connection=connection).exists(), \
            "a fault is never stored as an empty history"


def test_gocardless_quota_is_spent_at_most_once_per_scope_per_sync(sandbox, web, one_attempt):
    connection = connect(web, "gocardless")
    connection_sync(connection, trigger="manual")
    for account in BankAccount.objects.filter(connection=connection):
        rows = {r.scope: r for r in QuotaLedger.objects.filter(account_id=account.external_id)}
        assert rows["details"].successful_calls == 1
        assert rows["transactions"].successful_calls == 2 and rows["balances"].successful_calls == 2
        assert rows["transactions"].remaining == 2  # as the sandbox announced it
