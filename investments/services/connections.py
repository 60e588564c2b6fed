"""Syncing and disconnecting investment connections: thin wrappers over the core's services
(the queue, the "sync now" rules, token_erase and the audit trail live there)."""

from __future__ import annotations

from integrations_core.models import SyncRun
from integrations_core.providers.base import Capability
from integrations_core.providers.registry import registry
from integrations_core.services.connections import (
    SyncNotPossible as SyncNotPossible,  # re-exported for views
)
from integrations_core.services.connections import connection_revoke, connection_sync_now
from integrations_core.services.sync import (
    SyncQueueUnavailable as SyncQueueUnavailable,  # re-exported for views
)

from ..models import InvestmentConnection

MANUAL_PROVIDER = "manual"  # the per-person connection holding manual accounts; not a registered provider


def investment_connection_fetches(connection: InvestmentConnection) -> bool:
    """True when the connection's provider is installed and fetches on a schedule; a file
    import, the manual connection and an uninstalled provider have nothing to fetch."""
    return connection.provider in registry.slugs_with(Capability.SCHEDULED_SYNC)


def investment_connection_sync_now(connection: InvestmentConnection, *, actor=None) -> SyncRun:
    """Queue a sync now (the core's connection_sync_now, which refuses connections whose
    platform fetches nothing: statement uploads, the person's manual accounts)."""
    return connection_sync_now(connection, actor=actor)


def investment_connection_revoke(connection: InvestmentConnection, *, actor=None,
                                 delete_data: bool = False) -> InvestmentConnection:
    """Disconnect: the platform is asked to forget the consent where it can, our credentials and
    tokens are erased (token_erase), the status becomes revoked and the audit trail records it.
    The accounts stay as history (not counted in totals) unless `delete_data`."""
    return connection_revoke(connection, actor=actor, delete_data=delete_data)
