"""Alerts: raised from core events (a sync's outcome, a connection's state change, the breaker,
the daily job), never by provider code; each cause once (its dedupe key) until it resolves.

| kind        | cause                                              | to                         |
|-------------|----------------------------------------------------|----------------------------|
| failing     | ALERT_FAILURE_THRESHOLD failed syncs in a row       | the person and operators   |
| reconnect   | the connection needs reconnecting (or has expired) | the person                 |
| expiring    | consent (or a token that cannot refresh) ends within ALERT_EXPIRY_DAYS | the person |
| quota_low   | a provider's rate-limit headroom at or under ALERT_QUOTA_HEADROOM | operators     |
| breaker_open| a provider's circuit breaker opened                | operators                  |

The person gets an in-app Notification and an e-mail (Django's mail backend); operators get an
operator Notification (no user) and `mail_admins`. Texts name the institution and the action,
never a token or an account number."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import mail_admins, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from integrations_core import metrics
from integrations_core.models import Alert, AlertAudience, Connection, ConnectionStatus, Notification

logger = logging.getLogger(__name__)

CONNECTION_KINDS = ("failing", "reconnect", "expiring")


def alert_raise(dedupe_key: str, *, kind: str, audience: str, title: str, body: str = "", user=None,
                provider: str = "", connection_id=None) -> Alert | None:
    """Open an alert for this cause and deliver it, unless one is already open (then None)."""
    if Alert.objects.filter(dedupe_key=dedupe_key, resolved_at__isnull=True).exists():
        return None
    try:
        with transaction.atomic():
            alert = Alert.objects.create(dedupe_key=dedupe_key, kind=kind, audience=audience, user=user,
                                         provider=provider, connection_id=connection_id, title=title, body=body)
            Notification.objects.create(user=user if audience == AlertAudience.PERSON else None, alert=alert,
                                        kind=kind, title=title, body=body)
    except IntegrityError:  # raised at the same moment elsewhere: that one is delivered
        return None
    metrics.ALERTS_RAISED.labels(kind, audience).inc()
    try:
        if audience == AlertAudience.PERSON:
            if user is not None and user.email:
                send_mail(title, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        else:
            mail_admins(title, body)
    except Exception:  # the alert is recorded and shown in-app; a mail server outage must not undo it
        logger.exception("could not e-mail alert %s", alert.pk)
    logger.info("alert raised kind=%s key=%s", kind, dedupe_key)
    return alert


def alert_resolve(dedupe_key: str) -> int:
    return Alert.objects.filter(dedupe_key=dedupe_key, resolved_at__isnull=True).update(resolved_at=timezone.now())


def _name(connection: Connection) -> str:
    return connection.institution_name or connection.provider


def _expiry(connection: Connection, provider) -> datetime | None:
    from integrations_core.providers.base import Capability

    candidates = [connection.consent_expires_at]
    if provider is not None and not provider.has(Capability.REFRESH_TOKENS):
        candidates.append(connection.token_expires_at)  # a token nothing can renew ends the access too
    found = [c for c in candidates if c is not None]
    return min(found) if found else None


def connection_alert_causes(connection: Connection, *, now: datetime | None = None,
                            provider=None) -> dict[str, dict]:
    """The causes this connection's state shows now, by dedupe key."""
    now = now or timezone.now()
    name, pk, causes = _name(connection), connection.pk, {}
    if connection.status in (ConnectionStatus.REAUTH_REQUIRED, ConnectionStatus.EXPIRED):
        causes[f"reconnect:{pk}:person"] = {
            "kind": "reconnect", "audience": AlertAudience.PERSON,
            "title": f"Reconnect {name}",
            "body": f"{name} needs you to reconnect it before we can update your accounts. "
                    "Open Connections and choose Reconnect."}
    elif connection.is_syncable:
        if connection.consecutive_failures >= settings.ALERT_FAILURE_THRESHOLD:
            text = (f"The last {connection.consecutive_failures} updates from {name} failed. "
                    "We keep retrying; nothing you have stored is lost.")
            causes[f"failing:{pk}:person"] = {"kind": "failing", "audience": AlertAudience.PERSON,
                                              "title": f"{name} is not updating", "body": text}
            causes[f"failing:{pk}:operators"] = {
                "kind": "failing", "audience": AlertAudience.OPERATORS,
                "title": f"Connection {pk} ({connection.provider}) failing",
                "body": f"{connection.consecutive_failures} failed syncs in a row; last error code "
                        f"{connection.last_error_code or '-'}."}
        if provider is None:
            from integrations_core.providers.registry import UnknownProvider, registry

            try:
                provider = registry.get(connection.provider)
            except UnknownProvider:
                provider = None
        expires = _expiry(connection, provider)
        if expires is not None and now < expires <= now + timedelta(days=settings.ALERT_EXPIRY_DAYS):
            day = timezone.localtime(expires).date()
            causes[f"expiring:{pk}:person"] = {
                "kind": "expiring", "audience": AlertAudience.PERSON,
                "title": f"Reconfirm {name} by {day:%d %B}",
                "body": f"Your permission for us to read {name} ends on {day:%d %B %Y}. "
                        "Open Connections and reconfirm it to keep your accounts updating."}
    return causes


