"""Asking for a sync: record the run a person can watch, note the task is on its way, send it.

What happens when the broker cannot take the task depends on who asked: a person pressing
"Sync now" gets a clear 503 (the run is failed `queue_unavailable`); a connection that has
just been authorised is connected all the same, and its first sync stays queued (with a
message saying so) for the retry sweep to start once the broker is back."""

from __future__ import annotations

import logging

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from integrations_core.models import Connection, SyncOutcome, SyncRun

from .schedule import connection_queue_claim, connection_queue_unclaim

logger = logging.getLogger(__name__)

QUEUE_DOWN_MESSAGE = "We could not start the sync right now. Try again shortly."
DEFERRED_MESSAGE = "We could not start this sync yet. It will start by itself within a few minutes."


class SyncQueueUnavailable(Exception):
    """The task queue (broker) cannot take the request; nothing was changed."""


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError

    return (OperationalError, ConnectionError, OSError)


def sync_run_new(connection: Connection, trigger: str, **fields) -> SyncRun:
    return SyncRun(user_id=connection.user_id, connection_type=ContentType.objects.get_for_model(connection),
                   connection_id=connection.pk, provider=connection.provider, trigger=trigger, **fields)


def _send(connection: Connection, run: SyncRun, trigger: str) -> None:
    from integrations_core.tasks import sync_connection

    connection_queue_claim(connection)
    try:
        sync_connection.apply_async(args=[connection._meta.label, str(connection.pk)],
                                    kwargs={"trigger": trigger, "run_id": str(run.pk)})
    except _broker_errors():
        connection_queue_unclaim(connection)
        raise


def _defer(connection: Connection, run: SyncRun, exc: BaseException) -> None:
    """The broker is down: the run stays queued and says so; the connection is due now, so the
    retry sweep queues it when the broker is back (and that sync fills this run in)."""
    logger.warning("could not queue sync connection=%s: %s; left for the retry sweep", connection.pk,
                   type(exc).__name__)
    SyncRun.objects.filter(pk=run.pk, outcome=SyncOutcome.QUEUED).update(
        error_code="queue_unavailable", error=DEFERRED_MESSAGE)
    type(connection).objects.filter(pk=connection.pk).update(next_sync_at=timezone.now())


def connection_sync_request(connection: Connection, *, trigger: str = "manual", defer: bool = False) -> SyncRun:
    """Record a queued SyncRun and send its task. With `defer` (a connection just authorised) a
    broker failure never fails the caller: inside a transaction the task is sent once it
    commits, and if the broker is down the run stays queued for the retry sweep. Without it (a
    person's "Sync now") the task is sent at once and a broker failure marks the run failed and
    raises SyncQueueUnavailable (the API answers 503)."""
    run = sync_run_new(connection, trigger, outcome=SyncOutcome.QUEUED)
    run.save()
    if defer:
        def send_or_defer() -> None:
            try:
                _send(connection, run, trigger)
            except _broker_errors() as exc:
                _defer(connection, run, exc)

        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(send_or_defer, robust=True)
            return run
        send_or_defer()
    else:
        try:
            _send(connection, run, trigger)
        except _broker_errors() as exc:
            logger.warning("could not queue sync connection=%s: %s", connection.pk, type(exc).__name__)
            run.outcome, run.error_code = SyncOutcome.FAILED, "queue_unavailable"
            run.error, run.next_action = QUEUE_DOWN_MESSAGE, "retry_later"
            run.finished_at = timezone.now()
            run.save()
            raise SyncQueueUnavailable() from exc
    run.refresh_from_db()  # an eager worker (tests, dev) may already have filled it in
    return run


def connection_sync_enqueue(connection: Connection, *, trigger: str = "manual") -> None:
    """Queue a sync without a run to watch (the admin's "Sync now"). Inside a transaction it is
    sent once the transaction commits (so the worker sees what was written) and a broker failure
    is only logged: the connection is made due and the retry sweep picks it up. Outside one it is
    sent now, and a broker failure raises SyncQueueUnavailable."""
    from integrations_core.tasks import sync_connection

    label = connection._meta.label

    def send() -> None:
        connection_queue_claim(connection)
        try:
            sync_connection.apply_async(args=[label, str(connection.pk)],
                                        kwargs={"trigger": trigger, "queued_at": timezone.now().isoformat()})
        except _broker_errors():
            connection_queue_unclaim(connection)
            raise

    if transaction.get_connection().in_atomic_block:
        def send_after_commit() -> None:
            try:
                send()
            except _broker_errors() as exc:
                logger.warning("could not queue sync connection=%s: %s", connection.pk, type(exc).__name__)
                type(connection).objects.filter(pk=connection.pk).update(next_sync_at=timezone.now())

        transaction.on_commit(send_after_commit, robust=True)
        return
    try:
        send()
    except _broker_errors() as exc:
        logger.warning("could not queue sync connection=%s: %s", connection.pk, type(exc).__name__)
        raise SyncQueueUnavailable() from exc


def connection_sync_debounced(connection: Connection, *, seconds: int | None = None,
                              trigger: str = "webhook") -> bool:
    """Queue a sync of this connection unless one was queued in the last `seconds`
    (WEBHOOK_SYNC_DEBOUNCE_SECONDS, 60 by default), for webhook handlers: a burst of "new data"
    notices for one item becomes one sync. True if a sync was queued. Safe to call twice for one
    delivery (handlers are idempotent). The window is an atomic cache.add; with the cache down it
    falls back to the connection's own "a task is on its way" mark, so a burst still queues at most
    one task while that task waits. A connection that is not syncable (needs reconnecting,
    revoked) is not queued."""
    from django.conf import settings
    from django.core.cache import cache

    from integrations_core.cache import CacheUnavailable, cache_add_strict

    if not connection.is_syncable:
        return False
    window = settings.WEBHOOK_SYNC_DEBOUNCE_SECONDS if seconds is None else seconds
    try:
        first = cache_add_strict(cache, f"sync-debounce:{connection.pk}", 1, timeout=max(1, window))
    except CacheUnavailable:
        queued_until = type(connection).objects.filter(pk=connection.pk).values_list(
            "sync_queued_until", flat=True).first()
        first = queued_until is None or queued_until < timezone.now()
    if not first:
        return False
    connection_sync_enqueue(connection, trigger=trigger)
    return True
