"""The sync engine: lock the connection, refresh the token if needed, fetch each account and
write it through the import service in its own transaction, record a SyncRun, and set the
connection's state. A failure never deletes or corrupts what is already stored."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from integrations_core.models import Connection, ConnectionStatus, SyncOutcome, SyncRun
from integrations_core.providers.errors import (
    ConsentExpired,
    ProviderAuthError,
    ProviderConfigurationError,
    ProviderError,
    RateLimited,
)
from integrations_core.providers.registry import UnknownProvider, registry
from integrations_core.selectors import connection_model_get, provider_is_enabled

from .account_sync import account_sync
from .audit import audit_record
from .breaker import breaker_allows, breaker_record_failure, breaker_record_success
from .tokens import token_needs_refresh, token_refresh

logger = logging.getLogger(__name__)

SUCCESS_INTERVAL = timedelta(hours=20)  # the next daily run picks it up again
# Failures that say the provider itself is unwell (not this person's consent or quota).
PROVIDER_WIDE_CODES = {"provider_down", "bad_response"}


class ConnectionBusy(Exception):
    pass


# --- lock -----------------------------------------------------------------------------------
def connection_lock_acquire(connection: Connection, owner: str | None = None) -> str | None:
    """Take the connection's sync lease. Returns the token, or None if another sync holds it.
    The same owner (a redelivered Celery task id) may take over its own lease."""
    token = owner or uuid.uuid4().hex
    now = timezone.now()
    free = Q(sync_lock_expires_at__isnull=True) | Q(sync_lock_expires_at__lt=now) | Q(sync_lock_token=token)
    taken = type(connection).objects.filter(pk=connection.pk).filter(free).update(
        sync_lock_token=token, sync_lock_expires_at=now + timedelta(seconds=settings.SYNC_LOCK_TTL_SECONDS)
    )
    return token if taken else None


def connection_lock_release(connection: Connection, token: str) -> None:
    type(connection).objects.filter(pk=connection.pk, sync_lock_token=token).update(
        sync_lock_token="", sync_lock_expires_at=None
    )
    # Keep the in-memory object in step, so a later full save() cannot write the lease back.
    if connection.sync_lock_token == token:
        connection.sync_lock_token, connection.sync_lock_expires_at = "", None


# --- hooks ----------------------------------------------------------------------------------
def _post_import_hooks() -> list[Callable]:
    return [import_string(path) for path in getattr(settings, "SYNC_POST_IMPORT_HOOKS", [])]


# --- the engine -----------------------------------------------------------------------------
def _new_run(connection: Connection, trigger: str, **fields) -> SyncRun:
    return SyncRun(user_id=connection.user_id, connection_type=ContentType.objects.get_for_model(connection),
                   connection_id=connection.pk, provider=connection.provider, trigger=trigger, **fields)


def connection_sync(connection: Connection, *, trigger: str = "scheduled", lock_owner: str | None = None,
                    run_id=None) -> SyncRun:
    """Sync one connection now. `run_id` names a queued SyncRun to fill in (a manual request);
    without one, or when it was already used (a retry), a new run is recorded."""
    run = None
    if run_id is not None:
        run = SyncRun.objects.filter(pk=run_id, connection_id=connection.pk, outcome=SyncOutcome.QUEUED).first()
    if run is None:
        run = _new_run(connection, trigger)
    run.outcome = SyncOutcome.RUNNING
    run.started_at = timezone.now()
    if not breaker_allows(connection.provider):
        return _skip(connection, run, "provider_paused",
                     "We have paused syncing with this provider while it has problems. It resumes by itself.")
    token = connection_lock_acquire(connection, lock_owner)
    if token is None:
        return _skip(connection, run, "", "Another sync of this connection is already running.")
    run.save()
    # Holding the lock, no other sync of this connection can be running: a run still marked
    # running was cut off (a worker killed mid-sync). Close it so the history tells the truth.
    SyncRun.objects.filter(connection_type=run.connection_type, connection_id=connection.pk,
                           outcome=SyncOutcome.RUNNING).exclude(pk=run.pk).update(
        outcome=SyncOutcome.FAILED, error_code="interrupted", next_action="none", finished_at=run.started_at,
        error="This sync was interrupted and has been run again.")
    try:
        connection.refresh_from_db()
        _run(connection, run)
    except ProviderError as exc:
        _record_failure(connection, run, exc)
    except Exception as exc:  # a bug must not leave the run "running" forever
        logger.exception("sync crashed provider=%s connection=%s", connection.provider, connection.pk)
        _record_failure(connection, run, ProviderError("Internal error"), internal=True)
        raise exc
    finally:
        connection_lock_release(connection, token)
    return run


def _skip(connection: Connection, run: SyncRun, code: str, message: str) -> SyncRun:
    run.outcome = SyncOutcome.SKIPPED
    run.finished_at = timezone.now()
    run.error_code, run.error = code, message
    run.next_action = "retry_later" if code else "none"
    run.save()
    return run


def _run(connection: Connection, run: SyncRun) -> None:
    if connection.status not in (ConnectionStatus.ACTIVE, ConnectionStatus.ERROR):
        raise ProviderConfigurationError(f"Connection is {connection.status}; nothing to sync")
    try:
        provider = registry.get(connection.provider)
    except UnknownProvider:
        raise ProviderConfigurationError("Provider is not installed") from None
    if not provider_is_enabled(provider.slug):
        raise ProviderConfigurationError("Provider is disabled by the operator")

    if token_needs_refresh(connection):
        token_refresh(connection, provider)
    state: dict[str, Any] = {"source": provider.bind(connection), "refreshed": False}

    def call(fn_name: str, *args, **kwargs):
        """Call the source; on a refused token refresh once and try again."""
        try:
            return getattr(state["source"], fn_name)(*args, **kwargs)
        except ConsentExpired:
            raise
        except ProviderAuthError:
            if state["refreshed"] or not connection.refresh_token:
                raise
            run.provider_calls += state["source"].calls
            token_refresh(connection, provider)
            state["source"], state["refreshed"] = provider.bind(connection), True
            return getattr(state["source"], fn_name)(*args, **kwargs)

    accounts = call("list_accounts")
    results: dict[str, dict] = {}
    hooks = _post_import_hooks()
    seen_external_ids = []
    # The connection's stored accounts in one query (after list_accounts, which may re-key some).
    stored = {a.external_id: a for a in connection.account_model.objects.filter(connection=connection)}
    for record in accounts:
        seen_external_ids.append(record.external_id)
        outcome = account_sync(connection, provider, record, known=stored.get(record.external_id), fetch=call,
                               hooks=hooks)
        results[record.external_id] = outcome.as_dict()
        run.added += outcome.result.added
        run.updated += outcome.result.updated
        run.removed += outcome.result.removed

    # Accounts the provider no longer returns are hidden, never deleted (their history stays).
    vanished = [a.pk for key, a in stored.items() if a.is_active and key not in seen_external_ids]
    if vanished:
        connection.account_model.objects.filter(pk__in=vanished).update(is_active=False)

    run.provider_calls += state["source"].calls
    run.account_results = results
    failed = [r for r in results.values() if r["status"] == "failed"]
    # An account that is partly synced (a stale balance, refused history) makes the run partial.
    problems = [r for r in results.values() if r["status"] != "ok"]
    if failed and len(failed) == len(results):
        first = failed[0]
        run.outcome, run.error_code, run.error = SyncOutcome.FAILED, first["error_code"], first["error"]
        run.next_action = "retry_later"
        waits = [r["retry_after"] for r in failed if r.get("retry_after")]
        _bump_failures(connection, first["error_code"], first["error"], min(waits) if waits else None)
        if first["error_code"] in PROVIDER_WIDE_CODES:
            breaker_record_failure(connection.provider, first["error_code"])
    else:
        run.outcome = SyncOutcome.PARTIAL if problems else SyncOutcome.SUCCEEDED
        run.next_action = "retry_later" if problems else "none"
        _record_success(connection)
        breaker_record_success(connection.provider)
    run.finished_at = timezone.now()
    run.save()


def _record_success(connection: Connection) -> None:
    now = timezone.now()
    connection.status = ConnectionStatus.ACTIVE
    connection.last_error = ""
    connection.last_error_code = ""
    connection.retry_after = None
    connection.consecutive_failures = 0
    connection.last_synced_at = now
    connection.next_sync_at = now + SUCCESS_INTERVAL
    connection.save(update_fields=["status", "last_error", "last_error_code", "retry_after",
                                   "consecutive_failures", "last_synced_at", "next_sync_at", "updated_at"])


def backoff_delay(failures: int) -> timedelta:
    """Exponential backoff with full jitter, capped."""
    ceiling = min(settings.SYNC_BACKOFF_MAX_SECONDS, settings.SYNC_BACKOFF_BASE_SECONDS * 2 ** max(0, failures - 1))
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))  # noqa: S311


def _bump_failures(connection: Connection, code: str, message: str, retry_after: float | None = None) -> None:
    now = timezone.now()
    connection.consecutive_failures += 1
    connection.last_error_code = code
    connection.last_error = message
    delay = backoff_delay(connection.consecutive_failures)
    if retry_after:
        connection.retry_after = now + timedelta(seconds=retry_after)
        delay = max(delay, timedelta(seconds=retry_after))
    connection.next_sync_at = now + delay
    connection.save(update_fields=["consecutive_failures", "last_error_code", "last_error", "retry_after",
                                   "next_sync_at", "updated_at"])


def _record_failure(connection: Connection, run: SyncRun, exc: ProviderError, internal: bool = False) -> None:
    connection.refresh_from_db()
    run.outcome = SyncOutcome.FAILED
    run.error_code = "internal_error" if internal else exc.code
    run.error = "Something went wrong on our side. We will try again." if internal else exc.user_message
    run.finished_at = timezone.now()
    if isinstance(exc, ConsentExpired | ProviderAuthError):
        run.next_action = "reconnect"
        connection.status = ConnectionStatus.REAUTH_REQUIRED
        connection.last_error, connection.last_error_code = ConsentExpired.user_message, ConsentExpired.code
        connection.save(update_fields=["status", "last_error", "last_error_code", "updated_at"])
        audit_record("connection.reauth_required", connection=connection, details={"code": exc.code})
    elif isinstance(exc, ProviderConfigurationError):
        run.next_action = "contact_support"
    else:
        run.next_action = "retry_later"
        retry_after = exc.retry_after if isinstance(exc, RateLimited) else None
        _bump_failures(connection, run.error_code, run.error, retry_after)
        if run.error_code in PROVIDER_WIDE_CODES:
            breaker_record_failure(connection.provider, run.error_code)
    run.save()
    logger.info("sync failed provider=%s connection=%s code=%s", connection.provider, connection.pk, run.error_code)


def connection_record_final_failure(connection: Connection, run: SyncRun | None = None) -> None:
    """Called when every retry of a transient failure is spent: the connection shows an error
    until the next good sync (which the daily run keeps trying, with backoff)."""
    if connection.status == ConnectionStatus.ACTIVE:
        connection.status = ConnectionStatus.ERROR
        connection.save(update_fields=["status", "updated_at"])
        audit_record("connection.sync_failed", connection=connection,
                     details={"code": connection.last_error_code, "failures": connection.consecutive_failures})


def connection_sync_by_id(model_label: str, connection_id, **kwargs) -> SyncRun | None:  # noqa: D401
    model = connection_model_get(model_label)
    connection = model.objects.filter(pk=connection_id).first()
    if connection is None:
        return None
    return connection_sync(connection, **kwargs)


class SyncQueueUnavailable(Exception):
    """The task queue (broker) cannot take the request; nothing was changed."""


def connection_sync_request(connection: Connection, *, trigger: str = "manual") -> SyncRun:
    """A person or operator asks for a sync now: record a queued SyncRun they can watch and send
    the task straight away. If the broker is down the run is marked failed and
    SyncQueueUnavailable is raised (the API answers 503); nothing else changes."""
    from kombu.exceptions import OperationalError

    from integrations_core.tasks import sync_connection

    run = _new_run(connection, trigger, outcome=SyncOutcome.QUEUED)
    run.save()
    try:
        sync_connection.apply_async(args=[connection._meta.label, str(connection.pk)],
                                    kwargs={"trigger": trigger, "run_id": str(run.pk)})
    except (OperationalError, ConnectionError, OSError) as exc:
        logger.warning("could not queue sync connection=%s: %s", connection.pk, type(exc).__name__)
        run.outcome, run.error_code = SyncOutcome.FAILED, "queue_unavailable"
        run.error, run.next_action = "We could not start the sync right now. Try again shortly.", "retry_later"
        run.finished_at = timezone.now()
        run.save()
        raise SyncQueueUnavailable() from exc
    run.refresh_from_db()  # an eager worker (tests, dev) may already have filled it in
    return run


def connection_sync_enqueue(connection: Connection, *, trigger: str = "manual", countdown: float = 0) -> None:
    """Queue a sync. Inside a transaction it is sent once the transaction commits (so the worker
    sees the tokens) and a broker failure is only logged: the daily run picks the connection up
    (its next_sync_at is due). Outside one it is sent now, and a broker failure raises
    SyncQueueUnavailable so the caller can answer 503."""
    from kombu.exceptions import OperationalError

    from integrations_core.tasks import sync_connection

    label = connection._meta.label

    def send() -> None:
        sync_connection.apply_async(args=[label, str(connection.pk)], kwargs={"trigger": trigger},
                                    countdown=countdown)

    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(send, robust=True)
        return
    try:
        send()
    except (OperationalError, ConnectionError, OSError) as exc:
        logger.warning("could not queue sync connection=%s: %s", connection.pk, type(exc).__name__)
        raise SyncQueueUnavailable() from exc
