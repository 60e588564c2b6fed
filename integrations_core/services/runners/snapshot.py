"""Snapshot sources (investment platforms): per account, the holdings as they are now plus the
transactions from `since`, written by the portfolio import in one transaction per account, so a
half-synced portfolio is never visible and a failed fetch leaves the last good snapshot.

A history the platform lets us read only so fast (Trading 212: six pages a minute) may come
back in part, with a resume note (`PortfolioData.resume`). The note is kept in the connection's
`sync_state["portfolio_resume"][<account external id>]`, saved in the same transaction as the
import it belongs to, handed back on the next sync and dropped once the history is complete.
Such a run is partial with the source's wait, so the retry sweep comes back after the reset."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from integrations_core.providers.errors import (
    ConsentExpired,
    ProviderAuthError,
    ProviderError,
    RateLimited,
    ScopeMissing,
)
from integrations_core.records import PortfolioData

from ..account_sync import OVERLAP_DAYS, AccountSyncOutcome, account_state_set
from ..imports import account_upsert
from .context import RunContext, vanished_accounts_hide

RESUME_KEY = "portfolio_resume"


class HistoryIncomplete(RateLimited):
    """Not a failure: the older history is still being read, as fast as the platform allows.
    Its code is rate_limited so the engine schedules the next pass after the source's wait."""

    user_message = ("Your older history is still loading: the platform limits how fast it can be read. "
                    "We will carry on shortly.")


def portfolio_since(account):
    """Where the transaction history is re-read from: the overlap before the last sync that read
    the newest history (platforms amend recent activity too), or everything on the first."""
    if account.last_synced_at is None:
        return None
    return timezone.localdate(account.last_synced_at) - timedelta(days=OVERLAP_DAYS)


def _writable(data: PortfolioData) -> tuple[PortfolioData, ProviderError | None]:
    """What can be written of an answer, and the problem with the rest. A part the platform
    refused (a key without a history scope) does not stop the other part: the snapshot is
    written without transactions (and no window, so nothing is removed), or the other way round."""
    snapshot_error, transactions_error = data.snapshot_error, data.transactions_error
    if snapshot_error is not None and transactions_error is not None:
        raise snapshot_error
    if transactions_error is not None:
        return replace(data, transactions=[], window_from=None, window_to=None, transactions_error=None,
                       resume=None, resume_after=None), transactions_error
    if snapshot_error is not None:
        return replace(data, snapshot=None, snapshot_error=None), snapshot_error
    return data, None


def _resume_save(ctx: RunContext, external_id: str, resume: dict | None) -> None:
    state = dict(ctx.connection.sync_state or {})
    notes = dict(state.get(RESUME_KEY) or {})
    if (notes.get(external_id) or None) == resume:
        return
    if resume is None:
        notes.pop(external_id, None)
    else:
        notes[external_id] = resume
    if notes:
        state[RESUME_KEY] = notes
    else:
        state.pop(RESUME_KEY, None)
    ctx.connection.sync_state = state
    ctx.connection.save(update_fields=["sync_state", "updated_at"])


def snapshot_run(ctx: RunContext) -> dict[str, dict]:
    # Imported here: the portfolio write path belongs to the investments work and may load its models.
    from integrations_core.services.imports.portfolio import portfolio_import

    accounts = ctx.call("list_accounts")
    stored = ctx.stored_accounts()
    notes = (ctx.connection.sync_state or {}).get(RESUME_KEY) or {}
    results: dict[str, dict] = {}
    seen: set[str] = set()
    for record in accounts:
        seen.add(record.external_id)
        # The account row first (its wrapper and name from record.extra/record), then its portfolio.
        account = account_upsert(ctx.connection, record, known=stored.get(record.external_id))
        resume = notes.get(record.external_id) or None
        extra = {"resume": resume} if resume else {}
        try:
            data: PortfolioData = ctx.call("fetch_portfolio", record, since=portfolio_since(account), **extra)
            writable, problem = _writable(data)
            with transaction.atomic():
                result = portfolio_import(account, writable)
                if problem is None or problem is data.snapshot_error:
                    # The history was read: keep (or drop) the note with what it covers. Only
                    # a pass that read the newest history moves the account's "synced up to".
                    _resume_save(ctx, record.external_id, writable.resume)
                    if not resume:
                        account.last_synced_at = timezone.now()
                        account.save(update_fields=["last_synced_at", "updated_at"])
        except ScopeMissing as exc:
            # A permission the key lacks for this account's data: the person must make a new
            # key, and the message says which permission (not "your consent has expired").
            account_state_set(account, exc)
            results[record.external_id] = AccountSyncOutcome(account.name, "failed", error=exc).as_dict()
            continue
        except (ConsentExpired, ProviderAuthError):
            raise
        except ProviderError as exc:
            account_state_set(account, exc)
            results[record.external_id] = AccountSyncOutcome(account.name, "failed", error=exc).as_dict()
            continue
        if problem is None and writable.resume:
            problem = HistoryIncomplete("history still loading", retry_after=writable.resume_after)
        account_state_set(account, problem)
        results[record.external_id] = AccountSyncOutcome(account.name, "partial" if problem else "ok",
                                                         result=result, error=problem).as_dict()
        ctx.count(result)
    vanished_accounts_hide(ctx, stored, seen)
    return results
