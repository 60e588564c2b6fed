"""The writer of bank statement files (CSV, OFX, QIF, CAMT.053: open_banking/statements/):
cash rows through the one transaction writer (`transaction_rows_write`), so keys, locked
fields, categorisation and idempotency are the sync's own.

- Keys are the sync's keys (the file's own id, e.g. an OFX FITID, else fingerprint +
  occurrence) behind STATEMENT_KEY_PREFIX, so a file's rows never collide with a provider's.
- Into an account that is also synced, a row the bank already reported (duplicates.py) is
  skipped, never written twice; the count is returned as `duplicates`.
- A file removes nothing and claims no pending row (a statement is a list of booked rows).
- Re-importing the same or an overlapping file adds only rows not yet stored and rewrites
  nothing: a row's raw payload (its line in that one file) is written once."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from django.db import transaction

from integrations_core.models import Account, Connection, TransactionStatus
from integrations_core.providers.sources import ParsedStatement
from integrations_core.records import AccountData

from .accounts import account_upsert, balance_apply
from .duplicates import DUPLICATE_DATE_DAYS, STATEMENT_KEY_PREFIX, same_payments
from .keys import keyed_records
from .rows import transaction_rows_write
from .transactions import explicit_removals


class StatementHasErrors(ValueError):
    """The parsed file has row errors (or names an account not in the connection): nothing is
    written. (The portfolio writer has its own; this module does not load the portfolio one.)"""


__all__ = ["StatementHasErrors", "cash_statement_write", "statement_duplicates", "statement_keyed"]


def statement_keyed(account: Account, parsed: ParsedStatement) -> list[tuple[str, str, object]]:
    """(key, fingerprint, record) for each row of the file, as the writer will key them."""
    fields = account.transactions.model.row_spec.fingerprint_fields
    return [(STATEMENT_KEY_PREFIX + key, fp, record)
            for key, fp, record in keyed_records(list(parsed.cash_transactions), fields)]


def statement_duplicates(account: Account, keyed: list[tuple[str, str, object]]) -> dict[str, object]:
    """The rows of a file (by key) that are payments this account already holds from a sync
    (not rows an earlier file brought: those are the same key, or a different payment)."""
    if not keyed:
        return {}
    stored_keys = set(account.transactions.filter(external_id__in=[k for k, _, _ in keyed])
                      .values_list("external_id", flat=True))
    new = [(key, record) for key, _, record in keyed if key not in stored_keys]
    if not new:
        return {}
    first = min(r.booked_date for _, r in new)
    last = max(r.booked_date for _, r in new)
    margin = timedelta(days=DUPLICATE_DATE_DAYS + 1)  # value dates may sit a day beyond
    synced = list(account.transactions.exclude(external_id__startswith=STATEMENT_KEY_PREFIX)
                  .filter(booked_date__gte=first - margin, booked_date__lte=last + margin))
    return same_payments(synced, new)


def _target_account(connection: Connection, parsed: ParsedStatement) -> tuple[Account, bool]:
    """The account the person chose (one of this connection's), or the file's own account in
    the statement connection. True when it is the file's own (its balance is the file's)."""
    chosen = (parsed.options or {}).get("account")
    if chosen:
        account = connection.account_model.objects.filter(connection=connection, pk=chosen).first()
        if account is None:
            raise StatementHasErrors("the chosen account is not in this connection")
        return account, False
    return account_upsert(connection, parsed.account), True


def cash_statement_write(connection: Connection, parsed: ParsedStatement) -> dict:
    """Write one parsed bank statement into `connection`, in one transaction. Returns
    {"added", "updated", "unchanged", "duplicates"}."""
    if parsed.errors:
        raise StatementHasErrors(f"{len(parsed.errors)} row error(s): nothing is written")
    with transaction.atomic():
        account, own = _target_account(connection, parsed)
        model = account.transactions.model
        spec = dataclasses.replace(model.row_spec, claims=False,
                                   insert_only_fields=(*model.row_spec.insert_only_fields, "raw"))
        keyed = statement_keyed(account, parsed)
        duplicates = statement_duplicates(account, keyed)
        to_write = [item for item in keyed if item[0] not in duplicates]
        result = transaction_rows_write(account, to_write, removals=explicit_removals(account, []), spec=spec,
                                        stamp_account=False)
        if own and parsed.balance is not None and _balance_is_news(account, parsed.balance):
            balance_apply(account, parsed.balance)
        _post_import_hooks(account, parsed, to_write, result)
    # Unchanged: every row that changed nothing, the bank's duplicates among them.
    unchanged = max(0, len(keyed) - result.added - result.updated)
    return {"added": result.added, "updated": result.updated, "unchanged": unchanged,
            "duplicates": len(duplicates)}


def _balance_is_news(account: Account, balance) -> bool:
    """A re-import of the same file (or an older one) leaves the balance and its history alone."""
    if account.balance_updated_at is not None and balance.as_of is not None and balance.as_of <= account.balance_updated_at:
        return account.current_balance is None
    return account.current_balance != balance.current or account.balance_updated_at is None


def _post_import_hooks(account: Account, parsed: ParsedStatement, written: list, result) -> None:
    """The sync's post-import hooks (categorise, pair transfers) see a file's rows as a sync's."""
    if not (result.new_ids or result.changed_ids):
        return
    from integrations_core.services.sync import _post_import_hooks as hooks

    data = AccountData(account=parsed.account, booked=[r for _, _, r in written
                                                        if r.status == TransactionStatus.BOOKED], pending=None)
    for hook in hooks():
        hook(account=account, data=data, result=result)
