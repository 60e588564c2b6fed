"""A per-provider circuit breaker. When a provider fails across connections (5xx, timeouts,
unreadable bodies) its syncs pause instead of hammering it and burning every connection's
retries; after a cooldown one sync is let through (half-open): success closes the breaker,
failure re-opens it for twice as long."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations_core.models import BreakerState, ProviderSetting

from .alerts import provider_breaker_alert
from .audit import audit_record


def _threshold() -> int:
    return getattr(settings, "PROVIDER_BREAKER_THRESHOLD", 5)


def _cooldown(trips: int) -> timedelta:
    base = getattr(settings, "PROVIDER_BREAKER_COOLDOWN_SECONDS", 600)
    return timedelta(seconds=min(base * 2 ** max(0, trips - 1), 6 * 3600))


_UNREAD = object()


def breaker_allows(provider: str, *, setting=_UNREAD) -> bool:
    """True if a sync may call the provider now. Moves an expired open breaker to half-open.
    `setting`: the provider's ProviderSetting (or None) when the caller has just read it."""
    if setting is _UNREAD:
        setting = ProviderSetting.objects.filter(provider=provider).first()
    if setting is None or setting.breaker_state == BreakerState.CLOSED:
        return True
    if setting.breaker_state == BreakerState.OPEN:
        if setting.breaker_open_until and setting.breaker_open_until <= timezone.now():
            # Only one caller wins the move to half-open; it is the probe.
            return bool(ProviderSetting.objects.filter(pk=setting.pk, breaker_state=BreakerState.OPEN)
                        .update(breaker_state=BreakerState.HALF_OPEN))
        return False
    return True  # half-open: let syncs through; the first outcome decides


def breaker_record_success(provider: str) -> None:
    updated = ProviderSetting.objects.filter(provider=provider).exclude(
        breaker_state=BreakerState.CLOSED, breaker_failures=0
    ).update(breaker_state=BreakerState.CLOSED, breaker_failures=0, breaker_trips=0, breaker_open_until=None,
             breaker_reason="")
    if updated:
        audit_record("provider.breaker_closed", details={"provider": provider})
        provider_breaker_alert(provider, opened=False)


def breaker_record_failure(provider: str, reason: str) -> None:
    with transaction.atomic():
        setting, _ = ProviderSetting.objects.select_for_update().get_or_create(provider=provider)
        setting.breaker_failures += 1
        should_open = setting.breaker_state == BreakerState.HALF_OPEN or (
            setting.breaker_state == BreakerState.CLOSED and setting.breaker_failures >= _threshold())
        if should_open:
            setting.breaker_trips += 1
            setting.breaker_state = BreakerState.OPEN
            setting.breaker_open_until = timezone.now() + _cooldown(setting.breaker_trips)
            setting.breaker_reason = reason[:200]
        setting.save()
    if should_open:
        audit_record("provider.breaker_opened", details={"provider": provider, "reason": reason[:200],
                                                         "until": setting.breaker_open_until.isoformat()})
        provider_breaker_alert(provider, opened=True, reason=reason[:200], until=setting.breaker_open_until)
