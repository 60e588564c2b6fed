"""What the sync engine hands a runner: the connection, its provider, the run being filled in,
`call(fn_name, *args, **kwargs)` (every call to the source goes through it: it is the lease
checkpoint and refreshes a refused token once), and the post-import hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from integrations_core.models import Account, Connection, SyncRun
from integrations_core.providers.base import Provider

from ..account_sync import connection_share


@dataclass
class RunContext:
    connection: Connection
    provider: Provider
    run: SyncRun
    call: Callable
    hooks: list[Callable]

    def count(self, result) -> None:
        """Add one account's ImportResult to the run's totals."""
        self.run.added += result.added
        self.run.updated += result.updated
        self.run.removed += result.removed

    def stored_accounts(self) -> dict[str, Account]:
        """The connection's stored accounts by external id, in one query."""
        accounts = {a.external_id: a for a in self.connection.account_model.objects.filter(connection=self.connection)}
        for account in accounts.values():
            connection_share(account, self.connection)
        return accounts



def vanished_accounts_hide(ctx: RunContext, stored: dict[str, Account], seen: set[str]) -> None:
    """Accounts the provider no longer returns are hidden, never deleted (their history stays)."""
    vanished = [a.pk for key, a in stored.items() if a.is_active and key not in seen]
    if vanished:
        ctx.connection.account_model.objects.filter(pk__in=vanished).update(is_active=False)
