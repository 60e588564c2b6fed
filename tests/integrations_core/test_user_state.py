"""Every state a person or an operator sees matches what happened: a connection that has failed
since its last good sync is never shown as fine, and a skipped run says why it was skipped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations_core.models import BreakerState, ProviderSetting, SyncOutcome, SyncRun
from integrations_core.providers.errors import RateLimited, RequestRejected
from integrations_core.services.sync import connection_sync
from open_banking.models import BankConnection
from web.presenters import connection_card

pytestmark = pytest.mark.django_db
BASE = "/api/v1/open-banking"


def reload(connection) -> BankConnection:
    return BankConnection.objects.get(pk=connection.pk)


def test_a_bank_that_never_synced_and_is_failing_is_not_shown_as_connected_once_its_wait_passes(
        api_client, client, user, connection, fake_provider, time_machine):
    """Before: once retry_after passed, a connection whose every sync had failed was "ok": a green
    "Connected · Last sync: Not yet"."""
    time_machine.move_to(timezone.now(), tick=True)
    fake_provider.failures["list_accounts"] = RateLimited(retry_after=600)
    connection_sync(connection, trigger="connect")
    time_machine.shift(timedelta(minutes=11))

    assert api_client.get(f"{BASE}/connections/{connection.pk}/").json()["user_state"] == "rate_limited"
    card = connection_card(reload(connection))
    assert (card.state, card.tone, card.headline) == ("rate_limited", "warn", "Paused by the bank")
    assert "The wait is over" in card.detail and card.can_sync
    client.force_login(user)
    page = client.get("/connections/").content.decode()
    assert "Paused by the bank" in page and "badge--ok" not in page


def test_a_first_sync_the_bank_refused_is_not_shown_as_connected(api_client, connection, fake_provider):
    fake_provider.failures["list_accounts"] = RequestRejected(status=404)
    connection_sync(connection, trigger="connect")
    body = api_client.get(f"{BASE}/connections/{connection.pk}/").json()
    assert (body["status"], body["user_state"], body["last_error_code"]) == ("active", "error", "request_rejected")
    card = connection_card(reload(connection))
    assert (card.tone, card.headline) == ("error", "Update failed")


def test_a_connection_not_synced_yet_says_so(connection):
    card = connection_card(connection)
    assert card.headline == "Connected" and "not fetched your accounts yet" in card.detail


def test_the_admin_shows_why_a_run_was_skipped(client, make_user, connection, fake_provider):
    """Before: every skipped run was labelled "Skipped (another sync was running)", also the ones
    the circuit breaker skipped."""
    ProviderSetting.objects.create(provider="fakebank", breaker_state=BreakerState.OPEN,
                                   breaker_open_until=timezone.now() + timedelta(minutes=10))
    run = connection_sync(connection)
    assert (run.outcome, run.error_code) == (SyncOutcome.SKIPPED, "provider_paused")
    client.force_login(make_user("ops@example.com", is_staff=True, is_superuser=True))
    body = client.get(reverse("admin:integrations_core_syncrun_changelist")).content.decode()
    assert "another sync was running" not in body
    assert "provider_paused" in body and "We have paused syncing with this provider" in body
    assert SyncOutcome(SyncRun.objects.get().outcome).label == "Skipped"
    page = client.get(reverse("admin:open_banking_bankconnection_change", args=[connection.pk])).content.decode()
    assert "Person sees" in page
