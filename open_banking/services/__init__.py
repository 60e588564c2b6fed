"""Bank services: the only code in this app that writes."""

from .connections import (
    Authorization,
    ConnectError,
    SyncNotPossible,
    SyncQueueUnavailable,
    bank_account_rekey,
    bank_connection_initiate,
    bank_connection_reconnect,
    bank_connection_revoke,
    bank_connection_sync_request,
)
from .institutions import institutions_upsert

__all__ = [
    "Authorization", "ConnectError", "SyncNotPossible", "SyncQueueUnavailable", "bank_account_rekey", "bank_connection_initiate",
    "bank_connection_reconnect", "bank_connection_revoke", "bank_connection_sync_request", "institutions_upsert",
]
