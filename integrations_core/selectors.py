"""Queries. The only place that knows how to find connections across provider families."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import Http404

from .models import BreakerState, Connection, ConnectionStatus, ProviderSetting, SyncRun
from .providers.base import Provider
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


def connections_due(model: type[Connection], now: datetime) -> QuerySet:
    """Connections the daily sync should run now: syncable, enabled provider, due."""
    paused = Q(enabled=False) | Q(breaker_state=BreakerState.OPEN, breaker_open_until__gt=now)
    disabled = list(ProviderSetting.objects.filter(paused).values_list("provider", flat=True))
    return (
        model.objects.filter(status__in=[ConnectionStatus.ACTIVE, ConnectionStatus.ERROR])
        .filter(Q(next_sync_at__isnull=True) | Q(next_sync_at__lte=now))
        .filter(Q(retry_after__isnull=True) | Q(retry_after__lte=now))
        .exclude(provider__in=disabled)
        .order_by("next_sync_at")
    )


def provider_is_enabled(slug: str) -> bool:
    setting = ProviderSetting.objects.filter(provider=slug).first()
    return setting is None or setting.enabled


def providers_enabled() -> list[Provider]:
    disabled = set(ProviderSetting.objects.filter(enabled=False).values_list("provider", flat=True))
    return [p for p in registry.all() if p.slug not in disabled and p.is_configured()]


def sync_runs_for_connection(connection: Connection) -> QuerySet:
    ct = ContentType.objects.get_for_model(connection)
    return SyncRun.objects.filter(connection_type=ct, connection_id=connection.pk)
