"""Redis goes away while the platform runs: the API still serves reads (the cache degrades, see
integrations_core/cache.py), a manual sync answers a clear 503 quickly (Celery's short publish
retry policy), and nothing stored changes. A real redis-server on a free loopback port is killed
in the middle of the test; the app is pointed at it for the cache and the Celery broker.

The 503 path with a monkeypatched broker is tests/open_banking/test_api.py::
test_manual_sync_with_the_queue_down_is_503_and_changes_nothing; this one uses real sockets."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from integrations_core.models import SyncOutcome, SyncRun
from open_banking.models import BankAccount, BankConnection, BankTransaction

pytestmark = pytest.mark.django_db

BASE = "/api/v1/open-banking"
PASSWORD = "correct-horse-battery"


@pytest.fixture
def on_throwaway_redis(redis_server, settings):
    """Cache and Celery broker on the throwaway Redis, tasks really published (not eager)."""
    from config.celery import app

    settings.CACHES = {"default": {
        "BACKEND": "integrations_core.cache.ResilientRedisCache", "LOCATION": redis_server.url,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    saved = {k: app.conf[k] for k in ("broker_url", "broker_write_url", "broker_transport_options",
                                      "task_always_eager")}
    # kombu keeps connection pools in a global registry: the suite's own pools are set aside and
    # put back untouched; only the throwaway Redis's pools are closed.
    own_pool, own_producers = app._pool, app.amqp._producer_pool
    app._pool = app.amqp._producer_pool = None
    app.conf.update(broker_url=redis_server.url, broker_write_url=redis_server.url, task_always_eager=False,
                    broker_transport_options={"visibility_timeout": 3600})
    try:
        yield redis_server
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool, app.amqp._producer_pool = own_pool, own_producers
        app.conf.update(saved)


def snapshot() -> list:
    return [
        sorted(BankTransaction.objects.values_list("id", "amount", "description", "status", "category",
                                                   "updated_at"), key=str),
        sorted(BankAccount.objects.values_list("id", "current_balance", "is_active", "updated_at"), key=str),
        sorted(BankConnection.objects.values_list("id", "status", "last_error_code", "retry_after", "next_sync_at",
                                                  "consecutive_failures", "last_synced_at", "updated_at"), key=str),
    ]


def test_redis_down_reads_work_manual_sync_is_503_nothing_changes(on_throwaway_redis, bank_data, user):
    server = on_throwaway_redis
    client = APIClient()
    login = client.post("/_allauth/app/v1/auth/login", {"email": user.email, "password": PASSWORD}, format="json")
    assert login.status_code == 200, login.content
    client.credentials(HTTP_X_SESSION_TOKEN=login.json()["meta"]["session_token"])
    pk = bank_data["connection"].pk
    reads = ["connections/", f"connections/{pk}/", f"connections/{pk}/sync-runs/", "accounts/",
             f"accounts/{bank_data['current'].pk}/", f"accounts/{bank_data['current'].pk}/balances/",
             "transactions/", f"transactions/{bank_data['txns']['t1'].pk}/"]

    # Redis up: the cache is really this Redis (throttle history lives there) and a sync is queued on it.
    before_reads = {path: client.get(f"{BASE}/{path}").json() for path in reads}
    assert any(b"throttle" in key for key in server.client.keys("*")), "the cache is the throwaway Redis"
    queued = client.post(f"{BASE}/connections/{pk}/sync/")
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    assert server.client.llen("celery") == 1, "the task is waiting on the broker"
    before = snapshot()

    server.kill()
    server.wait(timeout=10)

    # Reads still work, fast, with the same data.
    for path in reads:
        started = time.monotonic()
        response = client.get(f"{BASE}/{path}")
        assert response.status_code == 200, (path, response.content)
        assert response.json() == before_reads[path] or path.endswith("sync-runs/"), path
        assert time.monotonic() - started < 3, path
    # Logging in still works (allauth's rate limits fail open while the cache is down).
    relogin = APIClient().post("/_allauth/app/v1/auth/login", {"email": user.email, "password": PASSWORD},
                               format="json")
    assert relogin.status_code == 200

    # A manual sync is refused clearly and quickly.
    started = time.monotonic()
    refused = client.post(f"{BASE}/connections/{pk}/sync/")
    assert time.monotonic() - started < 10
    assert refused.status_code == 503, refused.content
    assert int(refused["Retry-After"]) > 0
    assert refused.json() == {"error": {"code": "queue_unavailable", "fields": {},
                                        "message": "We could not start the sync right now. Try again shortly."}}
    # Nothing stored changed; the refused request is on record as a failed run the person can see.
    assert snapshot() == before
    failed = SyncRun.objects.get(connection_id=pk, error_code="queue_unavailable")
    assert (failed.outcome, failed.next_action) == (SyncOutcome.FAILED, "retry_later")
    assert cache.get("anything") is None  # the cache degrades to misses instead of raising


def test_redis_down_webhooks_still_refuse_replays(on_throwaway_redis, fake_provider, monkeypatch, client):
    """Replay protection is the event log's unique (provider, delivery id), not the cache: with
    Redis (cache and broker) down a new delivery is still stored once (202, processed later by
    the sweep) and a replay is still refused."""
    from integrations_core.models import WebhookEvent, WebhookStatus
    from integrations_core.webhooks import sign

    def post(body: dict, webhook_id: str):
        import json as _json

        raw, ts = _json.dumps(body).encode(), int(time.time())
        return client.post("/integrations/fakebank/webhook/", raw, content_type="application/json",
                           HTTP_X_WEBHOOK_ID=webhook_id, HTTP_X_WEBHOOK_SIGNATURE=f"t={ts},v1={sign('s', ts, raw)}")

    received = []
    monkeypatch.setattr(type(fake_provider), "webhook_secret", lambda self: "s")
    monkeypatch.setattr(type(fake_provider), "handle_webhook", lambda self, payload: received.append(payload))
    on_throwaway_redis.kill()
    on_throwaway_redis.wait(timeout=10)
    assert post({"n": 2}, "evt-down").status_code == 202
    assert post({"n": 2}, "evt-down").status_code == 409
    assert WebhookEvent.objects.get().status == WebhookStatus.RECEIVED and received == []
