"""The per-provider circuit breaker: trips after repeated provider-wide failures, pauses syncs
without calling the provider, resumes by itself after the cooldown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations_core.models import AuditEvent, BreakerState, ProviderSetting, SyncOutcome
from integrations_core.providers.errors import ConsentExpired, ProviderUnavailable, RateLimited
from integrations_core.selectors import connections_due
from integrations_core.services.sync import connection_sync
from open_banking.models import BankConnection

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_breaker(settings):
    settings.PROVIDER_BREAKER_THRESHOLD = 3
    settings.PROVIDER_BREAKER_COOLDOWN_SECONDS = 60


def fail_all(fake_provider, error, times):
    fake_provider.failures["list_accounts"] = [error] * times


def test_trips_after_threshold_and_pauses_without_calling_provider(make_connection, fake_provider):
    connections = [make_connection() for _ in range(4)]
    fail_all(fake_provider, ProviderUnavailable(), 3)
    for c in connections[:3]:
        assert connection_sync(c).outcome == SyncOutcome.FAILED
    setting = ProviderSetting.objects.get(provider="fakebank")
    assert setting.breaker_state == BreakerState.OPEN and setting.breaker_open_until > timezone.now()
    assert AuditEvent.objects.filter(action="provider.breaker_opened").count() == 1
    calls_before = len(fake_provider.seen_tokens)
    run = connection_sync(connections[3])
    assert run.outcome == SyncOutcome.SKIPPED and run.error_code == "provider_paused"
    assert len(fake_provider.seen_tokens) == calls_before  # the provider was left alone
    assert not connections_due(BankConnection, timezone.now()).exists()


def test_resumes_by_itself_after_cooldown(make_connection, fake_provider):
    connection = make_connection()
    fail_all(fake_provider, ProviderUnavailable(), 3)
    for _ in range(3):
        connection_sync(BankConnection.objects.get(pk=connection.pk))
    ProviderSetting.objects.update(breaker_open_until=timezone.now() - timedelta(seconds=1))
    assert connection_sync(BankConnection.objects.get(pk=connection.pk)).outcome == SyncOutcome.SUCCEEDED
    setting = ProviderSetting.objects.get(provider="fakebank")
    assert (setting.breaker_state, setting.breaker_failures) == (BreakerState.CLOSED, 0)


def test_failed_probe_reopens_for_longer(make_connection, fake_provider):
    connection = make_connection()
    fail_all(fake_provider, ProviderUnavailable(), 4)
    for _ in range(3):
        connection_sync(BankConnection.objects.get(pk=connection.pk))
    first_until = ProviderSetting.objects.get().breaker_open_until
    ProviderSetting.objects.update(breaker_open_until=timezone.now() - timedelta(seconds=1))
    connection_sync(BankConnection.objects.get(pk=connection.pk))  # the half-open probe fails
    setting = ProviderSetting.objects.get()
    assert setting.breaker_state == BreakerState.OPEN and setting.breaker_trips == 2
    assert setting.breaker_open_until - timezone.now() > timedelta(seconds=100)  # 2 x 60 s
    assert first_until is not None


@pytest.mark.parametrize("error", [ConsentExpired(), RateLimited(retry_after=5)])
def test_per_person_failures_do_not_trip_it(make_connection, fake_provider, error):
    for _ in range(5):
        fake_provider.failures["list_accounts"] = error
        connection_sync(make_connection())
    setting = ProviderSetting.objects.filter(provider="fakebank").first()
    assert setting is None or setting.breaker_state == BreakerState.CLOSED


def test_operator_sees_breaker_in_admin(client, make_user, make_connection, fake_provider):
    fail_all(fake_provider, ProviderUnavailable(), 3)
    for _ in range(3):
        connection_sync(make_connection())
    client.force_login(make_user("ops@example.com", is_staff=True, is_superuser=True))
    body = client.get("/admin/integrations_core/providersetting/").content.decode()
    assert "fakebank" in body and "Open (paused after provider-wide failures)" in body
