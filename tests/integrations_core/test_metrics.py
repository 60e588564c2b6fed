"""Metrics: the endpoint is off until restricted, 403 for anyone not allowed; our counters move
with syncs and webhooks; the Grafana dashboard parses and uses only metrics that exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from integrations_core.metrics import METRIC_NAMES
from integrations_core.providers.errors import ProviderUnavailable
from integrations_core.services.sync import connection_sync

pytestmark = pytest.mark.django_db
DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "grafana-dashboard.json"


def test_metrics_are_off_until_an_operator_restricts_them(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", []
    assert client.get("/metrics").status_code == 404


def test_a_token_is_required_when_set(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "scrape-token-123", []
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-123")
    assert ok.status_code == 200 and b"finance_queue_depth" in ok.content


def test_the_ip_allow_list_takes_addresses_and_ranges(client, settings):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "", ["10.0.0.0/8", "192.0.2.7"]
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.0.2.7").status_code == 200
    settings.METRICS_TOKEN = "t"  # both set: both must hold
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer t").status_code == 200


def _sample(text: str, name: str, **labels) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0 if want else float("nan")


def test_sync_and_webhook_counters_move(client, settings, connection, fake_provider):
    settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS = "t", []

    def scrape() -> str:
        return client.get("/metrics", HTTP_AUTHORIZATION="Bearer t").content.decode()

    from datetime import date

    from tests.integrations_core.fakes import txn

    fake_provider.data["acc-1"] = {"booked": [txn("t1", date(2026, 3, 31), "-3.00")]}
    before = scrape()
    connection_sync(connection, trigger="manual")
    fake_provider.failures["list_accounts"] = ProviderUnavailable("down")
    connection_sync(connection, trigger="manual")
    client.post("/integrations/fakebank/webhook/", b"{}", content_type="application/json")  # 404: no secret
    after = scrape()
    for outcome in ("succeeded", "failed"):
        assert _sample(after, "finance_sync_runs_total", provider="fakebank", outcome=outcome) == \
            _sample(before, "finance_sync_runs_total", provider="fakebank", outcome=outcome) + 1
    assert _sample(after, "finance_rows_written_total", provider="fakebank", change="added") > \
        _sample(before, "finance_rows_written_total", provider="fakebank", change="added")
    assert "django_http_requests_total_by_view_transport_method_total" in after  # django-prometheus is wired


def test_the_grafana_dashboard_parses_and_uses_only_metrics_that_exist():
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert len(exprs) >= 8
    used = {m for e in exprs for m in re.findall(r"\b(finance_[a-z_]+?)(?:_bucket|_count|_sum)?\b", e)}
    ours = {m for m in used if m.startswith("finance_")}
    assert ours <= METRIC_NAMES, ours - METRIC_NAMES
    assert {"finance_sync_runs_total", "finance_webhook_deliveries_total", "finance_queue_depth",
            "finance_provider_call_duration_seconds", "finance_rows_written_total"} <= ours
