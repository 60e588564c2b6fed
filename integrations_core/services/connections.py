"""Creating, reconnecting and revoking connections, in any family."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations_core.models import Connection, ConnectionStatus
from integrations_core.person_cache import person_data_changed
from integrations_core.providers.errors import ProviderError
from integrations_core.providers.registry import registry
from integrations_core.selectors import connection_model_get, connection_models, provider_is_enabled

from .audit import audit_record
from .tokens import token_erase

logger = logging.getLogger(__name__)


class SyncNotPossible(Exception):
    """A "sync now" that cannot start: `code` is nothing_to_sync | reauth_required |
    not_syncable | rate_limited (the API answers 409 with it)."""

    def __init__(self, code: str, message: str, *, retry_after=None):
        super().__init__(message)
        self.code, self.message, self.retry_after = code, message, retry_after


def connection_sync_refusal(connection: Connection) -> SyncNotPossible | None:
    """Why a "Sync now" of this connection cannot be queued, or None when it can: the provider
    fetches nothing on its own (a statement upload, manual accounts: no SCHEDULED_SYNC; a run
    would only record a failure the person then sees), the connection needs reconnecting, or
    the provider asked us to wait. The person's button and the operators' admin action both ask."""
    from integrations_core.providers.base import Capability

    if connection.provider not in registry.slugs_with(Capability.SCHEDULED_SYNC):
        return SyncNotPossible("nothing_to_sync", "This connection has nothing to fetch: upload a new statement "
                                                  "or edit it by hand instead.")
    if connection.status not in (ConnectionStatus.ACTIVE, ConnectionStatus.ERROR):
        code = "reauth_required" if connection.status == ConnectionStatus.REAUTH_REQUIRED else "not_syncable"
        return SyncNotPossible(code, "This connection cannot be synced until it is reconnected."
                               if code == "reauth_required" else f"This connection is {connection.status}.")
    if connection.retry_after and connection.retry_after > timezone.now():
        return SyncNotPossible("rate_limited", "The provider asked us to wait before fetching again.",
                               retry_after=connection.retry_after)
    return None


def connection_sync_now(connection: Connection, *, actor=None):
    """The person's (or an operator's) "Sync now", for any family: queue a sync and return its
    run (queued, or finished with eager workers). Refused with SyncNotPossible (see
    `connection_sync_refusal`); SyncQueueUnavailable when the task queue is down (503)."""
    from .sync import connection_sync_request

    if (refusal := connection_sync_refusal(connection)) is not None:
        raise refusal
    audit_record("connection.sync_requested", connection=connection, actor=actor)
    return connection_sync_request(connection, trigger="manual")


class ProviderNotAvailable(Exception):
    pass


def connection_create(*, user, provider_slug: str, institution_id: str = "", institution_name: str = "",
                      credentials: dict | None = None) -> Connection:
    provider = registry.get(provider_slug)
    if not provider_is_enabled(provider_slug) or not provider.is_configured():
        raise ProviderNotAvailable(provider_slug)
    model = connection_model_get(provider.connection_model)
    connection = model.objects.create(
        user=user, provider=provider_slug, institution_id=institution_id, institution_name=institution_name,
        credentials=credentials or {}, status=ConnectionStatus.PENDING,
    )
    audit_record("connection.created", connection=connection, actor=user,
                 details={"institution_id": institution_id})
    return connection


def connection_revoke(connection: Connection, *, actor=None, delete_data: bool = False) -> Connection:
    """Disconnect: ask the provider to forget the consent (where it can), erase our tokens, mark
    revoked, and keep or delete the accounts and transactions as the person chose."""
    from .linked import connection_primary, linked_connections_follow

    provider_revoked = False
    try:
        provider = registry.get(connection.provider)
        if connection_primary(connection) is None:  # a linked connection's consent is its primary's
            provider.revoke(connection)
            provider_revoked = True
    except ProviderError as exc:
        # We still forget the tokens: our side of the consent ends now whatever the provider says.
        logger.warning("provider revoke failed provider=%s connection=%s code=%s",
                       connection.provider, connection.pk, exc.code)
    except LookupError:
        pass
    with transaction.atomic():
        token_erase(connection)
        connection.status = ConnectionStatus.REVOKED
        connection.next_sync_at = None
        connection.revoked_at = timezone.now()
        connection.save(update_fields=["status", "next_sync_at", "revoked_at", "updated_at"])
        deleted = 0
        if delete_data:
            deleted = connection.account_model.objects.filter(connection=connection).delete()[0]
        audit_record("connection.revoked", connection=connection, actor=actor,
                     details={"provider_revoked": provider_revoked, "data_deleted": delete_data,
                              "rows_deleted": deleted})
        linked_connections_follow(connection)
    person_data_changed(connection.user_id)  # a revoked connection no longer counts
    return connection


def connections_purge_revoked(now=None) -> int:
    """Delete revoked connections (and with them their accounts and transactions) once they
    are older than REVOKED_DATA_RETENTION_DAYS. An audit event records each purge."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REVOKED_DATA_RETENTION_DAYS)
    purged = 0
    for model in connection_models():
        for connection in model.objects.filter(status=ConnectionStatus.REVOKED, revoked_at__lt=cutoff):
            with transaction.atomic():
                audit_record("connection.purged", connection=connection,
                             details={"revoked_at": connection.revoked_at.isoformat(),
                                      "retention_days": settings.REVOKED_DATA_RETENTION_DAYS})
                connection.delete()
            purged += 1
    return purged


