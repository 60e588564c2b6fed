"""The books runner (registered for BooksSource in AccountingConfig.ready): per organisation the
consent reaches, read what changed since its cursor and write it, the cursor in the same
transaction as the rows it covers. A crash or a failed write leaves the old cursor and the next
sync reads the same changes again; rows are keyed by the provider's id per organisation and
rewritten only when something changed, so reading twice changes nothing.

Removals (the books deleted something: QuickBooks CDC says so, Xero sends the row with a
DELETED/VOIDED status, which is just an update) are applied only from a complete read: a read
cut short by a rate limit may not have seen everything, and nothing is removed from it.

An organisation the provider no longer lists (the person did not pick it, or removed it) is
made inactive and keeps its data; one the provider refuses (OrganisationDisconnected) is made
inactive and the others go on syncing."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable

from django.db import models, transaction
from django.utils import timezone

from integrations_core.providers.errors import ConsentExpired, ProviderAuthError, ProviderError
from integrations_core.records import (
    BookBankTransactionRecord,
    BooksData,
    ContactRecord,
    InvoiceRecord,
    LedgerAccountRecord,
    TrackingCategoryRecord,
)
from integrations_core.services.account_sync import AccountSyncOutcome, account_state_set
from integrations_core.services.imports import account_upsert
from integrations_core.services.imports.rows import ImportResult
from integrations_core.services.runners.context import RunContext, vanished_accounts_hide

from .errors import OrganisationDisconnected
from .models import (
    BookBankTransaction,
    BookPayment,
    Contact,
    Invoice,
    LedgerAccount,
    Organisation,
    TrackingCategory,
)

logger = logging.getLogger(__name__)


# --- record -> column values (one function per kind) -----------------------------------------


def ledger_account_values(r: LedgerAccountRecord) -> dict:
    return {"name": r.name[:200], "code": r.code, "type": r.type, "classification": r.classification,
            "status": r.status, "currency": r.currency, "tax_type": r.tax_type, "is_bank": r.is_bank,
            "bank_account_number": r.bank_account_number, "raw": r.raw}


def contact_values(r: ContactRecord) -> dict:
    return {"name": r.name[:255], "email": r.email, "is_customer": r.is_customer, "is_supplier": r.is_supplier,
            "raw": r.raw}


def tracking_category_values(r: TrackingCategoryRecord) -> dict:
    return {"name": r.name[:100], "options": [list(o) for o in r.options], "status": r.status, "raw": r.raw}


def invoice_values(r: InvoiceRecord) -> dict:
    return {"kind": r.kind, "number": r.number, "status": r.status, "currency": r.currency, "total": r.total,
            "amount_due": r.amount_due, "amount_paid": r.amount_paid, "issue_date": r.issue_date,
            "due_date": r.due_date, "contact_external_id": r.contact_external_id,
            "contact_name": r.contact_name[:255], "reference": r.reference[:255],
            "provider_updated_at": r.updated_at, "raw": r.raw}


def bank_transaction_values(r: BookBankTransactionRecord) -> dict:
    return {"kind": r.kind, "date": r.date, "amount": r.amount, "currency": r.currency,
            "bank_account_external_id": r.bank_account_external_id, "contact_name": r.contact_name[:255],
            "reference": r.reference[:255], "description": r.description[:500],
            "lines": [{"amount": str(line.amount), "ledger_account_external_id": line.ledger_account_external_id,
                       "ledger_account_code": line.ledger_account_code, "description": line.description,
                       "tracking": [list(t) for t in line.tracking]} for line in r.lines],
            "status": r.status, "provider_updated_at": r.updated_at, "version": r.version, "raw": r.raw}


# What a removal (kind, external_id) does per kind: a status set (the row and its history stay)
# or, for rows without one, a delete.
REMOVAL_KINDS: dict[str, tuple[type[models.Model], str | None]] = {
    "ledger_account": (LedgerAccount, "deleted"),
    "contact": (Contact, None),
    "tracking_category": (TrackingCategory, "deleted"),
    "invoice": (Invoice, "deleted"),
    "bill": (Invoice, "deleted"),
    "payment": (BookPayment, None),
    "bank_transaction": (BookBankTransaction, "deleted"),
}


def _same(a, b) -> bool:
    return a == b


def rows_upsert(model: type[models.Model], organisation: Organisation, records: Iterable,
                values: Callable[[object], dict], *, extra: Callable[[object], dict] | None = None) -> ImportResult:
    """Create or update the organisation's rows of one kind, by external id. A row is saved
    only when one of its values changed; later records with the same id win."""
    result = ImportResult()
    latest = {r.external_id: r for r in records}
    if not latest:
        return result
    stored = {row.external_id: row for row in model.objects.filter(organisation=organisation,
                                                                     external_id__in=list(latest))}
    new = []
    for external_id, record in latest.items():
        wanted = values(record) | (extra(record) if extra else {})
        row = stored.get(external_id)
        if row is None:
            new.append(model(organisation=organisation, external_id=external_id, **wanted))
            continue
        changed = [k for k, v in wanted.items() if not _same(getattr(row, k), v)]
        if changed:
            for k in changed:
                setattr(row, k, wanted[k])
            row.save(update_fields=[*changed, "updated_at"])
            result.updated += 1
    if new:
        model.objects.bulk_create(new)
        result.added += len(new)
    return result


def _add(total: ImportResult, part: ImportResult) -> None:
    total.added += part.added
    total.updated += part.updated
    total.removed += part.removed


def removals_apply(organisation: Organisation, removed: Iterable[tuple[str, str]]) -> int:
    count = 0
    for kind, external_id in removed:
        spec = REMOVAL_KINDS.get(kind)
        if spec is None:
            logger.info("books removal of an unknown kind=%s ignored", kind)
            continue
        model, status = spec
        rows = model.objects.filter(organisation=organisation, external_id=external_id)
        if status is None:
            count += rows.delete()[0]
        else:
            count += rows.exclude(status=status).update(status=status, updated_at=timezone.now())
    return count


def books_write(organisation: Organisation, data: BooksData) -> ImportResult:
    """One read of one organisation's books, and its cursor, in one transaction."""
    total = ImportResult()
    with transaction.atomic():
        if data.organisation.external_id == organisation.external_id and data.organisation.currency:
            # The books answer the organisation's details (name, base currency) with its rows.
            account_upsert(organisation.connection, data.organisation, known=organisation)
        _add(total, rows_upsert(LedgerAccount, organisation, data.ledger_accounts, ledger_account_values))
        _add(total, rows_upsert(Contact, organisation, data.contacts, contact_values))
        _add(total, rows_upsert(TrackingCategory, organisation, data.tracking_categories, tracking_category_values))
        _add(total, rows_upsert(Invoice, organisation, data.invoices, invoice_values))
        _add(total, _payments_write(organisation, data.invoices))
        _add(total, rows_upsert(BookBankTransaction, organisation, data.bank_transactions, bank_transaction_values))
        if data.complete:
            total.removed += removals_apply(organisation, data.removed)
        # The source answers a cursor covering only what it read (the old one after a cut-short
        # read); an empty answer keeps the old one.
        cursor = data.next_cursor or organisation.books_cursor
        fields = ["last_synced_at", "updated_at"]
        organisation.last_synced_at = timezone.now()
        if cursor != organisation.books_cursor:
            organisation.books_cursor = cursor
            fields.append("books_cursor")
        if organisation.disconnected_at is not None:
            organisation.disconnected_at = None
            fields.append("disconnected_at")
        organisation.save(update_fields=fields)
    return total


