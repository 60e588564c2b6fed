"""One account's part of a sync: upsert it, size its window, fetch, import, and record how it
went on the account itself, so a person sees which account is failing or has a stale balance
even when the connection as a whole is fine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from integrations_core.models import Account, Connection
from integrations_core.providers.errors import ConsentExpired, ProviderAuthError, ProviderError, RateLimited
from integrations_core.records import AccountData, AccountRecord

from .imports import ImportResult, account_data_import, account_upsert, sync_window_start

# Re-fetch at least this many days before the last booked date: banks amend recent items.
OVERLAP_DAYS = 10
NEW_ACCOUNT_NAME = "New account (details not available yet)"


@dataclass
class AccountSyncOutcome:
    name: str
    status: str  # ok | partial (rows or balance missing) | failed
    result: ImportResult = field(default_factory=ImportResult)
    error: ProviderError | None = None

    def as_dict(self) -> dict:
        out: dict = {"name": self.name, "status": self.status}
        if self.status != "failed":
            out.update(self.result.as_dict())
        if self.error is not None:
            out.update(error_code=self.error.code, error=self.error.user_message)
            if isinstance(self.error, RateLimited) and self.error.retry_after:
                out["retry_after"] = self.error.retry_after
        return out


def connection_share(account: Account, connection: Connection) -> None:
    """Give the account the sync's own connection object as its `connection`, so the import and
    its hooks (which read `account.connection.user`) do not load the connection again, decrypting
    its tokens, once per account."""
    field = type(account)._meta.get_field("connection")
    if account.connection_id == connection.pk and not field.is_cached(account):
        field.set_cached_value(account, connection)


def account_sync(connection: Connection, provider, record: AccountRecord, *, known: Account | None,
                 fetch: Callable, hooks: list[Callable]) -> AccountSyncOutcome:
    """Sync one account. Consent and token failures propagate (the whole connection needs the
    person); any other provider failure is this account's alone and is returned."""
    if record.details_missing and known is None:
        # Nothing stored yet and nothing to store: asking fetch_account surfaces the reason.
        try:
            fetch("fetch_account", record, since=None)
        except (ConsentExpired, ProviderAuthError):
            raise
        except ProviderError as exc:
            return AccountSyncOutcome(NEW_ACCOUNT_NAME, "failed", error=exc)
        return AccountSyncOutcome(NEW_ACCOUNT_NAME, "failed", error=ProviderError("Account details missing"))

    account = account_upsert(connection, record, known=known)
    connection_share(account, connection)
    since = sync_window_start(account, overlap_days=OVERLAP_DAYS, settlement_max_days=provider.settlement_max_days,
                              history_max_days=provider.history_max_days_unattended)
    try:
        data: AccountData = fetch("fetch_account", record, since=since)
        with transaction.atomic():
            result = account_data_import(account, data, settlement_max_days=provider.settlement_max_days)
            for hook in hooks:
                hook(account=account, data=data, result=result)
    except (ConsentExpired, ProviderAuthError):
        raise
    except ProviderError as exc:
        account_state_set(account, exc)
        return AccountSyncOutcome(account.name, "failed", error=exc)
    problem = data.transactions_error or data.balance_error
    account_state_set(account, problem, balance_only=data.transactions_error is None)
    return AccountSyncOutcome(account.name, "partial" if problem else "ok", result=result, error=problem)


def account_state_set(account: Account, error: ProviderError | None, *, balance_only: bool = False) -> None:
    """Record (or clear) the account's own sync problem; saved only when it changed."""
    if error is None:
        code, message = "", ""
    elif balance_only:
        code = f"balance_{error.code}"[:40]
        as_of = f" It is shown as of {timezone.localtime(account.balance_updated_at):%d %b %Y}." \
            if account.balance_updated_at else ""
        message = f"The balance could not be updated this time.{as_of} Transactions are up to date."
    else:
        code, message = error.code, error.user_message
    if (account.sync_error_code, account.sync_error) == (code, message):
        return
    account.sync_error_code, account.sync_error = code, message
    if not code:
        account.sync_failing_since = None
    elif account.sync_failing_since is None:
        account.sync_failing_since = timezone.now()
    account.save(update_fields=["sync_error_code", "sync_error", "sync_failing_since", "updated_at"])
