"""The Xero source bound to one connection: a BooksSource (every tenant of the consent, and per
tenant what changed since its cursor) and a BooksWriter (bank transactions pushed with our id
as their Reference).

The cursor is per endpoint, as JSON: {"accounts": iso, "contacts": iso, "invoices": iso,
"bank_transactions": iso}. Each read sends its endpoint's time as If-Modified-Since and pages
(page=1, 2...) in UpdatedDateUTC order; an endpoint read to its end moves to the time the read
started (less a few minutes for clocks that disagree: re-reading a row changes nothing); one cut
short (page limit, rate limit) moves only to the last row it read, so the next sync goes on from
there. Xero deletes by status (DELETED/VOIDED rows come back as updates), so nothing is listed in
`removed`."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from django.utils import timezone

from integrations_core.providers.errors import RateLimited, RequestRejected
from integrations_core.records import (
    AccountRecord,
    BankTransactionPush,
    BookBankTransactionRecord,
    BooksData,
    PushResult,
)

from . import mapper
from .client import XeroClient

logger = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(minutes=5)
PAGED = ("contacts", "invoices", "bank_transactions")


def cursor_read(cursor: str | None) -> dict[str, datetime]:
    if not cursor:
        return {}
    try:
        raw = json.loads(cursor)
    except ValueError:
        return {}  # an unreadable cursor reads everything again (idempotent)
    return {k: parsed for k, v in raw.items() if isinstance(v, str) and (parsed := _iso(v))}


def _iso(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class XeroSource:
    def __init__(self, client: XeroClient, connection) -> None:
        self.client = client
        self.connection = connection

    @property
    def calls(self) -> int:
        return self.client.calls

    # --- BooksSource ----------------------------------------------------------------------
    def list_organisations(self) -> list[AccountRecord]:
        """Every organisation tenant of the consent (practice tenants hold no books). Details
        (currency, country) come with each tenant's books."""
        return [mapper.organisation_record(item) for item in self.client.connections()
                if str(item.get("tenantType") or "ORGANISATION") == "ORGANISATION" and item.get("tenantId")]

    def fetch_books(self, organisation: AccountRecord, *, cursor: str | None) -> BooksData:
        tenant = organisation.external_id
        since = cursor_read(cursor)
        started = timezone.now() - CLOCK_SKEW
        details = self.client.organisation(tenant)  # 403 AuthorizationUnsuccessful: the tenant was removed
        link = {"tenantId": tenant, "tenantName": organisation.name, "id": organisation.extra.get("link_id", "")}
        record = mapper.organisation_record(link, details)

        next_cursor = {k: v.isoformat() for k, v in since.items()}
        ledger = [mapper.ledger_account_record(a) for a in self.client.accounts(tenant, since.get("accounts"))]
        next_cursor["accounts"] = started.isoformat()
        tracking = [mapper.tracking_category_record(t) for t in self.client.tracking_categories(tenant)]

        read: dict[str, list[dict]] = {}
        complete = True
        for name in PAGED:
            try:
                rows, done = getattr(self.client, name)(tenant, since.get(name))
            except RateLimited:
                # What was read is written; this endpoint and the rest wait for the next sync.
                if not read and not ledger:
                    raise
                logger.info("xero rate limited mid-read tenant=%s endpoint=%s", tenant, name)
                complete = False
                break
            read[name] = rows
            if done:
                next_cursor[name] = started.isoformat()
            else:
                complete = False
                last = mapper.xero_datetime(rows[-1].get("UpdatedDateUTC")) if rows else None
                if last is not None:
                    next_cursor[name] = last.isoformat()

        return BooksData(
            organisation=record,
            ledger_accounts=ledger,
            contacts=[mapper.contact_record(c) for c in read.get("contacts", [])],
            tracking_categories=tracking,
            invoices=[r for i in read.get("invoices", []) if (r := mapper.invoice_record(i)) is not None],
            bank_transactions=[r for b in read.get("bank_transactions", [])
                               if (r := mapper.bank_transaction_record(b)) is not None],
            next_cursor=json.dumps(next_cursor, sort_keys=True),
            complete=complete,
        )

    # --- BooksWriter ----------------------------------------------------------------------
    def pushed_find(self, organisation: AccountRecord, references: list[str]) -> dict[str, BookBankTransactionRecord]:
        if not references:
            return {}
        wanted = set(references)
        found: dict[str, BookBankTransactionRecord] = {}
        for item in self.client.bank_transactions_by_reference(organisation.external_id, list(references)):
            record = mapper.bank_transaction_record(item)
            if record is None or record.reference not in wanted:
                continue
            # Two rows with our reference (one deleted in Xero, one live): the live one counts.
            held = found.get(record.reference)
            if held is None or (held.status != "active" and record.status == "active"):
                found[record.reference] = record
        return found

    def bank_transactions_create(self, organisation: AccountRecord,
                                 items: list[BankTransactionPush]) -> list[PushResult]:
        if not items:
            return []
        try:
            answered = self.client.bank_transactions_create(organisation.external_id,
                                                            [mapper.push_model(i) for i in items])
        except RequestRejected as exc:
            return [PushResult(reference=i.reference, status="failed", message=str(exc)[:500]) for i in items]
        # Xero answers the items in the order they were sent.
        return [mapper.push_result(item.reference, answered[n] if n < len(answered) else None, status="created")
                for n, item in enumerate(items)]

    def bank_transaction_update(self, organisation: AccountRecord, external_id: str, version: str,
                                item: BankTransactionPush) -> PushResult:
        """`version` is checked by the caller (Xero has no conditional update): it names what
        the caller last saw, and is logged for the audit trail."""
        try:
            answered = self.client.bank_transaction_update(organisation.external_id, external_id,
                                                           mapper.push_model(item, bank_transaction_id=external_id))
        except RequestRejected as exc:
            return PushResult(reference=item.reference, external_id=external_id, status="failed",
                              message=str(exc)[:500])
        return mapper.push_result(item.reference, answered[0] if answered else None, status="updated")