def connection_alerts_evaluate(connection: Connection, *, now: datetime | None = None, provider=None) -> None:
    """Raise what the connection's state shows and resolve what it no longer does. Called after
    every sync outcome and state change (cheap: one UPDATE, plus one look-up per cause shown)."""
    causes = connection_alert_causes(connection, now=now, provider=provider)
    Alert.objects.filter(connection_id=connection.pk, kind__in=CONNECTION_KINDS, resolved_at__isnull=True) \
        .exclude(dedupe_key__in=list(causes)).update(resolved_at=timezone.now())
    for key, cause in causes.items():
        alert_raise(key, user=connection.user if cause["audience"] == AlertAudience.PERSON else None,
                    provider=connection.provider, connection_id=connection.pk, **cause)


def provider_breaker_alert(provider: str, *, opened: bool, reason: str = "", until: datetime | None = None) -> None:
    key = f"breaker_open:{provider}:operators"
    if not opened:
        alert_resolve(key)
        return
    alert_raise(key, kind="breaker_open", audience=AlertAudience.OPERATORS, provider=provider,
                title=f"{provider}: syncing paused (circuit breaker open)",
                body=f"Provider-wide failures ({reason or 'unknown'}); paused until "
                     f"{until.isoformat() if until else 'the cooldown ends'}.")


def provider_quota_alerts_evaluate(provider_health: list) -> None:
    """Operators hear of a provider whose rate-limit headroom is nearly spent (the provider
    health rows of health/selectors.py), and the alert resolves once it recovers."""
    for row in provider_health:
        key = f"quota_low:{row.provider}:operators"
        headroom = row.rate_limit_headroom
        if headroom is not None and headroom <= settings.ALERT_QUOTA_HEADROOM:
            alert_raise(key, kind="quota_low", audience=AlertAudience.OPERATORS, provider=row.provider,
                        title=f"{row.provider}: rate limits nearly exhausted",
                        body=f"{headroom:.0%} of today's calls (or connections not rate limited) left.")
        else:
            alert_resolve(key)


def alerts_evaluate_all(now: datetime | None = None) -> int:
    """The daily job: every connection with a cause or an open alert is evaluated (expiry
    approaches without any event), then each provider's quota headroom. Returns alerts open."""
    from integrations_core.health.selectors import provider_health_list
    from integrations_core.selectors import connection_models

    now = now or timezone.now()
    horizon = now + timedelta(days=settings.ALERT_EXPIRY_DAYS)
    open_ids = set(Alert.objects.filter(resolved_at__isnull=True, connection_id__isnull=False)
                   .values_list("connection_id", flat=True))
    for model in connection_models():
        candidates = model.objects.select_related("user").filter(
            Q(pk__in=open_ids) | Q(status__in=[ConnectionStatus.REAUTH_REQUIRED, ConnectionStatus.EXPIRED])
            | Q(consecutive_failures__gte=settings.ALERT_FAILURE_THRESHOLD)
            | Q(consent_expires_at__lte=horizon) | Q(token_expires_at__lte=horizon))
        for connection in candidates.iterator():
            connection_alerts_evaluate(connection, now=now)
    provider_quota_alerts_evaluate(provider_health_list(now=now))
    return Alert.objects.filter(resolved_at__isnull=True).count()
