"""10,000 signed webhook deliveries through the whole path: the endpoint verifies (HMAC) and
stores each once, the processing task runs the provider's handler, which queues a debounced sync
of the connection it names; the sync runs against an in-process fake bank and writes rows.
Everything runs in this process (Celery eager), so the figures are the platform's own cost
without a broker hop. Reports deliveries/second for the whole path, and the time from a
delivery's arrival to its connection's synced rows (p50/p95) for the deliveries that queued a
sync (the others fell inside the debounce window of one that did).

The Plaid table is the same path with Plaid's own pieces: 10,000 deliveries signed by the mock
Plaid (an ES256 `Plaid-Verification` JWT over the body's SHA-256), verified by the Plaid
verifier (key fetched once, cached by kid), stored, processed by the Plaid handler, whose
SYNC_UPDATES_AVAILABLE queues a debounced sync that reads the Item's /transactions/sync cursor
from the mock Plaid (in-process over `responses`) and writes the changed rows. Each round the
bank changes one transaction of every Item; the debounce window is closed every
`window_rounds` rounds (standing in for 60 s passing), so a known share of deliveries syncs."""

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


def measure_plaid(deliveries: int, items: int, window_rounds: int = 20) -> dict:
    import re
    from urllib.parse import urlsplit

    import responses
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client, override_settings

    from config.celery import app
    from integrations_core.models import ConnectionStatus, SyncRun, WebhookEvent, WebhookStatus
    from integrations_core.providers.registry import registry
    from integrations_core.services.sync import connection_sync
    from open_banking.models import BankConnection, BankTransaction
    from sandbox.models import PlaidItem
    from sandbox.plaid import keys

    host = "http://plaid.bench.test"
    mock_client = Client()

    in_mock = [0.0]

    def forward(request):
        began = time.perf_counter()
        try:
            return _forward(request)
        finally:
            in_mock[0] += time.perf_counter() - began

    def _forward(request):
        headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in request.headers.items()
                   if k.lower().startswith("plaid")}
        answer = mock_client.post("/sandbox/plaid/api" + urlsplit(request.url).path, data=request.body,
                                  content_type="application/json", **headers)
        return answer.status_code, {"Content-Type": "application/json"}, answer.content

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    cache.clear()
    with override_settings(PLAID_URL=host, PLAID_CLIENT_ID="bench-plaid", PLAID_SECRET="bench-plaid-secret",
                           SANDBOX_CLIENT_ID="bench-plaid", SANDBOX_CLIENT_SECRET="bench-plaid-secret",
                           PLAID_WEBHOOK_DEBOUNCE_SECONDS=3600, SANDBOX_LATENCY_MS=0, PROVIDER_HTTP_RETRIES=0,
                           SECURE_SSL_REDIRECT=False), \
            responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, re.compile(re.escape(host) + r"/.*"), callback=forward)
        try:
            provider = registry.get("plaid")
            plaid = provider.client()
            connections = []
            slugs = ["amex", "chase", "bank-of-america", "wells-fargo", "capital-one"]
            from sandbox.plaid.data import PLAID_IDS

            for n in range(items):
                public = plaid.post("/sandbox/public_token/create", {
                    "institution_id": PLAID_IDS[slugs[n % len(slugs)]], "initial_products": ["transactions"],
                    "options": {"override_username": f"bench-{n}"}}, with_token=False)["public_token"]
                exchanged = plaid.public_token_exchange(public)
                # One person per Item, as in life: the sync's follow-up work (budget alerts,
                # recurring payments; eager here, a separate task in production) is per person.
                user = get_user_model().objects.create_user(username=f"bench-plaid-{n}",
                                                            email=f"bench-plaid-{n}@example.com")
                connection = BankConnection.objects.create(
                    user=user, provider="plaid", status=ConnectionStatus.ACTIVE, external_id=exchanged["item_id"],
                    access_token=exchanged["access_token"], institution_id=PLAID_IDS[slugs[n % len(slugs)]])
                initial = connection_sync(connection, trigger="connect")  # the history, before the clock starts
                assert initial.outcome == "succeeded", initial.account_results
                connections.append(connection)
            seeded_rows = BankTransaction.objects.filter(account__connection__provider="plaid").count()
            victims = {c.external_id: BankTransaction.objects.filter(account__connection=c, status="booked")
                       .order_by("-booked_date").values_list("external_id", "amount")[0] for c in connections}

            client = Client()
            statuses: dict[int, int] = {}
            to_synced: list[float] = []
            to_synced_app: list[float] = []
            spent = app_spent = 0.0
            sent = 0
            rounds = -(-deliveries // items)
            for round_no in range(rounds):
                if round_no % window_rounds == 0:
                    # The window has passed: the next delivery per Item queues a sync. The bank
                    # changes one transaction of every Item, so that sync has a row to write.
                    cache.delete_many([f"plaid-sync-debounce:{c.pk}" for c in connections])
                    for c in connections:
                        ext, amount = victims[c.external_id]
                        item = PlaidItem.objects.get(item_id=c.external_id)
                        item.mutations = {"modified": {ext: {"amount": round(float(-amount) + round_no + 1, 2)}}}
                        item.save(update_fields=["mutations"])
                for c in connections:
                    if sent >= deliveries:
                        break
                    body = json.dumps({"webhook_type": "TRANSACTIONS", "webhook_code": "SYNC_UPDATES_AVAILABLE",
                                       "item_id": c.external_id, "initial_update_complete": True,
                                       "historical_update_complete": True, "environment": "sandbox",
                                       "n": sent}).encode()
                    token = keys.sign(body)  # the mock Plaid's work, not ours: outside the timing
                    runs_before = SyncRun.objects.filter(connection_id=c.pk).count() if round_no % window_rounds == 0 \
                        else None
                    t0, mock_before = time.perf_counter(), in_mock[0]
                    response = client.post("/integrations/plaid/webhook/", body, content_type="application/json",
                                           HTTP_PLAID_VERIFICATION=token)
                    elapsed = time.perf_counter() - t0
                    mock_spent = in_mock[0] - mock_before
                    app_spent += elapsed - mock_spent
                    spent += elapsed
                    sent += 1
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    if runs_before is not None and SyncRun.objects.filter(connection_id=c.pk).count() > runs_before:
                        to_synced.append(elapsed)  # verified, stored, processed and synced inside this delivery
                        to_synced_app.append(elapsed - mock_spent)
            replay = client.post("/integrations/plaid/webhook/", body, content_type="application/json",
                                 HTTP_PLAID_VERIFICATION=token)
            stale_body = json.dumps({"webhook_type": "TRANSACTIONS", "webhook_code": "SYNC_UPDATES_AVAILABLE",
                                     "item_id": connections[0].external_id}).encode()
            stale = client.post("/integrations/plaid/webhook/", stale_body, content_type="application/json",
                                HTTP_PLAID_VERIFICATION=keys.sign(stale_body, iat=time.time() - 600))
            runs = SyncRun.objects.filter(provider="plaid", trigger="webhook")
            changed = sum(runs.values_list("updated", flat=True))
            modified_ok = all(
                BankTransaction.objects.get(account__connection=c, external_id=victims[c.external_id][0]).amount
                != victims[c.external_id][1] for c in connections)
            return {"deliveries": sent, "items": items, "seconds": spent, "statuses": statuses,
                    "processed": WebhookEvent.objects.filter(provider="plaid", status=WebhookStatus.PROCESSED).count(),
                    "replay_status": replay.status_code, "stale_status": stale.status_code,
                    "syncs": runs.count(), "rows_updated": changed, "seeded_rows": seeded_rows,
                    "modified_ok": modified_ok, "to_synced": to_synced, "to_synced_app": to_synced_app,
                    "app_seconds": app_spent, "mock_seconds": spent - app_spent,
                    "failed_syncs": runs.exclude(outcome="succeeded").count(),
                    "failures": sorted(set(runs.exclude(outcome="succeeded").values_list("error_code", flat=True)))}
        finally:
            app.conf.task_always_eager = eager


def run_plaid(quick: bool) -> None:
    deliveries, items = (1_000, 20) if quick else (10_000, 100)
    result = measure_plaid(deliveries, items)
    assert result["statuses"] == {202: deliveries} and result["processed"] == deliveries, result["statuses"]
    assert (result["replay_status"], result["stale_status"]) == (409, 401) and result["modified_ok"]
    lat, own = result["to_synced"], result["to_synced_app"]
    print_table(f"Plaid webhooks: {deliveries:,} ES256-signed deliveries to {items} Items (mock Plaid in-process)",
                ["measure", "value"], [
                    ["deliveries/second (ES256 verify, store, process, debounced cursor sync)",
                     f"{deliveries / result['seconds']:.0f}"],
                    ["seconds: the app / the mock Plaid answering its calls (signing excluded)",
                     f"{result['app_seconds']:.1f} / {result['mock_seconds']:.1f}"],
                    ["deliveries/second, the app's own work (mock Plaid's time taken out)",
                     f"{deliveries / result['app_seconds']:.0f}"],
                    ["events processed", f"{result['processed']:,}"],
                    ["incremental syncs run (failed) / rows updated",
                     f"{result['syncs']} ({result['failed_syncs']}) / {result['rows_updated']:,}"],
                    ["delivery -> synced rows p50 (ms)", f"{percentile(lat, 50) * 1000:.1f}" if lat else "-"],
                    ["delivery -> synced rows p95 (ms)", f"{percentile(lat, 95) * 1000:.1f}" if lat else "-"],
                    ["delivery -> synced rows p50 / p95, the app's own (ms)",
                     f"{percentile(own, 50) * 1000:.1f} / {percentile(own, 95) * 1000:.1f}" if own else "-"],
                    ["failed sync codes", ", ".join(result["failures"]) or "none"],
                    ["replayed / 10-minute-old delivery", f"refused {result['replay_status']} / {result['stale_status']}"],
                ])


def run(quick: bool) -> None:
    run_generic(quick)
    run_plaid(quick)


def run_generic(quick: bool) -> None:
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


