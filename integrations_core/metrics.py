"""The platform's own Prometheus metrics (django-prometheus adds the request and database ones).

Counters and histograms are incremented where things happen: in web processes (webhook
deliveries) and in Celery workers (syncs, provider calls, webhook processing). With more than
one process, set PROMETHEUS_MULTIPROC_DIR to a directory every process shares and the metrics
endpoint adds them up (prometheus_client's multiprocess mode). Queue depths are read at scrape
time (QueueDepthCollector). Names are listed in METRIC_NAMES; the Grafana dashboard in docs/
uses only these (a test checks)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900)

SYNC_RUNS = Counter("finance_sync_runs_total", "Finished syncs by provider and outcome.", ["provider", "outcome"])
SYNC_DURATION = Histogram("finance_sync_duration_seconds", "Wall time of a sync run.", ["provider"],
                          buckets=LATENCY_BUCKETS)
PROVIDER_CALL_DURATION = Histogram("finance_provider_call_duration_seconds",
                                   "Latency of one HTTP call to a provider (retries included).",
                                   ["provider", "outcome"], buckets=LATENCY_BUCKETS)
ROWS_WRITTEN = Counter("finance_rows_written_total", "Rows a sync added, updated or removed.",
                       ["provider", "change"])
WEBHOOK_DELIVERIES = Counter("finance_webhook_deliveries_total",
                             "Inbound webhook deliveries by provider and outcome (accepted or why refused).",
                             ["provider", "outcome"])
WEBHOOK_PROCESSED = Counter("finance_webhook_events_processed_total",
                            "Webhook events processed by provider and outcome (processed, error).",
                            ["provider", "outcome"])
WEBHOOK_LAG = Histogram("finance_webhook_processing_lag_seconds",
                        "From a delivery's arrival to the end of its processing.", ["provider"],
                        buckets=LATENCY_BUCKETS)
ALERTS_RAISED = Counter("finance_alerts_raised_total", "Alerts raised (each cause once).", ["kind", "audience"])

QUEUE_DEPTH = "finance_queue_depth"
METRIC_NAMES = frozenset({
    "finance_sync_runs_total", "finance_sync_duration_seconds", "finance_provider_call_duration_seconds",
    "finance_rows_written_total", "finance_webhook_deliveries_total", "finance_webhook_events_processed_total",
    "finance_webhook_processing_lag_seconds", "finance_alerts_raised_total", QUEUE_DEPTH,
})

# The provider whose calls are being made (set by the sync engine around a sync), so the HTTP
# layer can label call latency without knowing about providers.
current_provider: ContextVar[str] = ContextVar("metrics_current_provider", default="unknown")


@contextmanager
def provider_calls_labelled(provider: str) -> Iterator[None]:
    token = current_provider.set(provider)
    try:
        yield
    finally:
        current_provider.reset(token)


def sync_run_observe(run) -> None:
    """Count one finished run (called by the sync engine; never raises into it)."""
    try:
        SYNC_RUNS.labels(run.provider, run.outcome).inc()
        if run.duration_seconds is not None:
            SYNC_DURATION.labels(run.provider).observe(run.duration_seconds)
        for change in ("added", "updated", "removed"):
            if getattr(run, change):
                ROWS_WRITTEN.labels(run.provider, change).inc(getattr(run, change))
    except Exception:  # metrics must never fail a sync
        logger.exception("could not record sync metrics")


class QueueDepthCollector(Collector):
    """Depths read when Prometheus scrapes: the Celery queue in the broker (skipped if the
    broker does not answer within its short timeout), queued sync runs and webhook events
    waiting to be processed (one cheap count each)."""

    def collect(self):
        gauge = GaugeMetricFamily(QUEUE_DEPTH, "Work waiting, by queue.", labels=["queue"])
        try:
            from integrations_core.models import SyncOutcome, SyncRun, WebhookEvent, WebhookStatus

            gauge.add_metric(["sync_runs_queued"], SyncRun.objects.filter(outcome=SyncOutcome.QUEUED).count())
            gauge.add_metric(["webhook_events_pending"],
                             WebhookEvent.objects.exclude(status=WebhookStatus.PROCESSED).count())
        except Exception:  # the database is down: /readyz says so; metrics still answer
            logger.warning("queue depth: database unavailable")
        depth = broker_queue_depth()
        if depth is not None:
            gauge.add_metric(["celery"], depth)
        yield gauge


def broker_queue_depth(queue: str = "celery") -> int | None:
    from config.celery import app

    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
            return conn.default_channel.queue_declare(queue=queue, passive=True).message_count
    except Exception:
        return None


_registered = False


def collectors_register() -> None:
    global _registered
    if not _registered:
        REGISTRY.register(QueueDepthCollector())
        _registered = True
