"""The narrow runtime interface a provider binds to one connection for syncing account data."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from integrations_core.records import AccountData, AccountRecord


class AccountDataSource(Protocol):
    """Banks (and any provider with accounts + transactions) implement this.

    `calls` counts the HTTP requests made, for the SyncRun. Errors are the shared vocabulary."""

    calls: int

    def list_accounts(self) -> list[AccountRecord]: ...

    def fetch_account(self, account: AccountRecord, *, since: date | None) -> AccountData:
        """Balance, booked transactions from `since` (None: all the consent allows) and pending."""
        ...
