"""Per connection from a cursor (Plaid-style): every change since the stored cursor, with the
removed rows named explicitly. The changes and the new cursor are written in one transaction:
a crash or a failed write leaves the old cursor, and the next sync reads the same changes again
(keyed by the provider's ids, so reading them twice changes nothing)."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction

from integrations_core.models import TransactionStatus
from integrations_core.providers.errors import CursorRestart
from integrations_core.records import AccountData, AccountRecord, BalanceRecord, ChangeSet

from ..account_sync import AccountSyncOutcome
from ..imports import (
    account_upsert,
    balance_fields_set,
    balance_snapshot_record,
    explicit_removals,
    keyed_records,
    transaction_rows_write,
)
from .context import RunContext


def changes_fetch(ctx: RunContext, start: str | None) -> tuple[list[ChangeSet], str | None]:
    """Every page from `start` while the source has more, and the cursor after the last one. A
    mutation during pagination (CursorRestart) starts again once from `start`: pages of two
    versions of the data must not be mixed."""
    restarted = False
    while True:
        pages: list[ChangeSet] = []
        cursor = start
        try:
            while True:
                page = ctx.call("fetch_changes", cursor=cursor)
                pages.append(page)
                cursor = page.next_cursor
                if not page.has_more:
                    return pages, cursor
        except CursorRestart:
            if restarted:
                raise
            restarted = True


def cursor_run(ctx: RunContext) -> dict[str, dict]:
    connection = ctx.connection
    start = (connection.sync_state or {}).get("cursor")
    pages, cursor = changes_fetch(ctx, start)

    accounts: dict[str, AccountRecord] = {}
    balances: dict[str, BalanceRecord] = {}
    changed: dict[str, list] = defaultdict(list)
    removed: dict[str, list[str]] = defaultdict(list)
    for page in pages:
        accounts.update({a.external_id: a for a in page.accounts})
        balances.update(page.balances)
        for key, records in [*page.added.items(), *page.modified.items()]:
            changed[key].extend(records)
        for gone in page.removed:
            removed[gone.account_external_id].append(gone.external_id)

    stored = ctx.stored_accounts()
    results: dict[str, dict] = {}
    with transaction.atomic():
        for external_id in dict.fromkeys([*accounts, *changed, *removed, *balances]):
            record = accounts.get(external_id)
            account = (account_upsert(connection, record, known=stored.get(external_id)) if record is not None
                       else stored.get(external_id))
            if account is None:
                continue  # changes for an account the source never described: nothing to attach them to
            result = _account_changes_write(ctx, account, record, changed.get(external_id, []),
                                            removed.get(external_id, []), balances.get(external_id))
            results[external_id] = AccountSyncOutcome(account.name, "ok", result=result).as_dict()
            ctx.count(result)
        connection.sync_state = {**(connection.sync_state or {}), "cursor": cursor}
        connection.save(update_fields=["sync_state", "updated_at"])
    return results


def _account_changes_write(ctx: RunContext, account, record, records: list, removed_ids: list[str],
                           balance: BalanceRecord | None = None):
    spec = account.transactions.model.row_spec
    # The balance is saved with the account's last_synced_at, its snapshot in the same block.
    balance_fields = balance_fields_set(account, balance) if balance is not None else []
    # Later pages win: a row added and then modified in one read is written once, as modified.
    latest = list({r.external_id or id(r): r for r in records}.values())
    booked = [r for r in latest if r.status != TransactionStatus.PENDING]
    pending = [r for r in latest if r.status == TransactionStatus.PENDING]
    result = transaction_rows_write(account, keyed_records(booked, spec.fingerprint_fields),
                                    pending=keyed_records(pending, spec.fingerprint_fields), spec=spec,
                                    removals=explicit_removals(account, removed_ids, booked=booked),
                                    also_save=tuple(balance_fields))
    if balance is not None:
        balance_snapshot_record(account, balance)
    data = AccountData(account=record, balance=balance, booked=booked, pending=pending)
    for hook in ctx.hooks:
        hook(account=account, data=data, result=result)
    return result
