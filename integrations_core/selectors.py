"""Queries. The only place that knows how to find connections across provider families."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from .ledger import ledgers
from .models import BreakerState, Connection, ConnectionStatus, ProviderSetting, SyncOutcome, SyncRun
from .providers.base import Capability, Provider
from .providers.registry import registry


def connection_models() -> list[type[Connection]]:
    """Every concrete Connection model installed (one per provider family)."""
    return [m for m in apps.get_models() if issubclass(m, Connection)]


def connection_model_get(label: str) -> type[Connection]:
    model = apps.get_model(label)
    if not issubclass(model, Connection):
        raise LookupError(f"{label} is not a Connection model")
    return model


def connection_get_for_user(user, connection_id) -> Connection:
    """Find one of the user's connections in any family; anyone else's is a 404."""
    try:
        pk = uuid.UUID(str(connection_id))
    except ValueError:
        raise Http404("No such connection") from None
    for model in connection_models():
        found = model.objects.filter(pk=pk, user=user).first()
        if found is not None:
            return found
    raise Http404("No such connection")


def _syncable_now(model: type[Connection], now: datetime) -> QuerySet:
    """Connections a fan-out may queue now: syncable, provider installed with SCHEDULED_SYNC (a
    file import has nothing to fetch), enabled and not paused by its breaker, no provider wait
    running, no task already on its way, no sync running."""
    paused = Q(enabled=False) | Q(breaker_state=BreakerState.OPEN, breaker_open_until__gt=now)
    disabled = list(ProviderSetting.objects.filter(paused).values_list("provider", flat=True))
    return (
        model.objects.filter(status__in=[ConnectionStatus.ACTIVE, ConnectionStatus.ERROR],
                             provider__in=registry.slugs_with(Capability.SCHEDULED_SYNC))
        .filter(Q(retry_after__isnull=True) | Q(retry_after__lte=now))
        .filter(Q(sync_queued_until__isnull=True) | Q(sync_queued_until__lt=now))
        .filter(Q(sync_lock_expires_at__isnull=True) | Q(sync_lock_expires_at__lt=now))
        .exclude(provider__in=disabled)
    )


def connections_due(model: type[Connection], now: datetime) -> QuerySet:
    """What the daily run syncs: every syncable connection that has not synced successfully
    within SYNC_FRESH_SECONDS, whatever its backoff (services/schedule.py has the whole rule)."""
    fresh_since = now - timedelta(seconds=settings.SYNC_FRESH_SECONDS)
    return (_syncable_now(model, now)
            .filter(Q(last_synced_at__isnull=True) | Q(last_synced_at__lt=fresh_since))
            .order_by(F("last_synced_at").asc(nulls_first=True)))


def connections_retry_due(model: type[Connection], now: datetime) -> QuerySet:
    """What the retry sweep syncs: syncable connections whose next_sync_at has passed."""
    return _syncable_now(model, now).filter(next_sync_at__lte=now).order_by("next_sync_at")


def sync_runs_unfinished(outcome: str, *, started_before: datetime) -> QuerySet:
    """Queued or running runs that started before a moment (the partial index covers them)."""
    return SyncRun.objects.filter(outcome=outcome, started_at__lt=started_before).order_by("started_at")


def sync_run_observed(run: SyncRun, connection: Connection, now: datetime | None = None) -> SyncRun:
    """The run as it really stands, for display, without waiting for the sweep to record it:
    a running run whose lease is gone was cut off (its worker died); a queued run nobody has
    picked up for SYNC_QUEUED_DELAY_SECONDS is waiting for a worker. Changes only the object."""
    from .services.schedule import DELAYED_MESSAGE, INTERRUPTED_MESSAGE

    now = now or timezone.now()
    if run.outcome == SyncOutcome.RUNNING:
        alive = (connection.sync_lock_run_id == run.pk and connection.sync_lock_expires_at is not None
                 and connection.sync_lock_expires_at >= now)
        # A lapsed lease expired at least a TTL after its run started, so this grace only spares
        # a run that never had one (an older version's) from being called dead at once.
        if not alive and run.started_at < now - timedelta(seconds=settings.SYNC_LOCK_TTL_SECONDS):
            run.outcome, run.error_code, run.error = SyncOutcome.FAILED, "interrupted", INTERRUPTED_MESSAGE
            run.next_action = "retry_later"
    elif run.outcome == SyncOutcome.QUEUED and not run.error_code and \
            run.started_at < now - timedelta(seconds=settings.SYNC_QUEUED_DELAY_SECONDS):
        run.error_code, run.error = "delayed", DELAYED_MESSAGE
    return run


def provider_setting_get(slug: str) -> ProviderSetting | None:
    """The operator's setting for a provider (on/off, circuit breaker), None if never set."""
    return ProviderSetting.objects.filter(provider=slug).first()


def provider_is_enabled(slug: str) -> bool:
    setting = provider_setting_get(slug)
    return setting is None or setting.enabled


def providers_enabled() -> list[Provider]:
    disabled = set(ProviderSetting.objects.filter(enabled=False).values_list("provider", flat=True))
    return [p for p in registry.all() if p.slug not in disabled and p.is_configured()]


def sync_runs_for_connection(connection: Connection) -> QuerySet:
    ct = ContentType.objects.get_for_model(connection)
    return SyncRun.objects.filter(connection_type=ct, connection_id=connection.pk)


# --- cash ledgers (integrations_core/ledger.py) -------------------------------------------------
def cash_movements_counted(user) -> list[QuerySet]:
    """The person's counted transactions, one QuerySet per ledger (Django cannot filter or
    aggregate after a UNION, so callers aggregate each and add the results)."""
    return [ledger.counted_movements(user) for ledger in ledgers()]


def accounts_counted_currencies(user) -> list[str]:
    """The currency of each of the person's counted accounts, in every ledger."""
    return [currency for ledger in ledgers()
            for currency in ledger.counted_accounts(user).values_list("currency", flat=True)]


def user_ids_with_ledger_connections() -> list:
    """Every user with a connection (of any status) in a ledger's family."""
    from django.contrib.auth import get_user_model

    found: set = set()
    for ledger in ledgers():
        found.update(get_user_model().objects.filter(pk__in=ledger.connections.objects.values("user"))
                     .values_list("pk", flat=True).distinct())
    return sorted(found)
