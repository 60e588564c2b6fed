"""The sync engine: take the connection's lease, refresh the token if needed, hand the source to
the runner for its kind (services/runners/: per account, cursor, snapshot), which fetches and
writes through the import service, record a SyncRun, and set the connection's state. A failure never deletes or corrupts what is already stored.

The lease rules are in services/leases.py, the schedule rule (what the daily run and the retry
sweep queue, and what next_sync_at means) in services/schedule.py."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from integrations_core import metrics
from integrations_core.models import PROVIDER_DOWN_CODES, Connection, ConnectionStatus, SyncOutcome, SyncRun
from integrations_core.person_cache import person_data_changed
from integrations_core.providers.base import Provider
from integrations_core.providers.errors import (
    ConsentExpired,
    DataNotReady,
    ProviderAuthError,
    ProviderConfigurationError,
    ProviderError,
    RateLimited,
)
from integrations_core.providers.http import CallMeter, metered
from integrations_core.providers.registry import UnknownProvider, registry
from integrations_core.selectors import connection_model_get, provider_setting_get
from integrations_core.sync_scope import sync_scope

from .alerts import connection_alerts_evaluate
from .audit import audit_record
from .breaker import breaker_allows, breaker_record_failure, breaker_record_success
from .leases import Lease, LeaseLost, connection_lock_acquire, connection_lock_release
from .runners import RunContext, runner_for
from .schedule import (
    INTERRUPTED_MESSAGE,
    next_sync_after_failure,
    next_sync_after_partial,
    next_sync_after_success,
)
from .sync_queue import (  # noqa: F401  (re-exported: callers ask the engine for syncs)
    SyncQueueUnavailable,
    connection_sync_enqueue,
    connection_sync_request,
    sync_run_new,
)
from .tokens import token_needs_refresh, token_refresh

__all__ = ["connection_lock_acquire", "connection_lock_release", "connection_sync", "connection_sync_by_id",
           "connection_sync_enqueue", "connection_sync_request", "SyncQueueUnavailable"]

logger = logging.getLogger(__name__)

# Failures that say the provider itself is unwell (not this person's consent, quota or a
# request the provider refused): only these count towards the circuit breaker.
PROVIDER_WIDE_CODES = PROVIDER_DOWN_CODES


class ConnectionBusy(Exception):
    pass


# --- hooks ----------------------------------------------------------------------------------
def _post_import_hooks() -> list[Callable]:
    return [import_string(path) for path in getattr(settings, "SYNC_POST_IMPORT_HOOKS", [])]


def _after_run_hooks() -> list[Callable]:
    """settings.SYNC_AFTER_RUN_HOOKS: `hook(connection=, run=)` once a sync has finished and its
    lease is released, whatever the outcome (an app that works across families, such as the
    reconciliation, starts its own work from here). A hook must not fail the sync."""
    return [import_string(path) for path in getattr(settings, "SYNC_AFTER_RUN_HOOKS", [])]


# --- the engine -----------------------------------------------------------------------------
class _Spend:
    """What a sync spent at the provider: every HTTP attempt on the wire (urllib3's retries
    included), or what the sources counted where they make no HTTP calls (test doubles)."""

    def __init__(self, lease: Lease) -> None:
        self.http = CallMeter(on_attempt=lease.beat)
        self.sources: list = []

    def calls(self) -> int:
        return max(self.http.attempts, sum(getattr(source, "calls", 0) for source in self.sources))


def _as_datetime(value: datetime | str | None) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else value


def _run_to_fill(connection: Connection, trigger: str, *, run_id, queued_at, attempt: int) -> tuple[SyncRun | None, bool]:
    """(the run this sync records, whether it was adopted), or (None, False) if there is nothing
    to do: a first delivery whose run was already filled in (a redelivered message, or a sync
    that adopted it), or whose connection has had a sync start since this task was queued."""
    ct = ContentType.objects.get_for_model(connection)
    if run_id is not None:
        run = SyncRun.objects.filter(pk=run_id, connection_id=connection.pk).first()
        if run is not None and run.outcome == SyncOutcome.QUEUED:
            return run, False
        if run is not None and attempt == 0:
            logger.info("sync already done for run=%s connection=%s; nothing to do", run_id, connection.pk)
            return None, False
        return sync_run_new(connection, trigger), False  # a retry of a used run: a new run
    since = _as_datetime(queued_at)
    if since is not None and attempt == 0 and SyncRun.objects.filter(
            connection_type=ct, connection_id=connection.pk, started_at__gte=since).exclude(
            outcome__in=[SyncOutcome.QUEUED, SyncOutcome.SKIPPED]).exists():
        logger.info("connection=%s synced since this task was queued; nothing to do", connection.pk)
        return None, False
    # A person's queued run whose task never came (broker down, message lost): this sync is its answer.
    adopted = SyncRun.objects.filter(connection_type=ct, connection_id=connection.pk,
                                     outcome=SyncOutcome.QUEUED).order_by("started_at").first()
    return (adopted, True) if adopted is not None else (sync_run_new(connection, trigger), False)


def connection_sync(connection: Connection, *, trigger: str = "scheduled", run_id=None,
                    queued_at: datetime | str | None = None, attempt: int = 0) -> SyncRun | None:
    """Sync one connection now and return its run, or None when the task had nothing to do.
    `run_id` names a queued SyncRun to fill in (a person's request); a retry (`attempt` > 0) of
    a run already used records a new one. `queued_at` is when a scheduled task was sent."""
    run, adopted = _run_to_fill(connection, trigger, run_id=run_id, queued_at=queued_at, attempt=attempt)
    if run is None:
        return None
    run.outcome = SyncOutcome.RUNNING
    run.started_at = timezone.now()
    run.error_code, run.error = "", ""  # a queued run's "delayed"/"queue_unavailable" note is over
    # The provider's operator setting, read once for the breaker and the on/off switch.
    setting = provider_setting_get(connection.provider)
    if not breaker_allows(connection.provider, setting=setting):
        return _skip(connection, sync_run_new(connection, trigger) if adopted else run, "provider_paused",
                     "We have paused syncing with this provider while it has problems. It resumes by itself.")
    token = connection_lock_acquire(connection, run_id=run.pk)
    if token is None:
        return _skip(connection, sync_run_new(connection, trigger) if adopted else run, "already_running",
                     "Another sync of this connection is already running.")
    run.save()
    # Holding the lease, no other sync of this connection can be running: a run still marked
    # running was cut off (a worker killed mid-sync). Close it so the history tells the truth.
    SyncRun.objects.filter(connection_type=run.connection_type, connection_id=connection.pk,
                           outcome=SyncOutcome.RUNNING).exclude(pk=run.pk).update(
        outcome=SyncOutcome.FAILED, error_code="interrupted", next_action="none", finished_at=run.started_at,
        error="This sync was interrupted and has been run again.")
    lease = Lease(connection, token)
    spent = _Spend(lease)
    lease.start_heartbeat()
    try:
        with metered(spent.http), metrics.provider_calls_labelled(connection.provider), sync_scope():
            connection.refresh_from_db()
            _run(connection, run, lease, spent, enabled=setting is None or setting.enabled)
    except LeaseLost:
        _record_lease_lost(connection, run, spent)
    except ProviderError as exc:
        run.provider_calls = spent.calls()
        if lease.lost:
            _record_lease_lost(connection, run, spent)
        else:
            _record_failure(connection, run, exc)
    except Exception as exc:  # a bug must not leave the run "running" forever
        logger.exception("sync crashed provider=%s connection=%s", connection.provider, connection.pk)
        run.provider_calls = spent.calls()
        _record_failure(connection, run, ProviderError("Internal error"), internal=True)
        raise exc
    finally:
        lease.stop_heartbeat()
        connection_lock_release(connection, token)
        _after_run(connection, run)
        # Whatever this sync wrote, the person's cached figures are stale now (returns,
        # allocation, net-worth history: integrations_core/person_cache.py).
        person_data_changed(connection.user_id)
    return run


def _after_run(connection: Connection, run: SyncRun) -> None:
    """Core events after every sync outcome: metrics, and alerts from the connection's new
    state (failing, reconnect, expiring). Neither may fail the sync."""
    metrics.sync_run_observe(run)
    try:
        if run.outcome not in (SyncOutcome.SUCCEEDED, SyncOutcome.PARTIAL):
            # A good outcome's state is the object's own: it was read under the lease and this
            # sync wrote every change through it (_record_success, token refresh, the release).
            # A failure's may have been written by a queryset (reauth, interrupted): read it.
            connection.refresh_from_db()
        connection_alerts_evaluate(connection)
    except Exception:
        logger.exception("could not evaluate alerts connection=%s", connection.pk)
    for hook in _after_run_hooks():
        try:
            hook(connection=connection, run=run)
        except Exception:
            logger.exception("after-run hook failed connection=%s", connection.pk)


def _skip(connection: Connection, run: SyncRun, code: str, message: str) -> SyncRun:
    run.outcome = SyncOutcome.SKIPPED
    run.finished_at = timezone.now()
    run.error_code, run.error = code, message
    run.next_action = "retry_later" if code == "provider_paused" else "none"
    run.save()
    metrics.sync_run_observe(run)
    return run


def _record_lease_lost(connection: Connection, run: SyncRun, spent: _Spend) -> None:
    """Our lease lapsed and another sync took over: it owns the connection's state now."""
    logger.warning("sync lost its lease provider=%s connection=%s run=%s", connection.provider, connection.pk,
                   run.pk)
    run.outcome, run.error_code, run.next_action = SyncOutcome.FAILED, "interrupted", "none"
    run.error = "This sync was stopped because another sync of this connection took over."
    run.provider_calls = spent.calls()
    run.finished_at = timezone.now()
    run.save()


def _run(connection: Connection, run: SyncRun, lease: Lease, spent: _Spend, *, enabled: bool = True) -> None:
    if connection.status not in (ConnectionStatus.ACTIVE, ConnectionStatus.ERROR):
        raise ProviderConfigurationError(f"Connection is {connection.status}; nothing to sync")
    try:
        provider = registry.get(connection.provider)
    except UnknownProvider:
        raise ProviderConfigurationError("Provider is not installed") from None
    if not enabled:
        raise ProviderConfigurationError("Provider is disabled by the operator")

    if token_needs_refresh(connection):
        lease.beat(force=True)  # a rotating refresh token is spent only while the lease is surely ours
        token_refresh(connection, provider)
    state: dict[str, Any] = {"source": provider.bind(connection), "refreshed": False}
    spent.sources.append(state["source"])

    def call(fn_name: str, *args, **kwargs):
        """Call the source; on a refused token refresh once and try again. Every call is a
        lease checkpoint."""
        lease.beat()
        try:
            answer = getattr(state["source"], fn_name)(*args, **kwargs)
        except ConsentExpired:
            raise
        except ProviderAuthError:
            if state["refreshed"] or not connection.refresh_token:
                raise
            lease.beat(force=True)
            token_refresh(connection, provider)
            state["source"], state["refreshed"] = provider.bind(connection), True
            spent.sources.append(state["source"])
            answer = getattr(state["source"], fn_name)(*args, **kwargs)
        lease.beat()  # after a long answer, before anything of it is written
        return answer

    runner = runner_for(state["source"])
    results = runner(RunContext(connection=connection, provider=provider, run=run, call=call,
                                hooks=_post_import_hooks()))

    lease.beat(force=True)  # never write the outcome over a sync that took over
    run.provider_calls = spent.calls()
    run.account_results = results
    failed = [r for r in results.values() if r["status"] == "failed"]
    # An account that is partly synced (a stale balance, refused history) makes the run partial.
    problems = [r for r in results.values() if r["status"] != "ok"]
    default_wait = _default_retry_after(provider)
    waits = [r.get("retry_after") or default_wait for r in problems if r.get("error_code") == RateLimited.code]
    if failed and len(failed) == len(results):
        first = failed[0]
        run.outcome, run.error_code, run.error = SyncOutcome.FAILED, first["error_code"], first["error"]
        run.next_action = "retry_later"
        _bump_failures(connection, first["error_code"], first["error"], min(waits) if waits else None)
        if first["error_code"] in PROVIDER_WIDE_CODES:
            breaker_record_failure(connection.provider, first["error_code"])
    else:
        run.outcome = SyncOutcome.PARTIAL if problems else SyncOutcome.SUCCEEDED
        run.next_action = "retry_later" if problems else "none"
        _record_success(connection, partial=bool(problems), wait=min(waits) if waits else None)
        breaker_record_success(connection.provider)
    run.finished_at = timezone.now()
    run.save()


def _default_retry_after(provider: Provider | None) -> float:
    """How long to wait after a 429 that did not say (the provider's declared default)."""
    return float(getattr(provider, "default_retry_after", None) or Provider.default_retry_after)


def _provider_of(connection: Connection) -> Provider | None:
    try:
        return registry.get(connection.provider)
    except UnknownProvider:
        return None


def _record_success(connection: Connection, *, partial: bool = False, wait: float | None = None) -> None:
    """A good (or partly good) sync: the connection is fine. After a partial one the failed
    accounts are retried before the next daily run (services/schedule.py)."""
    now = timezone.now()
    connection.status = ConnectionStatus.ACTIVE
    connection.last_error = ""
    connection.last_error_code = ""
    connection.retry_after = None
    connection.consecutive_failures = 0
    connection.last_synced_at = now
    connection.next_sync_at = next_sync_after_partial(now, wait) if partial else next_sync_after_success(now)
    connection.save(update_fields=["status", "last_error", "last_error_code", "retry_after",
                                   "consecutive_failures", "last_synced_at", "next_sync_at", "updated_at"])


def backoff_delay(failures: int) -> timedelta:
    """Exponential backoff with full jitter, capped."""
    ceiling = min(settings.SYNC_BACKOFF_MAX_SECONDS, settings.SYNC_BACKOFF_BASE_SECONDS * 2 ** max(0, failures - 1))
    return timedelta(seconds=ceiling / 2 + random.uniform(0, ceiling / 2))  # noqa: S311


def _bump_failures(connection: Connection, code: str, message: str, retry_after: float | None = None, *,
                   delay: timedelta | None = None) -> None:
    """A failed sync: count it, say why, schedule the retry (backoff, never past the next daily
    run unless the provider's own wait is longer), and after SYNC_FAILURES_BEFORE_ERROR in a
    row show the connection as failing."""
    now = timezone.now()
    connection.consecutive_failures += 1
    connection.last_error_code = code
    connection.last_error = message
    if retry_after:
        connection.retry_after = now + timedelta(seconds=min(float(retry_after), settings.SYNC_MAX_RETRY_AFTER_SECONDS))
    wait_until = connection.retry_after if connection.retry_after and connection.retry_after > now else None
    backoff = delay if delay is not None else backoff_delay(connection.consecutive_failures)
    connection.next_sync_at = next_sync_after_failure(now, backoff, wait_until)
    fields = ["consecutive_failures", "last_error_code", "last_error", "retry_after", "next_sync_at", "updated_at"]
    newly_failing = (connection.status == ConnectionStatus.ACTIVE
                     and connection.consecutive_failures >= settings.SYNC_FAILURES_BEFORE_ERROR)
    if newly_failing:
        connection.status = ConnectionStatus.ERROR
        fields.append("status")
    connection.save(update_fields=fields)
    if newly_failing:
        audit_record("connection.sync_failed", connection=connection,
                     details={"code": code, "failures": connection.consecutive_failures})


def connection_record_interrupted(connection: Connection) -> None:
    """A sync of this connection died with its worker (the sweep found its lease gone). It counts
    as a failure; the first one is retried at the sweep's next pass, repeated ones back off (a sync
    that kills its worker every time must not do so in a loop)."""
    connection.refresh_from_db()
    delay = timedelta(0) if connection.consecutive_failures == 0 else None
    _bump_failures(connection, "interrupted", INTERRUPTED_MESSAGE, delay=delay)


def _record_failure(connection: Connection, run: SyncRun, exc: ProviderError, internal: bool = False) -> None:
    connection.refresh_from_db()
    run.outcome = SyncOutcome.FAILED
    run.error_code = "internal_error" if internal else exc.code
    run.error = "Something went wrong on our side. We will try again." if internal else exc.user_message
    run.finished_at = timezone.now()
    if isinstance(exc, ConsentExpired | ProviderAuthError):
        from .connections import connection_reauth_required

        run.next_action = "reconnect"
        # A provider's own words for an expired consent (QuickBooks says when it expired) are kept.
        message = exc.user_message if isinstance(exc, ConsentExpired) else ""
        if not connection_reauth_required(connection, code=exc.code, message=message):
            connection.last_error, connection.last_error_code = ConsentExpired.user_message, ConsentExpired.code
            connection.save(update_fields=["last_error", "last_error_code", "updated_at"])
    elif isinstance(exc, ProviderConfigurationError):
        run.next_action = "contact_support"
    elif isinstance(exc, DataNotReady):
        # Not a failure: the data is being prepared. Try again soon, count nothing against it.
        run.outcome, run.next_action = SyncOutcome.SKIPPED, "retry_later"
        wait = exc.retry_after or settings.SYNC_NOT_READY_RETRY_SECONDS
        connection.next_sync_at = timezone.now() + timedelta(seconds=wait)
        connection.save(update_fields=["next_sync_at", "updated_at"])
    else:
        run.next_action = "retry_later"
        retry_after = None
        if isinstance(exc, RateLimited):
            # A 429 without Retry-After still means "wait": the provider's declared default.
            retry_after = exc.retry_after or _default_retry_after(_provider_of(connection))
        _bump_failures(connection, run.error_code, run.error, retry_after)
        if run.error_code in PROVIDER_WIDE_CODES or getattr(exc, "provider_wide", False):
            breaker_record_failure(connection.provider, run.error_code)
    run.save()
    logger.info("sync failed provider=%s connection=%s code=%s", connection.provider, connection.pk, run.error_code)


def connection_sync_by_id(model_label: str, connection_id, **kwargs) -> SyncRun | None:  # noqa: D401
    model = connection_model_get(model_label)
    connection = model.objects.filter(pk=connection_id).first()
    if connection is None:
        return None
    return connection_sync(connection, **kwargs)
