"""Connecting, reconnecting, syncing and disconnecting bank connections: thin wrappers over
the core's services that add what banking needs (institution checks, a clean failure when the
aggregator cannot start a consent)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from integrations_core.models import SyncRun
from integrations_core.providers.base import AuthType, Family
from integrations_core.providers.errors import ProviderError
from integrations_core.providers.registry import UnknownProvider, registry
from integrations_core.selectors import provider_is_enabled
from integrations_core.services.audit import audit_record
from integrations_core.services.connections import (
    ProviderNotAvailable,
    SyncNotPossible,  # noqa: F401 (re-exported for views)
    connection_create,
    connection_revoke,
    connection_sync_now,
)
from integrations_core.services.oauth import authorization_start
from integrations_core.services.sync import (
    SyncQueueUnavailable as SyncQueueUnavailable,  # re-exported for views
)

from ..models import BankConnection, Institution
from ..selectors import institution_get

logger = logging.getLogger(__name__)

class ConnectError(Exception):
    """The connect request cannot go ahead. `field` names the input at fault, if any."""

    def __init__(self, code: str, message: str, *, field: str = "", status: int = 400):
        super().__init__(message)
        self.code, self.message, self.field, self.status = code, message, field, status


@dataclass(frozen=True)
class Authorization:
    connection: BankConnection
    authorization_url: str


def _provider_check(provider_slug: str):
    try:
        provider = registry.get(provider_slug)
    except UnknownProvider:
        raise ConnectError("unknown_provider", "Unknown provider.", field="provider") from None
    if provider.family != Family.BANKING:
        raise ConnectError("unknown_provider", "Not a bank provider.", field="provider")
    if provider.auth_type == AuthType.FILE_UPLOAD:
        raise ConnectError("unknown_provider", "Statement files are uploaded, not connected: use the statement "
                                               "import.", field="provider")
    if not provider_is_enabled(provider_slug) or not provider.is_configured():
        raise ConnectError("provider_unavailable", "This provider is not available right now.", field="provider")
    return provider


def _institution_check(provider, institution_id: str) -> Institution | None:
    institution = institution_get(provider.slug, institution_id)
    if institution_id and (institution is None or not institution.is_active):
        raise ConnectError("unknown_institution", "Unknown institution for this provider.", field="institution")
    if not institution_id and provider.requires_institution:
        # The provider has no bank picker of its own (e.g. the agreement is per institution).
        raise ConnectError("institution_required", "Choose an institution.", field="institution")
    return institution


def bank_connection_initiate(*, user, provider_slug: str, institution_id: str = "") -> Authorization:
    """Create a pending connection and return the URL the person must visit to consent."""
    provider = _provider_check(provider_slug)
    institution = _institution_check(provider, institution_id)
    try:
        connection = connection_create(user=user, provider_slug=provider_slug, institution_id=institution_id,
                                       institution_name=institution.name if institution else "")
    except ProviderNotAvailable:
        raise ConnectError("provider_unavailable", "This provider is not available right now.",
                           field="provider") from None
    try:
        url = authorization_start(connection)
    except ProviderError as exc:
        # Nothing was consented yet: drop the half-made connection instead of leaving debris.
        logger.warning("connect start failed provider=%s code=%s", provider_slug, exc.code)
        connection.delete()
        raise ConnectError(exc.code, exc.user_message, status=503) from exc
    connection.refresh_from_db()
    return Authorization(connection=connection, authorization_url=url)


def bank_connection_reconnect(connection: BankConnection, *, actor=None) -> Authorization:
    """Start a new consent for an existing connection (expired, revoked at the bank, or being
    reconfirmed early). Accounts and history stay; the status changes only once it completes."""
    _provider_check(connection.provider)
    try:
        url = authorization_start(connection)
    except ProviderError as exc:
        logger.warning("reconnect start failed provider=%s connection=%s code=%s", connection.provider,
                       connection.pk, exc.code)
        raise ConnectError(exc.code, exc.user_message, status=503) from exc
    audit_record("connection.reconnect_started", connection=connection, actor=actor)
    connection.refresh_from_db()
    return Authorization(connection=connection, authorization_url=url)


def bank_connection_revoke(connection: BankConnection, *, actor=None, delete_data: bool = False) -> BankConnection:
    return connection_revoke(connection, actor=actor, delete_data=delete_data)


def bank_connection_sync_request(connection: BankConnection, *, actor=None) -> SyncRun:
    """Queue a sync now (the core's connection_sync_now)."""
    return connection_sync_now(connection, actor=actor)


def bank_account_rekey(account, new_external_id: str) -> None:
    """Move an account (and so its history) to the id the provider now uses for it. GoCardless
    issues new account ids with every requisition, so a reconnect would otherwise start a
    second copy of the same account next to the old one."""
    old = account.external_id
    account.external_id = new_external_id
    account.is_active = True
    account.save(update_fields=["external_id", "is_active", "updated_at"])
    audit_record("account.rekeyed", connection=account.connection, details={"account": str(account.pk),
                                                                            "old": old, "new": new_external_id})
