"""The narrow runtime interface a provider binds to one connection for syncing account data."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol, runtime_checkable

from integrations_core.records import AccountData, AccountRecord


class AccountDataSource(Protocol):
    """Banks (and any provider with accounts + transactions) implement this.

    `calls` counts the HTTP requests made, for the SyncRun. Errors are the shared vocabulary."""

    calls: int

    def list_accounts(self) -> list[AccountRecord]: ...

    def fetch_account(self, account: AccountRecord, *, since: date | None) -> AccountData:
        """Balance, booked transactions from `since` (None: all the consent allows) and pending."""
        ...


@runtime_checkable
class InstitutionDirectory(Protocol):
    """Providers that publish the institutions a person can pick (seeded by `seed_institutions`).

    Errors are the shared vocabulary (`ProviderError`)."""

    def institutions(self, country: str) -> list[dict[str, Any]]:
        """The provider's raw institution entries for one country (ISO 3166 alpha-2)."""
        ...

    def institution_values(self, item: dict[str, Any]) -> dict[str, Any]:
        """One raw entry as the fields of an Institution row (`external_id`, `name`, ...)."""
        ...
