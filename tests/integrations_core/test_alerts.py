"""Alerts: raised from core events, each cause once until it resolves, to the person (in-app and
e-mail) and to operators; a reconnect moved by a webhook handler alerts exactly once."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from integrations_core.models import Alert, ConnectionStatus, Notification, WebhookEvent
from integrations_core.providers.errors import ProviderUnavailable
from integrations_core.services.alerts import alert_raise, alerts_evaluate_all, connection_alerts_evaluate
from integrations_core.services.breaker import breaker_record_failure, breaker_record_success
from integrations_core.services.connections import connection_reconnect_required
from integrations_core.services.sync import connection_sync
from integrations_core.tasks import webhook_event_process_task
from integrations_core.webhooks import sign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.ALERT_FAILURE_THRESHOLD = 3
    settings.ADMINS = [("Ops", "ops@example.com")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_one_cause_pages_once_until_it_resolves_then_again(user):
    first = alert_raise("failing:x:person", kind="failing", audience="person", title="T", user=user)
    assert first is not None
    assert alert_raise("failing:x:person", kind="failing", audience="person", title="T", user=user) is None
    assert Notification.objects.filter(user=user).count() == 1 and len(mail.outbox) == 1
    Alert.objects.filter(pk=first.pk).update(resolved_at=timezone.now())
    assert alert_raise("failing:x:person", kind="failing", audience="person", title="T", user=user) is not None
    assert Notification.objects.filter(user=user).count() == 2


def test_consecutive_failures_alert_the_person_and_operators_once(connection, fake_provider, user):
    fake_provider.failures["list_accounts"] = [ProviderUnavailable("down")] * 5
    for _ in range(5):
        connection_sync(connection, trigger="manual")
    connection.refresh_from_db()
    assert connection.consecutive_failures == 5
    person = Notification.objects.filter(user=user, kind="failing")
    operators = Notification.objects.filter(user__isnull=True, kind="failing")
    assert person.count() == 1 and operators.count() == 1
    # the person, operators, then (five provider-wide failures) the breaker, once
    assert [m.to for m in mail.outbox] == [["alice@example.com"], ["ops@example.com"], ["ops@example.com"]]
    assert "circuit breaker" in mail.outbox[2].subject
    assert not any("access-token" in m.body for m in mail.outbox)
    breaker_record_success("fakebank")  # an operator resumes the provider
    connection_sync(connection, trigger="manual")  # and the connection recovers
    assert not Alert.objects.filter(kind="failing", resolved_at__isnull=True).exists()


def test_consent_expiring_within_seven_days_alerts_from_the_daily_job(make_connection, user):
    soon = make_connection(consent_expires_at=timezone.now() + timedelta(days=6, hours=23))
    make_connection(consent_expires_at=timezone.now() + timedelta(days=8))
    alerts_evaluate_all()
    alerts_evaluate_all()
    [note] = Notification.objects.filter(user=user, kind="expiring")
    assert "Reconfirm" in note.title and Alert.objects.get(kind="expiring").connection_id == soon.pk
    soon.consent_expires_at = timezone.now() + timedelta(days=90)  # reconfirmed
    soon.save()
    alerts_evaluate_all()
    assert Alert.objects.get(kind="expiring").resolved_at is not None


def test_a_breaker_opening_alerts_operators_once_and_closing_resolves_it(settings):
    settings.PROVIDER_BREAKER_THRESHOLD = 2
    for _ in range(4):
        breaker_record_failure("fakebank", "provider_down")
    assert Notification.objects.filter(kind="breaker_open", user__isnull=True).count() == 1
    assert len(mail.outbox) == 1 and "fakebank" in mail.outbox[0].subject
    breaker_record_success("fakebank")
    assert Alert.objects.get(kind="breaker_open").resolved_at is not None


def test_rate_limits_near_exhaustion_alert_operators(make_connection, fake_provider):
    for _ in range(3):
        make_connection(retry_after=timezone.now() + timedelta(hours=1))
    make_connection()
    alerts_evaluate_all()
    assert Alert.objects.filter(kind="quota_low", provider="fakebank", resolved_at__isnull=True).count() == 1


def test_a_webhook_moving_a_connection_to_reconnect_alerts_the_person_exactly_once(
        client, connection, fake_provider, monkeypatch, user, django_capture_on_commit_callbacks):
    monkeypatch.setattr(type(fake_provider), "webhook_secret", lambda self: "s")

    def handle(self, payload):  # what a provider's handler does on ITEM_LOGIN_REQUIRED
        from open_banking.models import BankConnection

        connection_reconnect_required(BankConnection.objects.get(external_id=payload["item_id"]),
                                      code="item_login_required")

    monkeypatch.setattr(type(fake_provider), "handle_webhook", handle)
    type(connection).objects.filter(pk=connection.pk).update(external_id="item-1")
    raw = json.dumps({"item_id": "item-1", "webhook_code": "ITEM_LOGIN_REQUIRED"}).encode()
    ts = int(time.time())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/integrations/fakebank/webhook/", raw, content_type="application/json",
                               HTTP_X_WEBHOOK_ID="w-1", HTTP_X_WEBHOOK_SIGNATURE=f"t={ts},v1={sign('s', ts, raw)}")
    assert response.status_code == 202
    event = WebhookEvent.objects.get()
    webhook_event_process_task.apply(args=[event.pk], kwargs={"force": True})  # processed twice
    alerts_evaluate_all()  # and the daily job sees it too
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REAUTH_REQUIRED
    assert Notification.objects.filter(user=user, kind="reconnect").count() == 1
    assert [m.to for m in mail.outbox] == [["alice@example.com"]]


def test_notifications_api_lists_mine_and_marks_read(api_client, user, other_user):
    mine = Notification.objects.create(user=user, kind="failing", title="Mine")
    theirs = Notification.objects.create(user=other_user, kind="failing", title="Theirs")
    assert [n["title"] for n in api_client.get("/api/v1/notifications/").json()] == ["Mine"]
    read = api_client.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert read.status_code == 200 and read.json()["is_read"] is True
    assert api_client.get("/api/v1/notifications/?unread=true").json() == []
    assert api_client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404


def test_evaluating_a_healthy_connection_raises_nothing(connection):
    connection_alerts_evaluate(connection)
    assert not Alert.objects.exists() and not mail.outbox
