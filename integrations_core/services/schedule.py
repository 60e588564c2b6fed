"""When connections are synced, and the sweep that keeps sync runs truthful.

The rule (docs/reliability.md, "When a connection is synced"):

- The daily run (`tasks.sync_due_connections`, beat at DAILY_SYNC_HOUR) queues every syncable
  connection of an enabled, unpaused provider that has not synced successfully in the last
  SYNC_FRESH_SECONDS (so one connected an hour earlier is not synced twice), unless the
  provider told us to wait (`retry_after`) past now. Our own backoff never keeps a connection
  out of it: failing connections are tried at least once a day.
- `next_sync_at` is the latest time the next sync happens. After a good sync it is the next
  daily run (at least SYNC_FRESH_SECONDS away) plus SYNC_DAILY_SLACK_SECONDS; after a partial
  one, SYNC_PARTIAL_RETRY_SECONDS (or the failed accounts' wait); after a failure, the backoff,
  never later than the next daily run (plus slack) unless the provider's own wait is longer.
- The retry sweep (`tasks.sync_retry_due`, every few minutes) first closes runs whose worker
  died and marks queued runs nobody has started, then queues every syncable connection whose
  `next_sync_at` has passed and whose provider wait is over. So partial runs and failures are
  retried between daily runs, and a connection the daily run missed (beat down, message lost)
  is caught up.
- A connection with a task waiting in the broker (`sync_queued_until`) or a live lease is not
  queued again; a task that finds a sync started after it was queued does nothing.
- No wait goes into the broker for longer than max_countdown() (well below Redis's visibility
  timeout, after which a message is handed to a second worker): longer waits live in
  `next_sync_at`/`retry_after` and the sweep picks them up."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from integrations_core.models import Connection, SyncOutcome, SyncRun
from integrations_core.selectors import (
    connection_models,
    connections_due,
    connections_retry_due,
    sync_runs_unfinished,
)

logger = logging.getLogger(__name__)

INTERRUPTED_MESSAGE = ("This sync stopped before it finished (the server running it stopped). "
                       "Accounts already updated are kept; we will try again shortly.")
DELAYED_MESSAGE = "Waiting for a worker: this sync has not started yet. It will start by itself."
NOT_STARTED_MESSAGE = "This sync never started. The next scheduled sync brings your accounts up to date."


# --- times ----------------------------------------------------------------------------------
def fresh_window() -> timedelta:
    return timedelta(seconds=settings.SYNC_FRESH_SECONDS)


def daily_run_after(moment: datetime) -> datetime:
    """The first daily run (DAILY_SYNC_HOUR:00 in CELERY_TIMEZONE) at or after `moment`."""
    local = moment.astimezone(ZoneInfo(settings.CELERY_TIMEZONE))
    start = local.replace(hour=settings.DAILY_SYNC_HOUR, minute=0, second=0, microsecond=0)
    if start < local:
        start = (local + timedelta(days=1)).replace(hour=settings.DAILY_SYNC_HOUR, minute=0, second=0,
                                                    microsecond=0)
    return start


def _slack() -> timedelta:
    # The daily run spreads its tasks over DAILY_SYNC_JITTER_SECONDS; the sweep leaves them that
    # long and this much more before it calls a connection overdue.
    return timedelta(seconds=settings.DAILY_SYNC_JITTER_SECONDS + settings.SYNC_DAILY_SLACK_SECONDS)


def next_sync_after_success(now: datetime) -> datetime:
    """The daily run that will sync it next (the first not within the fresh window), plus slack."""
    return daily_run_after(now + fresh_window()) + _slack()


def next_sync_after_partial(now: datetime, wait: float | None = None) -> datetime:
    delay = max(float(settings.SYNC_PARTIAL_RETRY_SECONDS), wait or 0.0)
    return min(now + timedelta(seconds=delay), next_sync_after_success(now))


def next_sync_after_failure(now: datetime, backoff: timedelta, retry_after: datetime | None) -> datetime:
    """Our backoff never skips a daily run; the provider's explicit wait always holds."""
    due = min(now + backoff, daily_run_after(now) + _slack())
    return max(due, retry_after) if retry_after else due


def max_countdown() -> float:
    """The longest wait a task may spend in the broker: below the visibility timeout, after
    which Redis hands an unacknowledged message (waiting for its ETA) to another worker."""
    bound = float(settings.SYNC_MAX_COUNTDOWN_SECONDS)
    visibility = (getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}).get("visibility_timeout")
    return min(bound, visibility / 2) if visibility else bound


# --- queueing -------------------------------------------------------------------------------
def connection_queue_claim(connection: Connection, *, countdown: float = 0) -> None:
    """Note that a task for this connection is on its way (the fan-outs skip it meanwhile)."""
    until = timezone.now() + timedelta(seconds=countdown + settings.SYNC_QUEUE_GRACE_SECONDS)
    type(connection).objects.filter(pk=connection.pk).update(sync_queued_until=until)


