"""Syncing and disconnecting investment connections: thin wrappers over the core's services
(the queue, token_erase and the audit trail live there), plus what investments need: a
connection whose provider has nothing to fetch (a statement upload, the person's own manual
accounts) is never queued."""

from __future__ import annotations

from django.utils import timezone

from integrations_core.models import ConnectionStatus, SyncRun
from integrations_core.providers.base import Capability
from integrations_core.providers.registry import registry
from integrations_core.services.audit import audit_record
from integrations_core.services.connections import connection_revoke
from integrations_core.services.sync import (
    SyncQueueUnavailable as SyncQueueUnavailable,  # re-exported for views
)
from integrations_core.services.sync import connection_sync_request

from ..models import InvestmentConnection

MANUAL_PROVIDER = "manual"  # the per-person connection holding manual accounts; not a registered provider


class SyncNotPossible(Exception):
    def __init__(self, code: str, message: str, *, retry_after=None):
        super().__init__(message)
        self.code, self.message, self.retry_after = code, message, retry_after


def investment_connection_fetches(connection: InvestmentConnection) -> bool:
    """True when the connection's provider is installed and fetches on a schedule; a file
    import, the manual connection and an uninstalled provider have nothing to fetch."""
    return connection.provider in registry.slugs_with(Capability.SCHEDULED_SYNC)


def investment_connection_sync_now(connection: InvestmentConnection, *, actor=None) -> SyncRun:
    """Queue a sync now, as banking's "Sync now" does, and return its run (queued, or finished
    with eager workers). Raises SyncNotPossible (the API answers 409) or SyncQueueUnavailable (503)."""
    if not investment_connection_fetches(connection):
        raise SyncNotPossible("nothing_to_sync", "This connection has nothing to fetch: upload a new statement "
                                                 "or edit the holdings instead.")
    if not connection.is_syncable:
        code = "reauth_required" if connection.status == ConnectionStatus.REAUTH_REQUIRED else "not_syncable"
        raise SyncNotPossible(code, "This connection cannot be synced until it is reconnected."
                              if code == "reauth_required" else f"This connection is {connection.status}.")
    if connection.retry_after and connection.retry_after > timezone.now():
        raise SyncNotPossible("rate_limited", "The platform asked us to wait before fetching again.",
                              retry_after=connection.retry_after)
    audit_record("connection.sync_requested", connection=connection, actor=actor)
    return connection_sync_request(connection, trigger="manual")


def investment_connection_revoke(connection: InvestmentConnection, *, actor=None,
                                 delete_data: bool = False) -> InvestmentConnection:
    """Disconnect: the platform is asked to forget the consent where it can, our credentials and
    tokens are erased (token_erase), the status becomes revoked and the audit trail records it.
    The accounts stay as history (not counted in totals) unless `delete_data`."""
    return connection_revoke(connection, actor=actor, delete_data=delete_data)
