"""What a provider's answer means for everyone else, for the wait and for the run's record, with
the real TrueLayer client on its recorded payloads (`responses` stands in for the network, so
every request goes through the shared HTTP layer and its retries)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from integrations_core.models import BreakerState, ProviderSetting, SyncOutcome
from integrations_core.providers.registry import registry
from integrations_core.services.sync import connection_sync
from open_banking.models import BankConnection
from tests.open_banking.providers.test_truelayer import ACCOUNT_ID, CARD_ID, DATA

from .test_midsync_faults import BANKS

pytestmark = pytest.mark.django_db
BASE = "/api/v1/open-banking"
BANK = BANKS["truelayer"]


def reload(connection) -> BankConnection:
    return BankConnection.objects.get(pk=connection.pk)


# --- 2. one person's 4xx is not the provider being down ----------------------------------------
def test_one_persons_closed_accounts_do_not_pause_the_provider_for_everyone(make_user, rsps, settings):
    """A closed account answers 404. Before, an unexplained 4xx was `bad_response`, which the
    circuit breaker counts as the provider being unwell: a few syncs of one person's closed
    accounts paused TrueLayer for every other person."""
    settings.PROVIDER_BREAKER_THRESHOLD = 2
    alice, bob = BANK.make_connection(make_user()), BANK.make_connection(make_user())
    BANK.register(rsps, BANK.payloads())
    for balance in (f"{DATA}/accounts/{ACCOUNT_ID}/balance", f"{DATA}/cards/{CARD_ID}/balance"):
        rsps.replace(responses.GET, balance, status=404, json={"error": "not_found"})  # Alice's accounts are closed

    for _ in range(3):
        run = connection_sync(reload(alice))
        assert (run.outcome, run.error_code, run.next_action) == (SyncOutcome.FAILED, "request_rejected",
                                                                  "retry_later")
    assert not ProviderSetting.objects.filter(provider="truelayer").exclude(breaker_state=BreakerState.CLOSED).exists()
    assert reload(alice).user_state == "error", "her bank refused her request; it is not 'not responding'"

    for balance, name in ((f"{DATA}/accounts/{ACCOUNT_ID}/balance", "account_balance"),
                          (f"{DATA}/cards/{CARD_ID}/balance", "card_balance")):
        rsps.replace(responses.GET, balance, json=BANK.payloads()[name])  # Bob's accounts answer
    assert connection_sync(reload(bob)).outcome == SyncOutcome.SUCCEEDED, "Bob's sync is not paused"


def test_provider_wide_failures_still_trip_the_breaker(make_user, rsps, settings):
    settings.PROVIDER_BREAKER_THRESHOLD = 2
    connections = [BANK.make_connection(make_user()) for _ in range(2)]
    BANK.register(rsps, BANK.payloads())
    rsps.replace(responses.GET, f"{DATA}/accounts", status=503, json={"error": "provider_error"})
    for connection in connections:
        assert connection_sync(connection).error_code == "provider_down"
    assert ProviderSetting.objects.get(provider="truelayer").breaker_state == BreakerState.OPEN


# --- 5. rate limited without Retry-After -------------------------------------------------------
def test_rate_limited_listing_accounts_without_retry_after_waits_the_providers_default_and_says_so(
        api_client, user, rsps):
    """Before, a 429 with no Retry-After on the accounts list recorded a rate-limited run but left
    retry_after empty, so the person's state said "ok" and we would call again at once."""
    connection = BANK.make_connection(user)
    BANK.register(rsps, BANK.payloads())
    rsps.replace(responses.GET, f"{DATA}/accounts", status=429, json={"error": "provider_too_many_requests"})

    run = connection_sync(connection)
    assert (run.outcome, run.error_code) == (SyncOutcome.FAILED, "rate_limited")
    fresh = reload(connection)
    wait = registry.get("truelayer").default_retry_after
    assert abs((fresh.retry_after - timezone.now()).total_seconds() - wait) < 60
    assert fresh.next_sync_at >= fresh.retry_after
    body = api_client.get(f"{BASE}/connections/{connection.pk}/").json()
    assert body["user_state"] == "rate_limited" and body["retry_after"]
    refused = api_client.post(f"{BASE}/connections/{connection.pk}/sync/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "rate_limited"


# --- 7. every HTTP attempt is counted, also when the sync fails ---------------------------------
def test_a_sync_that_fails_part_way_records_every_http_attempt_including_retries(api_client, user, rsps, settings):
    """Before, a run's provider_calls stayed 0 when the sync raised (it was added up only at the
    end of a sync that finished), and urllib3's retries inside a request were never counted."""
    settings.PROVIDER_HTTP_RETRIES = 3
    connection = BANK.make_connection(user)
    payloads = BANK.payloads()
    BANK.register(rsps, payloads)
    balance = f"{DATA}/accounts/{ACCOUNT_ID}/balance"
    rsps.remove(responses.GET, balance)
    rsps.get(balance, status=503, json={"error": "provider_error"})  # retried inside the request...
    rsps.get(balance, status=503, json={"error": "provider_error"})
    rsps.get(balance, json=payloads["account_balance"])  # ...and answered on the third attempt
    rsps.replace(responses.GET, f"{DATA}/cards/{CARD_ID}/balance", status=403, json={"error": "access_denied"})

    run = connection_sync(connection)
    assert (run.outcome, run.next_action) == (SyncOutcome.FAILED, "reconnect")
    assert len(rsps.calls) == 8  # accounts, cards, balance ×3, transactions, pending, the card's 403
    assert run.provider_calls == len(rsps.calls)
    listed = api_client.get(f"{BASE}/connections/{connection.pk}/sync-runs/").json()["results"]
    assert listed[0]["provider_calls"] == 8


def test_a_good_sync_counts_its_calls_too(user, rsps):
    connection = BANK.make_connection(user)
    BANK.register(rsps, BANK.payloads())
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED and run.provider_calls == len(rsps.calls) > 0
    assert reload(connection).next_sync_at > timezone.now() + timedelta(hours=2)
