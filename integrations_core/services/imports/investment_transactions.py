"""Investment transactions through the shared row writer (rows.transaction_rows_write), the
same dedupe, locks and bulk insert as bank rows: keyed by the platform's id, else by a
fingerprint over the model's FINGERPRINT_FIELDS with an occurrence number (two identical fills
in one answer both survive). Which stored rows are gone is a reconciler's decision: a synced
answer's window (`window_removals`), or none at all for a statement, which covers what it
covers and says nothing about the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from integrations_core.models import Account, RecordSource, TransactionStatus
from integrations_core.providers.errors import BadProviderResponse
from integrations_core.records import AccountData, InvestmentTransactionRecord

from .keys import keyed_records
from .rows import ImportResult, transaction_rows_write
from .transactions import explicit_removals, window_removals

# A new row's columns besides the synced ones: every NOT NULL column named, because on
# PostgreSQL rows go in through COPY, which knows nothing of the model's defaults.
INVESTMENT_INSERT_DEFAULTS = {
    "category": "", "category_source": "", "category_confidence": None, "notes": "", "locked_fields": [],
    "value_date": None, "original_amount": None, "merchant_name": "", "provider_category": "", "mcc": "",
}


@dataclass(frozen=True)
class InvestmentRow:
    """One record with its security resolved, as the row writer keys and writes it. `security`
    (the Security's pk as text, "" for cash) is what the fingerprint reads for the model's
    `security` field; every other attribute is the record's."""

    record: InvestmentTransactionRecord
    security: str
    security_id: Any
    security_name: str
    row_type: str  # the record's type, or "other" when the model has no such choice

    def __getattr__(self, name: str):
        # Only called for names the dataclass lacks: the record's own fields.
        return getattr(self.record, name)


def investment_row_values(key: str, fp: str, row: InvestmentRow) -> dict:
    """The synced column values of one row (InvestmentTransaction.row_spec.row_values)."""
    record = row.record
    description = record.description or " ".join(
        part for part in (record.type.replace("_", " ").capitalize(), row.security_name) if part)
    return {
        "external_id": key, "provider_transaction_id": (record.external_id or "")[:255], "fingerprint": fp,
        "type": row.row_type, "booked_date": record.booked_date, "booked_at": record.booked_at,
        "settle_date": record.settle_date, "amount": record.amount, "currency": record.currency,
        "security_id": row.security_id, "quantity": record.quantity, "price": record.price,
        "price_currency": record.price_currency, "fees": record.fees, "taxes": record.taxes,
        "original_currency": record.original_currency, "fx_rate": record.fx_rate,
        "description": description[:500], "status": TransactionStatus.BOOKED, "raw": record.raw,
    }


def investment_rows(model: type, records: list[InvestmentTransactionRecord], securities: dict) -> list[InvestmentRow]:
    """Resolve each record's security. Raises before anything is written when a record names a
    security the answer did not describe."""
    types = {choice for choice, _label in model._meta.get_field("type").choices}
    rows = []
    for record in records:
        security = None
        if record.security_external_id:
            security = securities.get(record.security_external_id)
            if security is None:
                raise BadProviderResponse(f"transaction names unknown security {record.security_external_id!r}")
        rows.append(InvestmentRow(record=record, security=str(security.pk) if security else "",
                                  security_id=security.pk if security else None,
                                  security_name=security.name if security else "",
                                  row_type=record.type if record.type in types else "other"))
    return rows


def _first_per_id(records: list[InvestmentTransactionRecord]) -> list[InvestmentTransactionRecord]:
    """A platform's id names one trade: a copy repeated in one answer (overlapping pages) is
    the same trade, so the first copy is kept. (Banks differ: a UK bank repeats ids across
    distinct payments, which keys.keyed_records keeps apart.)"""
    seen: set[str] = set()
    out = []
    for record in records:
        if record.external_id:
            if record.external_id in seen:
                continue
            seen.add(record.external_id)
        out.append(record)
    return out


def investment_transactions_import(account: Account, records: list[InvestmentTransactionRecord],
                                   window: tuple[date | None, date | None], *, securities: dict,
                                   source: str = RecordSource.SYNCED) -> ImportResult:
    """Write one account's investment transactions. Call inside a transaction. Inserts new
    rows, updates changed synced fields (never the person's locked ones), never duplicates.
    Removals only for a synced answer with a window: a stored row dated inside it (after its
    first day, which is never trusted to be complete) that the answer no longer reports is gone
    at the platform. A statement never removes anything. The account row is not touched."""
    model = account.transactions.model
    spec = model.row_spec
    keyed = keyed_records(investment_rows(model, _first_per_id(records), securities), spec.fingerprint_fields)
    window_from, window_to = window
    if source == RecordSource.SYNCED:
        # No pending investment rows exist; pending=None says so (nothing pending is judged).
        removals = window_removals(account, AccountData(account=None, pending=None, window_from=window_from,
                                                        window_to=window_to))
    else:
        removals = explicit_removals(account, ())  # a reconciler that removes nothing
    return transaction_rows_write(account, keyed, removals=removals, spec=spec, stamp_account=False)
