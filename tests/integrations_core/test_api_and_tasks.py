"""API conventions (auth, error format, schema, isolation, throttling) and the Celery tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from rest_framework.test import APIClient

from integrations_core.models import ConnectionStatus, ProviderSetting, SyncRun
from integrations_core.tasks import sync_due_connections

pytestmark = pytest.mark.django_db


def test_api_requires_authentication():
    response = APIClient().get("/api/v1/providers/")
    assert response.status_code in (401, 403)
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_providers_lists_enabled_configured_ones(api_client, fake_provider):
    slugs = {p["slug"] for p in api_client.get("/api/v1/providers/").json()}
    assert "fakebank" in slugs
    ProviderSetting.objects.create(provider="fakebank", enabled=False)
    slugs = {p["slug"] for p in api_client.get("/api/v1/providers/").json()}
    assert "fakebank" not in slugs


def test_provider_description_shape(api_client, fake_provider):
    fake = next(p for p in api_client.get("/api/v1/providers/").json() if p["slug"] == "fakebank")
    assert fake == {"slug": "fakebank", "name": "Fake Bank", "family": "banking", "auth_type": "oauth2",
                    "capabilities": sorted(c.value for c in fake_provider.capabilities), "consent_days": 90,
                    "logo_url": ""}


def test_another_users_connection_is_404(other_api_client, connection):
    response = other_api_client.post(f"/api/v1/connections/{connection.pk}/complete/", {"state": "x"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_ids_are_404_not_500(api_client):
    import uuid

    assert api_client.post(f"/api/v1/connections/{uuid.uuid4()}/complete/", {"state": "x"}).status_code == 404


def test_throttled_requests_get_429_with_retry_after(api_client, monkeypatch):
    from django.core.cache import cache
    from rest_framework.throttling import UserRateThrottle

    monkeypatch.setattr(UserRateThrottle, "get_rate", lambda self: "2/min")
    cache.clear()
    try:
        codes = [api_client.get("/api/v1/providers/").status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        last = api_client.get("/api/v1/providers/")
        assert last.status_code == 429 and int(last["Retry-After"]) > 0
        assert last.json()["error"]["code"] == "throttled"
    finally:
        cache.clear()


def test_schema_and_docs_are_published(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    body = schema.content.decode()
    assert "/api/v1/providers/" in body and "/api/v1/connections/{id}/complete/" in body
    assert client.get("/api/docs/").status_code == 200


def test_daily_fanout_syncs_every_connection_not_synced_recently(make_connection, fake_provider):
    now = timezone.now()
    due = make_connection(next_sync_at=now - timedelta(minutes=1), last_synced_at=now - timedelta(hours=20))
    never_synced = make_connection(next_sync_at=None)
    # Our own backoff does not keep a connection out of the daily run (the rule: services/schedule.py).
    backing_off = make_connection(next_sync_at=now + timedelta(hours=3), consecutive_failures=5,
                                  last_error_code="provider_down")
    fresh = make_connection(last_synced_at=now - timedelta(minutes=30), next_sync_at=now + timedelta(hours=20))
    waiting = make_connection(retry_after=now + timedelta(hours=1), last_error_code="rate_limited")
    revoked = make_connection(status=ConnectionStatus.REVOKED)
    reauth = make_connection(status=ConnectionStatus.REAUTH_REQUIRED)
    errored = make_connection(status=ConnectionStatus.ERROR, next_sync_at=now - timedelta(hours=1))
    assert sync_due_connections() == 4
    synced = set(SyncRun.objects.values_list("connection_id", flat=True))
    assert synced == {due.pk, never_synced.pk, backing_off.pk, errored.pk}
    assert not synced & {fresh.pk, waiting.pk, revoked.pk, reauth.pk}


def test_transient_failure_is_retried_then_recorded_as_error(connection, fake_provider, monkeypatch):
    from integrations_core.providers.errors import ProviderUnavailable
    from integrations_core.tasks import sync_connection

    from .fakes import deliver_like_a_worker

    fake_provider.failures["list_accounts"] = ProviderUnavailable()  # fails every attempt
    result, countdowns = deliver_like_a_worker(sync_connection, args=["open_banking.BankConnection",
                                                                      str(connection.pk)], monkeypatch=monkeypatch)
    assert result == "failed" and len(countdowns) == 3
    connection.refresh_from_db()
    assert SyncRun.objects.filter(connection_id=connection.pk).count() == 4  # 1 + 3 retries
    assert connection.status == ConnectionStatus.ERROR
    assert connection.user_state == "provider_down" and connection.consecutive_failures == 4


def test_setup_schedules_upserts_without_wiping_operator_edits(settings):
    call_command("setup_schedules", stdout=open("/dev/null", "w"))
    task = PeriodicTask.objects.get(name="daily-sync")
    assert task.task == "integrations_core.tasks.sync_due_connections"
    assert task.crontab.hour == str(settings.DAILY_SYNC_HOUR)
    # An operator moves it to 06:30 and pauses it.
    task.crontab = CrontabSchedule.objects.create(minute="30", hour="6")
    task.enabled = False
    task.save()
    call_command("setup_schedules", stdout=open("/dev/null", "w"))
    task.refresh_from_db()
    assert (task.crontab.hour, task.crontab.minute, task.enabled) == ("6", "30", False)
    assert PeriodicTask.objects.filter(name="daily-sync").count() == 1
    call_command("setup_schedules", "--reset", stdout=open("/dev/null", "w"))
    task.refresh_from_db()
    assert task.enabled and task.crontab.hour == str(settings.DAILY_SYNC_HOUR)


def test_every_scheduled_task_exists():
    """A schedule naming a task nobody registered would fail silently at 4am."""
    from config.celery import app
    from integrations_core.management.commands.setup_schedules import default_schedules

    app.loader.import_default_modules()
    for spec in default_schedules():
        assert spec["task"] in app.tasks, spec["task"]
