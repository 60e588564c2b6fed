"""Inbound webhooks: verified per provider, stored once, processed by a task (idempotently),
replays and forgeries refused with nothing processed, refusals counted in bounded buckets,
operators replay from admin."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache

from integrations_core.models import AuditEvent, WebhookEvent, WebhookRejection, WebhookStatus
from integrations_core.services import webhooks as webhook_services
from integrations_core.services.webhooks import webhook_event_process, webhook_events_requeue
from integrations_core.tasks import webhook_event_process_task
from integrations_core.webhooks import VerifiedWebhook, WebhookRejected, sign

pytestmark = pytest.mark.django_db
SECRET = "whsec-test-secret"
URL = "/integrations/fakebank/webhook/"


@pytest.fixture
def signed_provider(fake_provider, monkeypatch):
    received = []
    monkeypatch.setattr(type(fake_provider), "webhook_secret", lambda self: SECRET)
    monkeypatch.setattr(type(fake_provider), "handle_webhook", lambda self, payload: received.append(payload))
    cache.clear()
    return received


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def send(body, *, secret=SECRET, timestamp=None, webhook_id="evt-1", signature=None, raw=None):
        raw = json.dumps(body).encode() if raw is None else raw
        ts = int(time.time()) if timestamp is None else timestamp
        headers = {"HTTP_X_WEBHOOK_ID": webhook_id,
                   "HTTP_X_WEBHOOK_SIGNATURE": signature or f"t={ts},v1={sign(secret, ts, raw)}"}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, raw, content_type="application/json", **headers)

    return send


def test_a_valid_delivery_is_stored_once_and_processed(post, signed_provider):
    response = post({"item_id": "item-1", "webhook_code": "SYNC_UPDATES_AVAILABLE"})
    assert response.status_code == 202
    assert signed_provider == [{"item_id": "item-1", "webhook_code": "SYNC_UPDATES_AVAILABLE"}]
    event = WebhookEvent.objects.get()
    assert (event.provider, event.delivery_id, event.status, event.attempts, event.verified) == \
        ("fakebank", "evt-1", WebhookStatus.PROCESSED, 1, True)
    assert event.processed_at is not None and response.json()["event"] == event.pk


def test_a_replay_is_refused_with_409_and_nothing_processed(post, signed_provider):
    assert post({"item_id": "x"}).status_code == 202
    replay = post({"item_id": "x"})
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "replayed"
    assert len(signed_provider) == 1 and WebhookEvent.objects.count() == 1
    assert WebhookRejection.objects.get(code="replayed").count == 1


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"signature": "nope"}, "unsigned"),
    ({"secret": "wrong-secret"}, "bad_signature"),
    ({"timestamp": int(time.time()) - 3600}, "stale"),
    ({"timestamp": int(time.time()) + 3600}, "stale"),
    ({"webhook_id": ""}, "unsigned"),
    ({"signature": "t=abc,v1=00"}, "bad_signature"),
])
def test_forged_stale_or_unsigned_deliveries_are_refused_with_nothing_stored(post, signed_provider, kwargs, code):
    response = post({"item_id": "x"}, **kwargs)
    assert response.status_code == 401 and response.json()["error"]["code"] == code
    assert signed_provider == [] and not WebhookEvent.objects.exists()
    rejection = WebhookRejection.objects.get()
    assert (rejection.provider, rejection.code, rejection.count) == ("fakebank", code, 1)


def test_a_signed_body_that_is_not_a_json_object_is_malformed(post, signed_provider):
    for raw in (b"not json", b"[1, 2]", b"[" * 5000):
        response = post(None, raw=raw, webhook_id=f"evt-{len(raw)}")
        assert response.status_code == 400 and response.json()["error"]["code"] == "malformed"
    assert signed_provider == [] and not WebhookEvent.objects.exists()


def test_a_flood_of_forgeries_fills_one_row_per_reason_and_minute(post, signed_provider):
    for n in range(40):
        assert post({"n": n}, secret="attacker", webhook_id=f"forged-{n}").status_code == 401
    rejection = WebhookRejection.objects.get()
    assert rejection.count == 40 and rejection.last_delivery_id == "forged-39"
    assert not WebhookEvent.objects.exists()


def test_a_forgery_cannot_use_up_a_real_delivery_id(post, signed_provider):
    assert post({"item_id": "evil"}, secret="attacker", webhook_id="evt-real").status_code == 401
    assert post({"item_id": "good"}, webhook_id="evt-real").status_code == 202
    assert signed_provider == [{"item_id": "good"}]


def test_secrets_in_a_payload_are_never_stored_but_ids_are(post, signed_provider):
    post({"item_id": "item-9", "access_token": "access-sandbox-SECRET", "nested": [{"public_token": "pub-SECRET",
                                                                                     "account_id": "acc-1"}]})
    stored = WebhookEvent.objects.get().payload
    assert stored == {"item_id": "item-9", "access_token": "[redacted]",
                      "nested": [{"public_token": "[redacted]", "account_id": "acc-1"}]}
    assert "SECRET" not in json.dumps(signed_provider)  # the handler sees what is stored


def test_processing_twice_runs_the_handler_once(signed_provider):
    event = WebhookEvent.objects.create(provider="fakebank", delivery_id="evt-2", payload={"item_id": "i"})
    assert webhook_event_process_task.apply(args=[event.pk]).get() == WebhookStatus.PROCESSED
    assert webhook_event_process_task.apply(args=[event.pk]).get() == WebhookStatus.PROCESSED
    assert signed_provider == [{"item_id": "i"}]
    event.refresh_from_db()
    assert event.attempts == 1


def test_a_failing_handler_is_recorded_its_writes_undone_and_a_retry_succeeds(fake_provider, monkeypatch, user):
    calls = []

    def handler(self, payload):
        calls.append(payload)
        AuditEvent.objects.create(action="handler.wrote")
        if len(calls) == 1:
            raise RuntimeError("institution lookup failed")

    monkeypatch.setattr(type(fake_provider), "handle_webhook", handler)
    event = WebhookEvent.objects.create(provider="fakebank", delivery_id="evt-3", payload={})
    with pytest.raises(RuntimeError):
        webhook_event_process(event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (WebhookStatus.ERROR, 1)
    assert "RuntimeError" in event.last_error and not AuditEvent.objects.filter(action="handler.wrote").exists()
    assert webhook_event_process(event.pk) == WebhookStatus.PROCESSED
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (WebhookStatus.PROCESSED, 2, "")
    assert AuditEvent.objects.filter(action="handler.wrote").count() == 1


def test_with_the_broker_down_the_event_waits_for_the_sweep(post, signed_provider, monkeypatch, settings):
    from kombu.exceptions import OperationalError

    broker = {"down": True}
    real = webhook_event_process_task.apply_async

    def apply_async(*args, **kwargs):
        if broker["down"]:
            raise OperationalError("broker down")
        return real(*args, **kwargs)

    monkeypatch.setattr(webhook_event_process_task, "apply_async", apply_async)
    assert post({"item_id": "x"}).status_code == 202  # stored: the provider need not resend
    assert WebhookEvent.objects.get().status == WebhookStatus.RECEIVED and signed_provider == []
    settings.WEBHOOK_REQUEUE_AFTER_SECONDS = 0
    assert webhook_events_requeue() == 1  # still down: it stays received, nothing lost
    broker["down"] = False
    assert webhook_events_requeue() == 1
    assert WebhookEvent.objects.get().status == WebhookStatus.PROCESSED and signed_provider == [{"item_id": "x"}]
    assert webhook_events_requeue() == 0


def test_operators_replay_an_event_from_admin_without_reverification(client, signed_provider, make_user,
                                                                   django_capture_on_commit_callbacks):
    admin_user = make_user("ops@example.com", is_staff=True, is_superuser=True)
    event = WebhookEvent.objects.create(provider="fakebank", delivery_id="evt-old", payload={"item_id": "i"},
                                        status=WebhookStatus.PROCESSED, attempts=1)
    client.force_login(admin_user)
    page = client.get("/admin/integrations_core/webhookevent/")
    assert page.status_code == 200 and b"evt-old" in page.content
    response = client.post("/admin/integrations_core/webhookevent/",
                           {"action": "replay", "_selected_action": [event.pk]})
    assert response.status_code == 302
    assert signed_provider == [{"item_id": "i"}]  # ran again although processed (and years past any signature)
    event.refresh_from_db()
    assert event.attempts == 2
    assert AuditEvent.objects.filter(action="webhook.replayed", actor=admin_user).exists()


def test_a_provider_with_its_own_verifier_is_verified_by_it(client, fake_provider, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    seen = []

    class HeaderVerifier:
        def verify(self, request, *, now):
            if request.headers.get("X-Test-Token") != "ok":
                raise WebhookRejected(401, "bad_signature")
            return VerifiedWebhook(delivery_id=request.headers["X-Test-Id"], payload=json.loads(request.body))

    monkeypatch.setattr(type(fake_provider), "webhook_verifier", lambda self: HeaderVerifier())
    monkeypatch.setattr(type(fake_provider), "handle_webhook", lambda self, payload: seen.append(payload))
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(URL, b'{"a": 1}', content_type="application/json", HTTP_X_TEST_TOKEN="ok",
                         HTTP_X_TEST_ID="d-1")
        bad = client.post(URL, b'{"a": 2}', content_type="application/json", HTTP_X_TEST_TOKEN="no",
                          HTTP_X_TEST_ID="d-2")
        again = client.post(URL, b'{"a": 1}', content_type="application/json", HTTP_X_TEST_TOKEN="ok",
                            HTTP_X_TEST_ID="d-1")
    assert (ok.status_code, bad.status_code, again.status_code) == (202, 401, 409)
    assert seen == [{"a": 1}]


def test_providers_without_webhooks_answer_404(client, fake_provider):
    assert client.post(URL, b"{}", content_type="application/json").status_code == 404
    assert client.post("/integrations/truelayer/webhook/", b"{}", content_type="application/json").status_code == 404
    assert client.post("/integrations/nosuch/webhook/", b"{}", content_type="application/json").status_code == 404
    assert client.get(URL).status_code == 405


def test_the_default_verifier_is_hmac_only_when_a_secret_is_declared(fake_provider, monkeypatch):
    from integrations_core.webhooks import HmacWebhookVerifier

    assert fake_provider.webhook_verifier() is None
    monkeypatch.setattr(type(fake_provider), "webhook_secret", lambda self: SECRET)
    assert isinstance(fake_provider.webhook_verifier(), HmacWebhookVerifier)


def test_redaction_reaches_every_depth():
    assert webhook_services.payload_redact({"a": {"Secret": 1, "b": [{"token": 2}, 3]}}) == \
        {"a": {"Secret": "[redacted]", "b": [{"token": "[redacted]"}, 3]}}


def test_debounced_sync_queues_once_per_window(connection, monkeypatch):
    from integrations_core.services import sync_queue
    from integrations_core.services.sync_queue import connection_sync_debounced

    queued = []
    monkeypatch.setattr(sync_queue, "connection_sync_enqueue", lambda c, trigger: queued.append((c.pk, trigger)))
    cache.clear()
    assert connection_sync_debounced(connection, seconds=60) is True
    assert connection_sync_debounced(connection, seconds=60) is False
    assert queued == [(connection.pk, "webhook")]
    cache.delete(f"sync-debounce:{connection.pk}")  # the window passes
    assert connection_sync_debounced(connection, seconds=60) is True and len(queued) == 2
    connection.status = "reauth_required"
    cache.clear()
    assert connection_sync_debounced(connection) is False and len(queued) == 2


def test_debounce_with_the_cache_down_falls_back_to_the_queued_mark(connection, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    from integrations_core.cache import CacheUnavailable
    from integrations_core.services import sync_queue

    def down(*args, **kwargs):
        raise CacheUnavailable()

    queued = []
    monkeypatch.setattr("integrations_core.cache.cache_add_strict", down)
    monkeypatch.setattr(sync_queue, "connection_sync_enqueue", lambda c, trigger: queued.append(c.pk))
    type(connection).objects.filter(pk=connection.pk).update(sync_queued_until=timezone.now() + timedelta(minutes=5))
    assert sync_queue.connection_sync_debounced(connection) is False
    type(connection).objects.filter(pk=connection.pk).update(sync_queued_until=None)
    assert sync_queue.connection_sync_debounced(connection) is True and queued == [connection.pk]