def _payments_write(organisation: Organisation, invoices: list[InvoiceRecord]) -> ImportResult:
    payments = [(invoice.external_id, p) for invoice in invoices for p in invoice.payments]
    if not payments:
        return ImportResult()
    ids = dict(Invoice.objects.filter(organisation=organisation, external_id__in={i for i, _ in payments})
               .values_list("external_id", "pk"))
    invoice_of = {p.external_id: ids[i] for i, p in payments if i in ids}

    def values(p):
        return {"paid_on": p.paid_on, "amount": p.amount, "currency": p.currency,
                "bank_account_external_id": p.bank_account_external_id, "reference": p.reference[:255],
                "raw": p.raw, "invoice_id": invoice_of[p.external_id]}

    return rows_upsert(BookPayment, organisation, [p for _, p in payments if p.external_id in invoice_of], values)


def organisation_disconnect(organisation: Organisation) -> None:
    """The provider refuses this organisation: inactive from now on, its data kept."""
    organisation.is_active = False
    organisation.disconnected_at = organisation.disconnected_at or timezone.now()
    organisation.save(update_fields=["is_active", "disconnected_at", "updated_at"])


def books_run(ctx: RunContext) -> dict[str, dict]:
    records = ctx.call("list_organisations")
    stored: dict[str, Organisation] = ctx.stored_accounts()  # type: ignore[assignment]
    results: dict[str, dict] = {}
    seen: set[str] = set()
    for record in records:
        seen.add(record.external_id)
        known = stored.get(record.external_id)
        if known is not None and not record.currency:
            # The list names the tenant only; its currency came with its books last time.
            record = dataclasses.replace(record, currency=known.currency, raw=known.raw,
                                         extra={"country": known.country, **record.extra})
        organisation = account_upsert(ctx.connection, record, known=known)
        cursor = organisation.books_cursor or None
        try:
            data: BooksData = ctx.call("fetch_books", record, cursor=cursor)
            result = books_write(organisation, data)
        except OrganisationDisconnected as exc:
            organisation_disconnect(organisation)
            account_state_set(organisation, exc)
            # Not a failure of the sync: the person took this organisation away; the others go on.
            results[record.external_id] = {"name": organisation.name, "status": "ok", "added": 0, "updated": 0,
                                           "removed": 0, "claimed": 0, "note": exc.code}
            continue
        except (ConsentExpired, ProviderAuthError):
            raise
        except ProviderError as exc:
            account_state_set(organisation, exc)
            results[record.external_id] = AccountSyncOutcome(organisation.name, "failed", error=exc).as_dict()
            continue
        account_state_set(organisation, None)
        status = "ok" if data.complete else "partial"
        results[record.external_id] = AccountSyncOutcome(organisation.name, status, result=result).as_dict()
        ctx.count(result)
    vanished_accounts_hide(ctx, stored, seen)
    return results
