"""Sync hooks open banking plugs into the core's import pipeline (SYNC_POST_IMPORT_HOOKS)."""

from __future__ import annotations

from .models import BankAccount
from .services.snapshots import balance_snapshot_record


def balance_snapshot_after_import(*, account, data, result) -> None:
    """Record today's balance snapshot. Runs inside the account's transaction, so a snapshot is
    never written for an import that rolled back. Other families' accounts are not ours."""
    if isinstance(account, BankAccount) and data.balance is not None:
        balance_snapshot_record(account, data.balance)
