"""10,000 signed webhook deliveries through the whole path: the endpoint verifies (HMAC) and
stores each once, the processing task runs the provider's handler, which queues a debounced sync
of the connection it names; the sync runs against an in-process fake bank and writes rows.
Everything runs in this process (Celery eager), so the figures are the platform's own cost
without a broker hop. Reports deliveries/second for the whole path, and the time from a
delivery's arrival to its connection's synced rows (p50/p95) for the deliveries that queued a
sync (the others fell inside the debounce window of one that did)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from bench.harness import percentile, print_table

SECRET = "bench-webhook-secret"


def _provider():
    from django.utils import timezone

    from integrations_core.services.sync_queue import connection_sync_debounced
    from open_banking.models import BankConnection
    from tests.integrations_core.fakes import FakeBankProvider, txn

    class BenchHooksProvider(FakeBankProvider):
        """The fake bank with the HMAC webhook scheme; its handler queues a debounced sync."""

        slug = "benchhooks"
        name = "Bench webhooks"

        def webhook_secret(self):
            return SECRET

        def handle_webhook(self, payload):
            connection = BankConnection.objects.filter(provider=self.slug, external_id=payload["item_id"]).first()
            if connection is not None:
                connection_sync_debounced(connection)

    provider = BenchHooksProvider()
    start = timezone.now().date() - timedelta(days=5)
    provider.data["acc-1"] = {"booked": [txn(f"t{n}", start + timedelta(days=n % 5), f"-{n + 1}.00")
                                         for n in range(10)]}
    return provider


def measure(deliveries: int, connections: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client
    from django.utils import timezone

    from config.celery import app
    from integrations_core.models import ConnectionStatus, SyncRun, WebhookEvent, WebhookStatus
    from integrations_core.providers.registry import registry
    from integrations_core.webhooks import sign
    from open_banking.models import BankConnection, BankTransaction

    provider = _provider()
    registry.register(provider)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    cache.clear()
    try:
        user = get_user_model().objects.create_user(username="bench-hooks", email="bench-hooks@example.com")
        BankConnection.objects.bulk_create([BankConnection(
            user=user, provider=provider.slug, status=ConnectionStatus.ACTIVE, external_id=f"item-{n}",
            access_token="bench-token", token_expires_at=timezone.now() + timedelta(days=1))
            for n in range(connections)])
        client = Client()
        statuses: dict[int, int] = {}
        to_synced: list[float] = []
        started = time.perf_counter()
        for n in range(deliveries):
            body = json.dumps({"item_id": f"item-{n % connections}", "webhook_code": "SYNC_UPDATES_AVAILABLE",
                               "n": n}).encode()
            ts = int(time.time())
            runs_before = SyncRun.objects.count() if n < connections else None
            t0 = time.perf_counter()
            response = client.post(f"/integrations/{provider.slug}/webhook/", body, content_type="application/json", secure=True,
                                   HTTP_X_WEBHOOK_ID=f"bench-{n}",
                                   HTTP_X_WEBHOOK_SIGNATURE=f"t={ts},v1={sign(SECRET, ts, body)}")
            elapsed = time.perf_counter() - t0
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if runs_before is not None and SyncRun.objects.count() > runs_before:
                to_synced.append(elapsed)  # the sync ran inside this delivery's processing
        total = time.perf_counter() - started
        replay = client.post(f"/integrations/{provider.slug}/webhook/", body, content_type="application/json", secure=True,
                             HTTP_X_WEBHOOK_ID=f"bench-{deliveries - 1}",
                             HTTP_X_WEBHOOK_SIGNATURE=f"t={ts},v1={sign(SECRET, ts, body)}")
        processed = WebhookEvent.objects.filter(provider=provider.slug, status=WebhookStatus.PROCESSED).count()
        rows = BankTransaction.objects.filter(account__connection__provider=provider.slug).count()
        return {"deliveries": deliveries, "connections": connections, "seconds": total, "statuses": statuses,
                "processed": processed, "replay_status": replay.status_code,
                "syncs": SyncRun.objects.filter(provider=provider.slug).count(), "rows": rows,
                "to_synced": to_synced}
    finally:
        app.conf.task_always_eager = eager
        registry.unregister(provider.slug)


def run(quick: bool) -> None:
    deliveries, connections = (1_000, 20) if quick else (10_000, 100)
    result = measure(deliveries, connections)
    assert result["processed"] == deliveries and result["statuses"] == {202: deliveries}, result["statuses"]
    assert result["replay_status"] == 409
    lat = result["to_synced"]
    print_table(f"Webhooks: {deliveries:,} signed deliveries to {connections} connections (debounce 60 s)",
                ["measure", "value"], [
                    ["deliveries/second (verify, store, process, debounced sync)",
                     f"{deliveries / result['seconds']:.0f}"],
                    ["total seconds", f"{result['seconds']:.1f}"],
                    ["events processed", f"{result['processed']:,}"],
                    ["syncs run / rows written", f"{result['syncs']} / {result['rows']:,}"],
                    ["delivery -> synced rows p50 (ms)", f"{percentile(lat, 50) * 1000:.1f}" if lat else "-"],
                    ["delivery -> synced rows p95 (ms)", f"{percentile(lat, 95) * 1000:.1f}" if lat else "-"],
                    ["replayed delivery", f"refused {result['replay_status']}"],
                ])


