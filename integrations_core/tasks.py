"""Thin Celery tasks: load ids, call a service, retry transient failures (briefly: long waits live
on the connection, not in the broker), and run the schedule (services/schedule.py)."""

from __future__ import annotations

import logging
import random
from datetime import datetime

from celery import shared_task
from django.utils import timezone

from .models import SyncOutcome
from .providers.errors import BadProviderResponse, ProviderUnavailable, RateLimited
from .selectors import connection_model_get
from .services.schedule import (
    connection_queue_claim,
    connections_queue_daily,
    connections_queue_retries,
    max_countdown,
    sync_runs_reap,
)
from .services.sync import connection_sync_by_id

logger = logging.getLogger(__name__)

TRANSIENT_CODES = {RateLimited.code, ProviderUnavailable.code, BadProviderResponse.code}
RETRY_BASE_SECONDS = 60


def retry_countdown(attempt: int, retry_after: datetime | None) -> float | None:
    """Seconds until the task's next attempt: 60·2ⁿ plus up to 30 s of jitter, never sooner than
    the provider's Retry-After. None when that is longer than a task may wait in the broker
    (max_countdown()): the wait is already on the connection (next_sync_at), and the retry
    sweep picks it up then."""
    countdown = RETRY_BASE_SECONDS * 2 ** attempt + random.uniform(0, 30)  # noqa: S311
    if retry_after is not None:
        countdown = max(countdown, (retry_after - timezone.now()).total_seconds())
    return countdown if countdown <= max_countdown() else None


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=14 * 60, time_limit=15 * 60)
def sync_connection(self, model_label: str, connection_id: str, trigger: str = "scheduled",
                    run_id: str | None = None, queued_at: str | None = None) -> str | None:
    run = connection_sync_by_id(model_label, connection_id, trigger=trigger, run_id=run_id, queued_at=queued_at,
                                attempt=self.request.retries)
    if run is None:
        return None
    if run.outcome == SyncOutcome.FAILED and run.error_code in TRANSIENT_CODES \
            and self.request.retries < self.max_retries:
        connection = connection_model_get(model_label).objects.get(pk=connection_id)
        countdown = retry_countdown(self.request.retries, connection.retry_after)
        # Eagerly (tests, dev) a retry would run at once inside the caller, ignoring the wait,
        # and raise into it: leave it to the retry sweep, as for a long wait.
        if countdown is not None and not self.request.is_eager:
            connection_queue_claim(connection, countdown=countdown)
            raise self.retry(countdown=countdown)
    return run.outcome


@shared_task(acks_late=True)
def sync_due_connections() -> int:
    """The daily run: every connection not synced in the last SYNC_FRESH_SECONDS, spread over
    DAILY_SYNC_JITTER_SECONDS."""
    return connections_queue_daily()


@shared_task(acks_late=True)
def sync_retry_due() -> int:
    """Every few minutes: close runs whose worker died, mark queued runs nobody has started,
    then queue every connection whose next_sync_at has passed (partial runs, failures, waits)."""
    reaped = sync_runs_reap()
    if any(reaped.values()):
        logger.info("sync sweep: %s", reaped)
    return connections_queue_retries()


@shared_task(acks_late=True)
def purge_revoked_connections() -> int:
    """Daily: delete disconnected connections' data once the retention period has passed."""
    from .services.connections import connections_purge_revoked

    return connections_purge_revoked()


@shared_task(acks_late=True)
def tidy_abandoned_connects() -> int:
    """Hourly: delete connects left "Not finished" for longer than ABANDONED_CONNECT_HOURS."""
    from .services.connections import connections_tidy_abandoned

    return connections_tidy_abandoned()


# --- webhooks (services/webhooks.py) ----------------------------------------------------------
WEBHOOK_MAX_RETRIES = 6


@shared_task(bind=True, acks_late=True, max_retries=WEBHOOK_MAX_RETRIES)
def webhook_event_process_task(self, event_id: int, force: bool = False) -> str:
    """Process one stored webhook event; a failing handler is retried 30 s·2ⁿ (+ jitter, at
    most an hour) apart, WEBHOOK_MAX_RETRIES times; after that the event stays `error` for an
    operator to replay from admin."""
    from .services.webhooks import webhook_event_process

    try:
        return webhook_event_process(event_id, force=force)
    except Exception as exc:
        if self.request.is_eager or self.request.retries >= self.max_retries:
            return "error"
        countdown = min(3600, 30 * 2 ** self.request.retries) + random.uniform(0, 10)  # noqa: S311
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(acks_late=True)
def webhook_events_sweep() -> int:
    """Every few minutes: send events whose task never went (the broker was down when they came)."""
    from .services.webhooks import webhook_events_requeue

    return webhook_events_requeue()


# --- alerts (services/alerts.py) --------------------------------------------------------------
@shared_task(acks_late=True)
def alerts_daily() -> int:
    """Daily (and from the sweep): expiring consents and tokens, failing connections,
    connections waiting for a reconnect, quotas nearly spent, open breakers."""
    from .services.alerts import alerts_evaluate_all

    return alerts_evaluate_all()
