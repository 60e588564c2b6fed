"""Health queries, cheap by construction: the connections come in one query per family model,
their last 30 runs in one windowed query for all of them, quotas in one query per provider that
has any. Nothing here is run once per connection."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from integrations_core.models import (
    BreakerState,
    Connection,
    ConnectionStatus,
    ProviderSetting,
    SyncOutcome,
    SyncRun,
)
from integrations_core.providers.base import Capability
from integrations_core.providers.registry import UnknownProvider, registry

from .score import ScoreInputs, health_score

RUNS_WINDOW = 30
FINISHED = [SyncOutcome.SUCCEEDED, SyncOutcome.PARTIAL, SyncOutcome.FAILED]
FAILURE_WEIGHT = {SyncOutcome.FAILED: 1.0, SyncOutcome.PARTIAL: 0.5, SyncOutcome.SUCCEEDED: 0.0}


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered), math.ceil(q / 100 * len(ordered)))) - 1] if q > 0 else ordered[0]


@dataclass
class ConnectionHealth:
    connection: Connection
    runs: int
    error_rate: float | None
    latency_p50: float | None
    latency_p95: float | None
    quota_left_today: int | None
    daily_call_quota: int | None
    expires_at: datetime | None
    score: float
    score_inputs: dict[str, float] = field(default_factory=dict)

    @property
    def provider(self) -> str:
        return self.connection.provider


def _provider(slug: str):
    try:
        return registry.get(slug)
    except UnknownProvider:
        return None


def _expires_at(connection: Connection, provider) -> datetime | None:
    found = [connection.consent_expires_at]
    if provider is not None and not provider.has(Capability.REFRESH_TOKENS) and connection.status != "revoked":
        found.append(connection.token_expires_at)
    found = [f for f in found if f is not None]
    return min(found) if found else None


def _recent_runs(connection_ids: list) -> dict[str, list[tuple[str, float | None]]]:
    """(outcome, seconds) of each connection's last 30 finished runs, newest first: one query."""
    runs: dict[str, list] = defaultdict(list)
    if not connection_ids:
        return runs
    rows = (SyncRun.objects.filter(connection_id__in=connection_ids, outcome__in=FINISHED)
            .annotate(rank=Window(RowNumber(), partition_by=[F("connection_id")], order_by=F("started_at").desc()))
            .filter(rank__lte=RUNS_WINDOW)
            .values_list("connection_id", "outcome", "started_at", "finished_at"))
    for connection_id, outcome, started, finished in rows:
        runs[str(connection_id)].append((outcome, (finished - started).total_seconds() if finished else None))
    return runs


def connection_health_build(connections: list[Connection], *, now: datetime | None = None) -> list[ConnectionHealth]:
    """Health of already-loaded connections, worst first (ties: provider, then id)."""
    now = now or timezone.now()
    ids = [c.pk for c in connections]
    runs = _recent_runs(ids)
    by_provider: dict[str, list] = defaultdict(list)
    for connection in connections:
        by_provider[connection.provider].append(connection.pk)
    quotas: dict[str, int] = {}
    for slug, pks in by_provider.items():
        provider = _provider(slug)
        if provider is not None and provider.daily_call_quota:
            quotas.update(provider.quota_left_today(pks))
    found = []
    for connection in connections:
        provider = _provider(connection.provider)
        mine = runs.get(str(connection.pk), [])
        error_rate = (sum(FAILURE_WEIGHT[o] for o, _ in mine) / len(mine)) if mine else None
        durations = [d for _, d in mine if d is not None]
        expires = _expires_at(connection, provider)
        score, inputs = health_score(ScoreInputs(status=connection.status, error_rate=error_rate,
                                                 last_synced_at=connection.last_synced_at,
                                                 consecutive_failures=connection.consecutive_failures,
                                                 expires_at=expires), now)
        found.append(ConnectionHealth(
            connection=connection, runs=len(mine), error_rate=None if error_rate is None else round(error_rate, 3),
            latency_p50=percentile(durations, 50), latency_p95=percentile(durations, 95),
            quota_left_today=quotas.get(str(connection.pk)),
            daily_call_quota=getattr(provider, "daily_call_quota", None), expires_at=expires,
            score=score, score_inputs=inputs))
    found.sort(key=lambda h: (h.score, h.connection.provider, str(h.connection.pk)))
    return found


