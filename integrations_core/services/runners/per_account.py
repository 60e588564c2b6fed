"""Per account from a date (banks): list the accounts, then fetch and write each in its own
transaction (services/account_sync.py), so one failing account never blocks the others."""

from __future__ import annotations

from ..account_sync import account_sync
from .context import RunContext, vanished_accounts_hide


def per_account_run(ctx: RunContext) -> dict[str, dict]:
    accounts = ctx.call("list_accounts")
    results: dict[str, dict] = {}
    seen: set[str] = set()
    # The connection's stored accounts in one query (after list_accounts, which may re-key some).
    stored = ctx.stored_accounts()
    for record in accounts:
        seen.add(record.external_id)
        outcome = account_sync(ctx.connection, ctx.provider, record, known=stored.get(record.external_id),
                               fetch=ctx.call, hooks=ctx.hooks)
        results[record.external_id] = outcome.as_dict()
        ctx.count(outcome.result)
    vanished_accounts_hide(ctx, stored, seen)
    return results
