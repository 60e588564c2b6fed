"""Snapshot sources (investment platforms): per account, the holdings as they are now plus the
transactions from `since`, written by the portfolio import in one transaction per account, so a
half-synced portfolio is never visible and a failed fetch leaves the last good snapshot."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from integrations_core.providers.errors import ConsentExpired, ProviderAuthError, ProviderError
from integrations_core.records import PortfolioData

from ..account_sync import OVERLAP_DAYS, AccountSyncOutcome, account_state_set
from ..imports import account_upsert
from .context import RunContext, vanished_accounts_hide


def portfolio_since(account):
    """Where the transaction history is re-read from: the overlap before the last good sync
    (platforms amend recent activity too), or everything on the first."""
    if account.last_synced_at is None:
        return None
    return timezone.localdate(account.last_synced_at) - timedelta(days=OVERLAP_DAYS)


def snapshot_run(ctx: RunContext) -> dict[str, dict]:
    # Imported here: the portfolio write path belongs to the investments work and may load its models.
    from integrations_core.services.imports.portfolio import portfolio_import

    accounts = ctx.call("list_accounts")
    stored = ctx.stored_accounts()
    results: dict[str, dict] = {}
    seen: set[str] = set()
    for record in accounts:
        seen.add(record.external_id)
        account = account_upsert(ctx.connection, record, known=stored.get(record.external_id))
        try:
            data: PortfolioData = ctx.call("fetch_portfolio", record, since=portfolio_since(account))
            with transaction.atomic():
                result = portfolio_import(account, data)
        except (ConsentExpired, ProviderAuthError):
            raise
        except ProviderError as exc:
            account_state_set(account, exc)
            results[record.external_id] = AccountSyncOutcome(account.name, "failed", error=exc).as_dict()
            continue
        problem = data.transactions_error or data.snapshot_error
        account_state_set(account, problem)
        results[record.external_id] = AccountSyncOutcome(account.name, "partial" if problem else "ok",
                                                         result=result, error=problem).as_dict()
        ctx.count(result)
    vanished_accounts_hide(ctx, stored, seen)
    return results