def connections_tidy_abandoned(now=None) -> int:
    """Delete connects the person started but never finished at the bank ("Not finished"):
    still pending, never synced, older than ABANDONED_CONNECT_HOURS. Their single-use states
    have long expired, so nothing can complete them any more. An audit event records each."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.ABANDONED_CONNECT_HOURS)
    tidied = 0
    for model in connection_models():
        abandoned = model.objects.filter(status=ConnectionStatus.PENDING, last_synced_at__isnull=True,
                                         created_at__lt=cutoff)
        for connection in abandoned:
            with transaction.atomic():
                audit_record("connection.abandoned_tidied", connection=connection,
                             details={"started_at": connection.created_at.isoformat(),
                                      "after_hours": settings.ABANDONED_CONNECT_HOURS})
                connection.delete()
            tidied += 1
    return tidied


def connection_reconnect_required(connection: Connection, *, code: str = "consent_expired",
                                  message: str = "") -> bool:
    """Move a connection to its reconnect state because the provider told us (a webhook saying
    the login or consent is no longer valid). Idempotent: True only when the state changed; the
    person is alerted once either way (alerts are deduplicated by cause). For provider webhook
    handlers: the state change and the alert are the core's."""
    from integrations_core.providers.errors import ConsentExpired

    from .alerts import connection_alerts_evaluate

    changed = bool(type(connection).objects.filter(
        pk=connection.pk, status__in=[ConnectionStatus.ACTIVE, ConnectionStatus.ERROR]).update(
        status=ConnectionStatus.REAUTH_REQUIRED, last_error_code=code[:40],
        last_error=message or ConsentExpired.user_message, updated_at=timezone.now()))
    connection.refresh_from_db()
    if changed:
        audit_record("connection.reauth_required", connection=connection, details={"code": code, "via": "webhook"})
        from .linked import linked_connections_follow

        linked_connections_follow(connection)
    connection_alerts_evaluate(connection)
    return changed


def connection_reauth_required(connection: Connection, *, code: str = "consent_expired", message: str = "") -> bool:
    """The provider says the person must reconnect (a refused consent, or a provider's own
    notice such as Plaid's ITEM_LOGIN_REQUIRED webhook). Returns False when nothing changed (the
    connection was already waiting, or is revoked): alerting reacts only to a real change."""
    from integrations_core.providers.errors import ConsentExpired

    if connection.status in (ConnectionStatus.REAUTH_REQUIRED, ConnectionStatus.REVOKED, ConnectionStatus.PENDING):
        return False
    connection.status = ConnectionStatus.REAUTH_REQUIRED
    connection.last_error, connection.last_error_code = message or ConsentExpired.user_message, ConsentExpired.code
    connection.save(update_fields=["status", "last_error", "last_error_code", "updated_at"])
    audit_record("connection.reauth_required", connection=connection, details={"code": code})
    from .alerts import connection_alerts_evaluate
    from .linked import linked_connections_follow

    linked_connections_follow(connection)

    connection_alerts_evaluate(connection)  # deduplicated by cause: the person hears once
    return True


def connection_consent_expiring(connection: Connection, *, expires_at, code: str = "") -> bool:
    """The provider announced when the consent ends (Plaid's PENDING_EXPIRATION): record it, so
    the person is asked to reconnect in time. False when it was already known."""
    if expires_at is None or connection.consent_expires_at == expires_at:
        return False
    connection.consent_expires_at = expires_at
    connection.save(update_fields=["consent_expires_at", "updated_at"])
    audit_record("connection.consent_expiring", connection=connection,
                 details={"code": code, "expires_at": expires_at.isoformat()})
    return True