def connection_queue_unclaim(connection: Connection) -> None:
    type(connection).objects.filter(pk=connection.pk).update(sync_queued_until=None)


def _queue(model: type[Connection], pks: list, *, trigger: str, spread: float) -> int:
    from kombu.exceptions import OperationalError

    from integrations_core.tasks import sync_connection

    spread = min(spread, max_countdown())
    queued = 0
    for pk in pks:
        countdown = random.uniform(0, spread) if spread > 0 else 0  # noqa: S311
        now = timezone.now()
        model.objects.filter(pk=pk).update(
            sync_queued_until=now + timedelta(seconds=countdown + settings.SYNC_QUEUE_GRACE_SECONDS))
        try:
            sync_connection.apply_async(args=[model._meta.label, str(pk)],
                                        kwargs={"trigger": trigger, "queued_at": now.isoformat()},
                                        countdown=countdown)
        except (OperationalError, ConnectionError, OSError) as exc:
            model.objects.filter(pk=pk).update(sync_queued_until=None)
            logger.warning("could not queue syncs (%s); the next sweep tries again", type(exc).__name__)
            break
        queued += 1
    return queued


def _queue_selected(selector, now: datetime, spread: float) -> int:
    """Queue, for every connection model, the connections `selector(model, now)` picks."""
    return sum(_queue(model, list(selector(model, now).values_list("pk", flat=True)), trigger="scheduled",
                      spread=spread) for model in connection_models())


def connections_queue_daily(now: datetime | None = None) -> int:
    count = _queue_selected(connections_due, now or timezone.now(), settings.DAILY_SYNC_JITTER_SECONDS)
    logger.info("daily sync queued %s connections", count)
    return count


def connections_queue_retries(now: datetime | None = None) -> int:
    count = _queue_selected(connections_retry_due, now or timezone.now(), settings.SYNC_RETRY_JITTER_SECONDS)
    if count:
        logger.info("retry sweep queued %s connections", count)
    return count


# --- the sweep that keeps runs truthful ------------------------------------------------------
def sync_runs_reap(now: datetime | None = None) -> dict[str, int]:
    """Close running runs whose worker died (their lease lapsed or moved on), mark queued runs
    nobody has started, and make their connections due again."""
    from .sync import connection_record_interrupted

    now = now or timezone.now()
    counts = {"interrupted": 0, "delayed": 0, "not_started": 0}
    ttl = timedelta(seconds=settings.SYNC_LOCK_TTL_SECONDS)  # a lapsed lease started at least this long ago
    for run in sync_runs_unfinished(SyncOutcome.RUNNING, started_before=now - ttl):
        connection = _connection_of(run)
        alive = (connection is not None and connection.sync_lock_run_id == run.pk
                 and connection.sync_lock_expires_at is not None and connection.sync_lock_expires_at >= now)
        if alive:
            continue
        closed = SyncRun.objects.filter(pk=run.pk, outcome=SyncOutcome.RUNNING).update(
            outcome=SyncOutcome.FAILED, error_code="interrupted", error=INTERRUPTED_MESSAGE,
            next_action="retry_later", finished_at=now)
        if closed and connection is not None:
            counts["interrupted"] += 1
            logger.info("closed interrupted run=%s connection=%s", run.pk, connection.pk)
            connection_record_interrupted(connection)

    expire_before = now - timedelta(seconds=settings.SYNC_QUEUED_EXPIRE_SECONDS)
    delay_before = now - timedelta(seconds=settings.SYNC_QUEUED_DELAY_SECONDS)
    for run in sync_runs_unfinished(SyncOutcome.QUEUED, started_before=delay_before):
        if run.started_at < expire_before:
            counts["not_started"] += SyncRun.objects.filter(pk=run.pk, outcome=SyncOutcome.QUEUED).update(
                outcome=SyncOutcome.FAILED, error_code="not_started", error=NOT_STARTED_MESSAGE,
                next_action="none", finished_at=now)
            continue
        if not run.error_code:
            counts["delayed"] += SyncRun.objects.filter(pk=run.pk, outcome=SyncOutcome.QUEUED, error_code="").update(
                error_code="delayed", error=DELAYED_MESSAGE)
        # Its task may be lost: make the connection due so the sweep queues one (whose sync then
        # fills this run in). A task still in the broker keeps its claim until the grace ends.
        connection = _connection_of(run)
        if connection is not None and connection.is_syncable:
            type(connection).objects.filter(pk=connection.pk).filter(
                Q(next_sync_at__isnull=True) | Q(next_sync_at__gt=now)).update(next_sync_at=now)
    return counts


def _connection_of(run: SyncRun) -> Connection | None:
    model = ContentType.objects.get_for_id(run.connection_type_id).model_class()
    if model is None:
        return None
    return model.objects.filter(pk=run.connection_id).first()
