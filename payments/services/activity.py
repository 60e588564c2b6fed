"""The one write path for what a processor sync read (a PaymentsActivity): accounts per
settlement currency with their balances and snapshots, payouts, balance transactions and
disputes, upserted by the processor's id. The caller holds the transaction: nothing of a read is
visible until all of it is written, and a failed write leaves the last good state.

A repeated read of unchanged data writes nothing: each row is compared with what is stored and
saved only when a synced field differs. A payout's link to its balance transactions is only ever
filled in, never cleared by a read that does not mention it (Stripe names the payout on the
payout's listing, not on each transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from integrations_core.models import AccountType, Connection
from integrations_core.records import (
    AccountRecord,
    BalanceTransactionRecord,
    DisputeRecord,
    PaymentsActivity,
    PayoutRecord,
)
from integrations_core.services.imports import (
    ImportResult,
    account_upsert,
    balance_fields_set,
    balance_snapshot_record,
)

from ..models import BalanceTransaction, Dispute, Payout, ProcessorAccount


def account_external_id(currency: str) -> str:
    """The processor account of one settlement currency, as every source names it."""
    return f"balance:{currency.lower()}"


@dataclass
class ActivityResult:
    """Per account external id: what was written (added / updated rows of every kind)."""

    accounts: dict[str, ProcessorAccount] = field(default_factory=dict)
    results: dict[str, ImportResult] = field(default_factory=dict)

    def result_for(self, account: ProcessorAccount) -> ImportResult:
        return self.results.setdefault(account.external_id, ImportResult())


def _fee_details(record: BalanceTransactionRecord) -> list[dict]:
    return [{"type": f.type, "amount": str(f.amount), "currency": f.currency, "description": f.description}
            for f in record.fee_details]


def _bt_values(record: BalanceTransactionRecord) -> dict:
    return {
        "type": record.type, "status": record.status, "occurred_at": record.created_at, "amount": record.amount,
        "fee": record.fee, "net": record.net, "currency": record.currency.upper(),
        "available_on": record.available_on, "description": record.description[:500],
        "source_id": record.source_id[:255], "reporting_category": record.reporting_category[:60],
        "fee_details": _fee_details(record), "counterparty": record.counterparty[:200],
        "reference": record.reference[:255], "original_amount": record.original_amount,
        "original_currency": record.original_currency.upper()[:3], "exchange_rate": record.exchange_rate,
        "raw": record.raw,
    }


def _payout_values(record: PayoutRecord) -> dict:
    return {
        "amount": record.amount, "currency": record.currency.upper(), "status": record.status,
        "occurred_at": record.created_at, "arrival_date": record.arrival_date, "reference": record.reference[:255],
        "destination": record.destination[:100], "method": record.method[:20], "automatic": record.automatic,
        "failure_message": record.failure_message[:500], "raw": record.raw,
    }


def _dispute_values(record: DisputeRecord) -> dict:
    return {
        "amount": record.amount, "currency": record.currency.upper(), "status": record.status[:40],
        "reason": record.reason[:100], "occurred_at": record.created_at, "evidence_due_by": record.evidence_due_by,
        "charge_external_id": record.charge_external_id[:255], "closed": record.closed, "raw": record.raw,
    }


def _rows_upsert(model, account: ProcessorAccount, rows: dict[str, dict], result: ImportResult,
                 fill_only: Iterable[str] = ()) -> dict[str, object]:
    """Create or update `rows` (external id -> values) of one account in two queries plus one
    per changed row. `fill_only` fields are written when empty and never cleared."""
    fill_only = tuple(fill_only)
    stored = {row.external_id: row for row in model.objects.filter(account=account, external_id__in=list(rows))}
    new = []
    for external_id, values in rows.items():
        row = stored.get(external_id)
        if row is None:
            new.append(model(account=account, external_id=external_id, **values))
            continue
        changed = []
        for name, value in values.items():
            if name in fill_only and (not value or getattr(row, name)):
                continue
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed.append(name)
        if changed:
            row.save(update_fields=[*changed, "updated_at"])
            result.updated += 1
    if new:
        model.objects.bulk_create(new)
        result.added += len(new)
        stored.update({row.external_id: row for row in new})
    return stored


def _account_for(connection: Connection, written: ActivityResult, stored: dict[str, ProcessorAccount],
                 currency: str) -> ProcessorAccount:
    """The account of a record's currency; a currency the balance did not list (a refund in a
    currency since emptied) gets its account too, so nothing read is dropped."""
    external_id = account_external_id(currency)
    account = written.accounts.get(external_id)
    if account is None:
        record = AccountRecord(external_id=external_id, name=f"{connection.institution_name or 'Processor'} "
                               f"{currency.upper()}", type=AccountType.OTHER, currency=currency.upper())
        account = account_upsert(connection, record, known=stored.get(external_id))
        written.accounts[external_id] = account
    return account


def _by_account(connection, written, stored, records) -> dict[ProcessorAccount, list]:
    grouped: dict[ProcessorAccount, list] = {}
    for record in records:
        grouped.setdefault(_account_for(connection, written, stored, record.currency), []).append(record)
    return grouped


def _disputes_by_account(connection, written, stored, records) -> dict[ProcessorAccount, list]:
    """A dispute names the customer's currency (a EUR card on a GBP balance): it is filed under
    the balance its charge settled in when we hold that charge, else under its own currency."""
    charge_accounts = dict(BalanceTransaction.objects.filter(
        account__connection=connection, source_id__in=[r.charge_external_id for r in records if r.charge_external_id])
        .values_list("source_id", "account_id"))
    by_pk = {a.pk: a for a in written.accounts.values()} | {a.pk: a for a in stored.values()}
    grouped: dict[ProcessorAccount, list] = {}
    for record in records:
        account = by_pk.get(charge_accounts.get(record.charge_external_id))
        if account is None:
            account = _account_for(connection, written, stored, record.currency)
        written.result_for(account)
        grouped.setdefault(account, []).append(record)
    return grouped


def activity_write(connection: Connection, activity: PaymentsActivity,
                   stored: dict[str, ProcessorAccount]) -> ActivityResult:
    """Write one read. Call inside a transaction (the runner does)."""
    written = ActivityResult()
    for record in activity.accounts:
        account = account_upsert(connection, record, known=stored.get(record.external_id))
        written.accounts[record.external_id] = account
        written.result_for(account)
        balance = activity.balances.get(record.external_id)
        if balance is not None:
            account.save(update_fields=[*balance_fields_set(account, balance), "updated_at"])
            balance_snapshot_record(account, balance)

    # Payouts first, so the balance transactions they settled can point at them.
    payout_of: dict[str, str] = {}
    for account, records in _by_account(connection, written, stored, activity.payouts).items():
        _rows_upsert(Payout, account, {r.external_id: _payout_values(r) for r in records}, written.result_for(account))
        for record in records:
            payout_of.update({bt_id: record.external_id for bt_id in record.balance_transaction_ids})

    for account, records in _by_account(connection, written, stored, activity.balance_transactions).items():
        rows = {}
        for record in records:
            values = _bt_values(record)
            values["payout_external_id"] = (record.payout_external_id or payout_of.get(record.external_id, ""))[:255]
            rows[record.external_id] = values
        _rows_upsert(BalanceTransaction, account, rows, written.result_for(account), fill_only=("payout_external_id",))

    for account, records in _disputes_by_account(connection, written, stored, activity.disputes).items():
        _rows_upsert(Dispute, account, {r.external_id: _dispute_values(r) for r in records},
                     written.result_for(account))

    payouts_link(connection, payout_of)
    return written


def payouts_link(connection: Connection, payout_of: dict[str, str]) -> None:
    """Point balance transactions at their payout: those a payout's listing named (stored in an
    earlier read too), then every transaction whose payout is now stored."""
    rows = BalanceTransaction.objects.filter(account__connection=connection)
    by_payout: dict[str, list[str]] = {}
    for bt_id, payout_id in payout_of.items():
        by_payout.setdefault(payout_id, []).append(bt_id)
    for payout_id, bt_ids in by_payout.items():
        rows.filter(external_id__in=bt_ids, payout_external_id="").update(payout_external_id=payout_id[:255])
    unlinked = rows.filter(payout__isnull=True).exclude(payout_external_id="")
    wanted = set(unlinked.values_list("payout_external_id", flat=True))
    if not wanted:
        return
    payouts = Payout.objects.filter(account__connection=connection, external_id__in=wanted)
    for payout_pk, external_id, account_id in payouts.values_list("pk", "external_id", "account_id"):
        unlinked.filter(payout_external_id=external_id, account_id=account_id).update(payout=payout_pk)
