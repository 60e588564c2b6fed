"""The only code in the web app that writes: manual accounts, and setting a budget from the
budgets page (which composes the transactions app's own budget services)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from integrations_core.models import StatementImport, StatementImportStatus, SyncRun
from integrations_core.services.audit import audit_record
from integrations_core.services.connections import connection_revoke
from integrations_core.services.sync_queue import connection_sync_request
from transactions.models import Budget
from transactions.services.budgets import budget_create, budget_update

from .models import ManualAccount
from .selectors import budget_find


def manual_account_create(*, user, name: str, type: str, currency: str, balance: Decimal) -> ManualAccount:
    return ManualAccount.objects.create(user=user, name=name.strip(), type=type, currency=currency.upper(),
                                        balance=balance)


def manual_account_update(account: ManualAccount, *, balance: Decimal) -> ManualAccount:
    account.balance = balance
    account.save(update_fields=["balance", "updated_at"])
    return account


def manual_account_delete(account: ManualAccount) -> None:
    account.delete()


def budget_set(*, user, category: str, amount: Decimal, currency: str, month: date) -> tuple[Budget, bool]:
    """Create the category's budget from `month` on, or change the limit of the one it has.
    Returns (budget, created)."""
    existing = budget_find(user, category=category, currency=currency)
    if existing is None:
        return budget_create(user=user, category=category, amount=amount, currency=currency,
                             start_month=month), True
    values = {"amount": amount}
    if month < existing.start_month:
        values["start_month"] = month
    return budget_update(existing, **values), False


# --- portfolio ------------------------------------------------------------------------------
# Until investments/services/connections.py (sync now, revoke) lands, the portfolio pages compose
# the core's own services here, with the same checks the bank pages make.
class SyncNotPossible(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def investment_sync_request(connection, *, actor) -> SyncRun:
    """Queue a "Sync now" and return its run. Raises SyncNotPossible (not syncable, or the
    platform asked us to wait) or the core's SyncQueueUnavailable."""
    if not connection.is_syncable:
        raise SyncNotPossible("not_syncable", "This connection cannot be synced: connect it again with a new key.")
    if connection.retry_after and connection.retry_after > timezone.now():
        wait = max(1, int((connection.retry_after - timezone.now()).total_seconds()))
        raise SyncNotPossible("rate_limited", f"The platform asked us to wait: try again in {wait} seconds.")
    audit_record("connection.sync_requested", connection=connection, actor=actor)
    return connection_sync_request(connection, trigger="manual")


def investment_connection_revoke(connection, *, actor, delete_data: bool):
    """Disconnect: the stored key is erased at once; the data stays unless asked otherwise."""
    return connection_revoke(connection, actor=actor, delete_data=delete_data)


def statement_import_discard(statement_import: StatementImport) -> None:
    """Cancel a preview: its parsed rows go now rather than when it expires. An imported file's
    record stays (it is how a re-import is recognised)."""
    if statement_import.status != StatementImportStatus.IMPORTED:
        statement_import.delete()
