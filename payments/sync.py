"""The runner for processor sources (ActivitySource: Stripe, PayPal), registered with the core
in PaymentsConfig.ready.

One read of the whole connection (every currency at once, as processors list them), written in
one transaction together with the source's `state` and how far the read reached, so a failed
write or a crash leaves the last good data and the old state, and the next sync reads the same
window again. Rows are keyed by the processor's ids: reading them twice changes nothing.

The connection's sync_state holds {"activity": <the source's state>, "activity_to": <ISO time
the last written read reached>}; `since` for the next read is that time (the source adds its
own overlap: balance transactions settle, payouts move in transit to paid)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.dateparse import parse_datetime

from integrations_core.providers.errors import ProviderError
from integrations_core.records import PaymentsActivity
from integrations_core.services.account_sync import AccountSyncOutcome
from integrations_core.services.runners.context import RunContext, vanished_accounts_hide

from .services.activity import activity_write

STATE_KEY = "activity"
REACHED_KEY = "activity_to"


def activity_since(connection) -> datetime | None:
    reached = (connection.sync_state or {}).get(REACHED_KEY)
    return parse_datetime(reached) if isinstance(reached, str) else None


def activity_run(ctx: RunContext) -> dict[str, dict]:
    connection = ctx.connection
    state = (connection.sync_state or {}).get(STATE_KEY) or {}
    activity: PaymentsActivity = ctx.call("fetch_activity", since=activity_since(connection), state=dict(state))
    problem: ProviderError | None = activity.disputes_error
    stored = ctx.stored_accounts()
    with transaction.atomic():
        written = activity_write(connection, activity, stored)
        sync_state = {**(connection.sync_state or {}), STATE_KEY: activity.state}
        if activity.window_to is not None:
            sync_state[REACHED_KEY] = activity.window_to.isoformat()
        connection.sync_state = sync_state
        connection.save(update_fields=["sync_state", "updated_at"])
    if activity.accounts:
        # A currency the processor no longer lists is hidden, never deleted (its history stays).
        vanished_accounts_hide(ctx, stored, set(written.accounts))
    results: dict[str, dict] = {}
    for external_id, account in written.accounts.items():
        result = written.results.get(external_id)
        if result is None:
            continue
        outcome = AccountSyncOutcome(account.name, "partial" if problem else "ok", result=result, error=problem)
        results[external_id] = outcome.as_dict()
        ctx.count(result)
    return results
