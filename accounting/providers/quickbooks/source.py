"""The data source bound to one QuickBooks connection: the books of its one company (realm), read
in full or through Change Data Capture, and written to (our bank transactions as Purchases and
Deposits). A BooksSource and a BooksWriter (integrations_core/providers/sources.py).

Reads. The cursor is the server time of the last read ("time" in QuickBooks' answer), ISO 8601.
- No cursor, or one older than CDC reaches (30 days): a full read, every entity by the query
  endpoint, paged. What the books deleted before then cannot be told (QuickBooks keeps no
  tombstones past CDC's window): a full read removes nothing.
- Otherwise one CDC call for every entity since the cursor. Deleted entities come back as
  {"Id", "status": "Deleted"} and become BooksData.removed. CDC answers at most 1,000 of an
  entity: an entity at that cap is read again by the query endpoint (changed since the
  cursor, paged). Classes and departments are a flat list each, kept as one tracking category:
  any change re-reads the list. A payment whose invoice (or bill) did not change itself still
  needs it: those documents are fetched by id, so the payment is written with its document."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from integrations_core.providers.errors import BadProviderResponse, RequestRejected
from integrations_core.records import (
    AccountRecord,
    BankTransactionPush,
    BookBankTransactionRecord,
    BooksData,
    PushResult,
)

from . import mapper
from .client import PAGE_SIZE, QuickBooksClient, StaleObject

CDC_MAX_DAYS = 30
# A cursor this close to CDC's limit is read in full: the call would race the boundary.
CDC_MARGIN = timedelta(hours=1)
CDC_ENTITIES = ["Account", "Customer", "Vendor", "Class", "Department", "Invoice", "Payment", "Bill",
                "BillPayment", "Purchase", "Deposit"]
DOCUMENTS = {"Payment": "Invoice", "BillPayment": "Bill"}
ID_CHUNK = 50  # ids per `where ... in (...)` query


def _quoted(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "\\'") + "'" for v in values)


def cursor_usable(cursor: str | None, now: datetime) -> bool:
    if not cursor:
        return False
    since = mapper.moment(cursor)
    return since is not None and since > now - timedelta(days=CDC_MAX_DAYS) + CDC_MARGIN


class QuickBooksSource:
    def __init__(self, client: QuickBooksClient, connection):
        self.client = client
        self.connection = connection

    @property
    def calls(self) -> int:
        return self.client.calls

    # --- BooksSource ------------------------------------------------------------------------
    def list_organisations(self) -> list[AccountRecord]:
        return [mapper.organisation_record(self.client.realm_id, self.client.company_info(),
                                           self.client.preferences())]

    def fetch_books(self, organisation: AccountRecord, *, cursor: str | None) -> BooksData:
        home = organisation.currency
        if cursor_usable(cursor, timezone.now()):
            changed, server_time = self.client.change_data_capture(CDC_ENTITIES, cursor)
            for entity, items in changed.items():
                if len(items) >= PAGE_SIZE:  # CDC's cap: read the rest by query
                    deleted = [i for i in items if mapper.is_deleted(i)]
                    rows, _ = self.client.query_all(entity, f"MetaData.LastUpdatedTime >= '{cursor}'")
                    changed[entity] = rows + deleted
            for entity in ("Class", "Department"):
                if changed[entity]:
                    changed[entity], _ = self.client.query_all(entity)
            self._documents_add(changed)
            full = False
        else:
            changed, server_time = {}, ""
            for entity in CDC_ENTITIES:
                changed[entity], first_time = self.client.query_all(entity)
                server_time = server_time or first_time
            full = True
        return self._books(organisation, changed, home, server_time or _now_iso(), full=full)

    def _documents_add(self, changed: dict[str, list[dict]]) -> None:
        """Fetch the invoices and bills that changed payments are applied to but that did not
        change themselves."""
        for payment_entity, document in DOCUMENTS.items():
            have = {str(i.get("Id")) for i in changed[document]}
            wanted = sorted({str(linked.get("TxnId")) for p in changed[payment_entity] if not mapper.is_deleted(p)
                             for line in p.get("Line") or [] for linked in (line or {}).get("LinkedTxn") or []
                             if (linked or {}).get("TxnType") == document and linked.get("TxnId")} - have)
            for start in range(0, len(wanted), ID_CHUNK):
                rows, _ = self.client.query_all(document, f"Id in ({_quoted(wanted[start:start + ID_CHUNK])})")
                changed[document].extend(rows)

    def _books(self, organisation: AccountRecord, changed: dict[str, list[dict]], home: str, server_time: str,
               *, full: bool) -> BooksData:
        removed: list[tuple[str, str]] = []
        live: dict[str, list[dict]] = {}
        for entity, items in changed.items():
            live[entity] = []
            for item in items:
                if not item.get("Id"):
                    raise BadProviderResponse(f"QuickBooks sent a {entity} without Id")
                if not mapper.is_deleted(item):
                    live[entity].append(item)
                elif entity in DOCUMENTS:
                    removed.extend(mapper.payment_removals(entity, str(item["Id"])))
                elif entity in mapper.REMOVAL_KIND:
                    external_id = str(item["Id"]) if entity == "Account" else mapper.entity_id(entity, item["Id"])
                    removed.append((mapper.REMOVAL_KIND[entity], external_id))
        payments: dict[str, list] = {}
        for entity in DOCUMENTS:
            for document_id, record in (pair for item in live[entity]
                                        for pair in mapper.payment_records(item, entity, home)):
                payments.setdefault(document_id, []).append(record)
        invoices = [mapper.invoice_record(item, entity, home, tuple(payments.get(mapper.entity_id(entity, item["Id"]),
                                                                                   ())))
                    for entity in ("Invoice", "Bill") for item in live[entity]]
        tracking = [mapper.tracking_category_record(entity, changed[entity]) for entity in ("Class", "Department")
                    if full or changed[entity]]
        return BooksData(
            organisation=organisation,
            ledger_accounts=[mapper.ledger_account_record(i, home) for i in live["Account"]],
            contacts=[mapper.contact_record(i, e) for e in ("Customer", "Vendor") for i in live[e]],
            tracking_categories=tracking,
            invoices=invoices,
            bank_transactions=[mapper.bank_transaction_record(i, e, home) for e in ("Purchase", "Deposit")
                               for i in live[e]],
            removed=[] if full else removed,
            next_cursor=server_time,
        )

    # --- BooksWriter ------------------------------------------------------------------------
    def pushed_find(self, organisation: AccountRecord, references: list[str]) -> dict[str, BookBankTransactionRecord]:
        """Ours among the books' Purchases and Deposits, found by the DocNumber each reference
        becomes (mapper.doc_number_for)."""
        by_doc = {mapper.doc_number_for(r): r for r in references}
        docs = sorted(by_doc)
        found: dict[str, BookBankTransactionRecord] = {}
        for entity in ("Purchase", "Deposit"):
            for start in range(0, len(docs), ID_CHUNK):
                rows, _ = self.client.query_all(entity, f"DocNumber in ({_quoted(docs[start:start + ID_CHUNK])})")
                for item in rows:
                    reference = by_doc.get(str(item.get("DocNumber") or ""))
                    if reference is None:
                        continue
                    record = mapper.bank_transaction_record(item, entity, organisation.currency)
                    found[reference] = dataclasses.replace(record, reference=reference)
        return found

    def bank_transactions_create(self, organisation: AccountRecord,
                                 items: list[BankTransactionPush]) -> list[PushResult]:
        results = []
        for item in items:
            entity = mapper.push_entity(item)
            try:
                created = self.client.create(entity, mapper.push_body(item))
            except RequestRejected as exc:  # this item refused (a closed account, say); others go on
                results.append(PushResult(reference=item.reference, status="failed", message=str(exc)[:500]))
                continue
            results.append(PushResult(reference=item.reference, external_id=mapper.entity_id(entity, created["Id"]),
                                      version=str(created.get("SyncToken") or "0"), status="created"))
        return results

    def bank_transaction_update(self, organisation: AccountRecord, external_id: str, version: str,
                                item: BankTransactionPush) -> PushResult:
        """A sparse update naming the SyncToken we last saw. A stale one (5010: edited in the
        books since) is the conflict case: their edit is kept, nothing is written."""
        entity, item_id = mapper.split_entity_id(external_id)
        if entity != mapper.push_entity(item):
            return PushResult(reference=item.reference, external_id=external_id, version=version, status="failed",
                              message="The transaction changed direction; QuickBooks cannot turn a "
                                      f"{entity} into a {mapper.push_entity(item)}.")
        body = {**mapper.push_body(item), "Id": item_id, "SyncToken": version}
        try:
            updated = self.client.update(entity, body)
        except StaleObject:
            return PushResult(reference=item.reference, external_id=external_id, version=version, status="conflict",
                              message="Edited in QuickBooks after we exported it: their edit is kept.")
        except RequestRejected as exc:
            return PushResult(reference=item.reference, external_id=external_id, version=version, status="failed",
                              message=str(exc)[:500])
        return PushResult(reference=item.reference, external_id=external_id,
                          version=str(updated.get("SyncToken") or version), status="updated")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")