def connection_health_for_user(user, *, now: datetime | None = None) -> list[ConnectionHealth]:
    """The person's own connections (every family), not revoked ones."""
    from integrations_core.selectors import connection_models

    connections = [c for model in connection_models()
                   for c in model.objects.filter(user=user).exclude(status=ConnectionStatus.REVOKED)]
    return connection_health_build(connections, now=now)


def connection_health_for_operators(*, provider: str = "", status: str = "", limit: int = 1000,
                                    now: datetime | None = None) -> list[ConnectionHealth]:
    """Every connection (filtered), worst first. At most `limit` per family are loaded."""
    from integrations_core.selectors import connection_models

    connections = []
    for model in connection_models():
        qs = model.objects.select_related("user").exclude(status=ConnectionStatus.REVOKED)
        if provider:
            qs = qs.filter(provider=provider)
        if status:
            qs = qs.filter(status=status)
        connections.extend(qs.order_by("-consecutive_failures", "last_synced_at")[:limit])
    return connection_health_build(connections, now=now)


@dataclass
class ProviderHealth:
    provider: str
    runs: int
    success_rate: float | None
    latency_p50: float | None
    latency_p95: float | None
    error_mix: dict[str, int]
    breaker_state: str
    breaker_open_until: datetime | None
    connections: int
    rate_limited: int
    rate_limit_headroom: float | None  # share of today's quota left, else of connections not rate limited


def provider_health_list(*, now: datetime | None = None, hours: int = 24) -> list[ProviderHealth]:
    """Per provider over the last `hours`: runs, success rate, p50/p95 sync latency, error mix,
    breaker, and rate-limit headroom. One query for the runs, one for the breakers, one per
    family for connection counts, one per quota-declaring provider."""
    from integrations_core.selectors import connection_models

    now = now or timezone.now()
    outcomes: dict[str, Counter] = defaultdict(Counter)
    errors: dict[str, Counter] = defaultdict(Counter)
    durations: dict[str, list] = defaultdict(list)
    for provider, outcome, code, started, finished in SyncRun.objects.filter(
            started_at__gte=now - timedelta(hours=hours), outcome__in=FINISHED).values_list(
            "provider", "outcome", "error_code", "started_at", "finished_at"):
        outcomes[provider][outcome] += 1
        if outcome != SyncOutcome.SUCCEEDED and code:
            errors[provider][code] += 1
        if finished:
            durations[provider].append((finished - started).total_seconds())
    breakers = {s.provider: s for s in ProviderSetting.objects.all()}
    active: dict[str, list] = defaultdict(list)
    limited: Counter = Counter()
    for model in connection_models():
        for slug, total, waiting in (model.objects.filter(status__in=[ConnectionStatus.ACTIVE, ConnectionStatus.ERROR])
                                     .values("provider").annotate(total=Count("pk"),
                                                                  waiting=Count("pk", filter=Q(retry_after__gt=now)))
                                     .values_list("provider", "total", "waiting")):
            active[slug].append(total)
            limited[slug] += waiting
    rows = []
    for provider in registry.all():
        slug = provider.slug
        counts = outcomes.get(slug, Counter())
        total = sum(counts.values())
        n_active = sum(active.get(slug, []))
        headroom = None
        if provider.daily_call_quota and n_active:
            ids = [pk for model in connection_models() for pk in model.objects.filter(
                provider=slug, status__in=[ConnectionStatus.ACTIVE, ConnectionStatus.ERROR]).values_list("pk", flat=True)]
            left = provider.quota_left_today(ids)
            if left:
                headroom = round(sum(left.values()) / (provider.daily_call_quota * len(left)), 3)
        if headroom is None and n_active:
            headroom = round(1 - limited[slug] / n_active, 3)
        setting = breakers.get(slug)
        rows.append(ProviderHealth(
            provider=slug, runs=total,
            success_rate=round(counts[SyncOutcome.SUCCEEDED] / total, 3) if total else None,
            latency_p50=percentile(durations.get(slug, []), 50), latency_p95=percentile(durations.get(slug, []), 95),
            error_mix=dict(errors.get(slug, Counter()).most_common()),
            breaker_state=setting.breaker_state if setting else BreakerState.CLOSED,
            breaker_open_until=setting.breaker_open_until if setting else None,
            connections=n_active, rate_limited=limited[slug], rate_limit_headroom=headroom))
    rows.sort(key=lambda r: (r.success_rate if r.success_rate is not None else 1.0, r.provider))
    return rows
