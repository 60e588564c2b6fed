"""One company's books as QuickBooks Online shows them: the business persona
(sandbox/business/persona.py) as QBO entities, with what was written through the API laid over
it (pushed Purchases and Deposits, edits, deletions: models.QboEntity).

From the persona: the chart of accounts (its Xero-style codes as AcctNum), customers and
vendors, invoices with their Payments (into the bank, or Stripe clearing when paid by card),
bills with their BillPayments (from the bank), the payouts that reached the bank as Deposits
(from Stripe / PayPal clearing) and the owner's drawings as Purchases. The card spending on the
bank statement is not in the books: that is what the person categorises and pushes.

Ids are numbers per entity, in the order the persona made them (so they never move as the
clock advances); MetaData times are the day's 09:00 UTC (an invoice's LastUpdatedTime is the
day it was paid, when it was), so Change Data Capture sees each day's events."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sandbox import clock
from sandbox.business.persona import business_book

from .models import QboEntity, QboRealm

CREATED_ID_START = 100000
BANK_ID, STRIPE_CLEARING_ID, PAYPAL_CLEARING_ID, DRAWINGS_ID = "35", "36", "37", "60"
# (Id, Name, AcctNum, AccountType, AccountSubType, Classification)
CHART = (
    ("35", "Business Current Account", "090", "Bank", "Checking", "Asset"),
    ("36", "Stripe clearing", "091", "Bank", "CashOnHand", "Asset"),
    ("37", "PayPal clearing", "092", "Bank", "CashOnHand", "Asset"),
    ("40", "Accounts Receivable (A/R)", "610", "Accounts Receivable", "AccountsReceivable", "Asset"),
    ("41", "Accounts Payable (A/P)", "800", "Accounts Payable", "AccountsPayable", "Liability"),
    ("60", "Owner's drawings", "880", "Equity", "OwnersEquity", "Equity"),
    ("79", "Sales", "200", "Income", "SalesOfProductIncome", "Revenue"),
    ("80", "Other income", "260", "Income", "OtherPrimaryIncome", "Revenue"),
    ("81", "Advertising", "400", "Expense", "AdvertisingPromotional", "Expense"),
    ("82", "Bank and Stripe fees", "404", "Expense", "BankCharges", "Expense"),
    ("83", "Accountancy fees", "412", "Expense", "LegalProfessionalFees", "Expense"),
    ("84", "Meals and entertainment", "420", "Expense", "EntertainmentMeals", "Expense"),
    ("85", "General expenses", "429", "Expense", "OfficeGeneralAdministrativeExpenses", "Expense"),
    ("86", "Motor vehicle expenses", "449", "Expense", "Auto", "Expense"),
    ("87", "Printing and stationery", "461", "Expense", "SuppliesMaterials", "Expense"),
    ("88", "Rent", "469", "Expense", "RentOrLeaseOfBuildings", "Expense"),
    ("89", "Software subscriptions", "485", "Expense", "OfficeGeneralAdministrativeExpenses", "Expense"),
    ("90", "Telephone and internet", "489", "Expense", "Utilities", "Expense"),
    ("91", "Travel", "493", "Expense", "Travel", "Expense"),
    ("92", "Archived: old sales", "210", "Income", "SalesOfProductIncome", "Revenue"),
)
ARCHIVED_ACCOUNTS = {"92"}
CLASSES = (("5000000000000010001", "Consulting"), ("5000000000000010002", "Products"))
DEPARTMENTS = (("1", "London"), ("2", "Online"))
ENTITIES = ("Account", "Customer", "Vendor", "Class", "Department", "Invoice", "Payment", "Bill", "BillPayment",
            "Purchase", "Deposit", "CompanyInfo", "Preferences")
WRITABLE = ("Purchase", "Deposit")


def realm_id_for(username: str) -> str:
    """A 16-digit realm id, stable per login (real ones look like 9130 3545 1234 5678)."""
    return "9130" + str(int(hashlib.sha256(f"qbo-realm|{username}".encode()).hexdigest(), 16))[:12]


def stamp(day: date | datetime) -> str:
    moment = day if isinstance(day, datetime) else datetime.combine(day, time(9, 0), UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _meta(created: date | datetime, updated: date | datetime | None = None) -> dict[str, str]:
    return {"CreateTime": stamp(created), "LastUpdatedTime": stamp(updated or created)}


def _num(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))


def _account_id(code: str) -> str:
    return next((row[0] for row in CHART if row[2] == code), "85")


@lru_cache(maxsize=16)
def persona_entities(username: str, today: date) -> dict[str, list[dict[str, Any]]]:
    """The persona's book as QBO entities (cached: a pure function of its arguments; callers
    copy before changing anything)."""
    book = business_book(username, today)
    created = date(2025, 1, 1)
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in ENTITIES}
    for account_id, name, code, kind, subtype, classification in CHART:
        out["Account"].append({
            "Id": account_id, "Name": name, "FullyQualifiedName": name, "AcctNum": code, "AccountType": kind,
            "AccountSubType": subtype, "Classification": classification, "Active": account_id not in ARCHIVED_ACCOUNTS,
            "CurrencyRef": {"value": "GBP", "name": "British Pound Sterling"}, "SyncToken": "0",
            "BankNum": book.bank_account_number if account_id == BANK_ID else "", "MetaData": _meta(created)})
    customer_ids = {}
    for n, party in enumerate(book.customers, start=1):
        customer_ids[party.id] = str(n)
        out["Customer"].append({"Id": str(n), "DisplayName": party.name, "CompanyName": party.name,
                                "PrimaryEmailAddr": {"Address": party.email}, "Active": True, "SyncToken": "0",
                                "MetaData": _meta(created)})
    vendor_ids = {}
    for n, party in enumerate(book.suppliers, start=1):
        vendor_ids[party.id] = str(50 + n)
        out["Vendor"].append({"Id": str(50 + n), "DisplayName": party.name, "CompanyName": party.name,
                              "PrimaryEmailAddr": {"Address": party.email}, "Active": True, "SyncToken": "0",
                              "MetaData": _meta(created)})
    for entity, rows in (("Class", CLASSES), ("Department", DEPARTMENTS)):
        out[entity] = [{"Id": i, "Name": name, "FullyQualifiedName": name, "Active": True, "SyncToken": "0",
                        "MetaData": _meta(created)} for i, name in rows]
    currency = {"value": "GBP", "name": "British Pound Sterling"}
    for n, invoice in enumerate(book.invoices, start=1):
        paid = invoice.paid_on is not None
        out["Invoice"].append({
            "Id": str(1000 + n), "DocNumber": invoice.number, "TxnDate": invoice.issue_date.isoformat(),
            "DueDate": invoice.due_date.isoformat(), "CurrencyRef": {"value": invoice.currency},
            "CustomerRef": {"value": customer_ids[invoice.customer.id], "name": invoice.customer.name},
            "TotalAmt": _num(invoice.total), "Balance": Decimal("0.00") if paid else _num(invoice.total),
            "Line": [{"LineNum": i, "Amount": _num(line.amount), "Description": line.description,
                      "DetailType": "SalesItemLineDetail",
                      "SalesItemLineDetail": {"ItemAccountRef": {"value": _account_id(line.account_code)}}}
                     for i, line in enumerate(invoice.lines, start=1)],
            "LinkedTxn": [{"TxnId": str(3000 + n), "TxnType": "Payment"}] if paid else [],
            "SyncToken": "1" if paid else "0", "MetaData": _meta(invoice.issue_date, invoice.paid_on)})
        if paid:
            out["Payment"].append({
                "Id": str(3000 + n), "TxnDate": invoice.paid_on.isoformat(), "TotalAmt": _num(invoice.total),
                "CurrencyRef": {"value": invoice.currency},
                "CustomerRef": {"value": customer_ids[invoice.customer.id], "name": invoice.customer.name},
                "DepositToAccountRef": {"value": STRIPE_CLEARING_ID if invoice.paid_by == "stripe" else BANK_ID},
                "PaymentRefNum": invoice.charge_id or invoice.number,
                "Line": [{"Amount": _num(invoice.total), "LinkedTxn": [{"TxnId": str(1000 + n), "TxnType": "Invoice"}]}],
                "SyncToken": "0", "MetaData": _meta(invoice.paid_on)})
    for n, bill in enumerate(book.bills, start=1):
        paid = bill.paid_on is not None
        out["Bill"].append({
            "Id": str(5000 + n), "DocNumber": bill.number, "TxnDate": bill.issue_date.isoformat(),
            "DueDate": bill.due_date.isoformat(), "CurrencyRef": {"value": bill.currency},
            "VendorRef": {"value": vendor_ids[bill.supplier.id], "name": bill.supplier.name},
            "TotalAmt": _num(bill.total), "Balance": Decimal("0.00") if paid else _num(bill.total),
            "Line": [{"Amount": _num(bill.total), "Description": bill.description,
                      "DetailType": "AccountBasedExpenseLineDetail",
                      "AccountBasedExpenseLineDetail": {"AccountRef": {"value": _account_id(bill.account_code)}}}],
            "SyncToken": "1" if paid else "0", "MetaData": _meta(bill.issue_date, bill.paid_on)})
        if paid:
            out["BillPayment"].append({
                "Id": str(7000 + n), "TxnDate": bill.paid_on.isoformat(), "TotalAmt": _num(bill.total),
                "CurrencyRef": {"value": bill.currency}, "PayType": "Check", "DocNumber": bill.number,
                "VendorRef": {"value": vendor_ids[bill.supplier.id], "name": bill.supplier.name},
                "CheckPayment": {"BankAccountRef": {"value": BANK_ID}},
                "Line": [{"Amount": _num(bill.total), "LinkedTxn": [{"TxnId": str(5000 + n), "TxnType": "Bill"}]}],
                "SyncToken": "0", "MetaData": _meta(bill.paid_on)})
    deposits = purchases = 0
    for line in book.bank_lines:
        if line.kind in ("stripe_payout", "paypal_withdrawal"):
            deposits += 1
            clearing = STRIPE_CLEARING_ID if line.kind == "stripe_payout" else PAYPAL_CLEARING_ID
            out["Deposit"].append({
                "Id": str(9000 + deposits), "TxnDate": line.booked_on.isoformat(), "TotalAmt": _num(line.amount),
                "CurrencyRef": currency, "DepositToAccountRef": {"value": BANK_ID},
                "PrivateNote": line.description, "DocNumber": line.reference[:21],
                "Line": [{"Amount": _num(line.amount), "Description": line.description, "DetailType": "DepositLineDetail",
                          "DepositLineDetail": {"AccountRef": {"value": clearing}}}],
                "SyncToken": "0", "MetaData": _meta(line.booked_on)})
        elif line.kind == "drawings":
            purchases += 1
            out["Purchase"].append({
                "Id": str(20000 + purchases), "TxnDate": line.booked_on.isoformat(), "TotalAmt": _num(-line.amount),
                "CurrencyRef": currency, "PaymentType": "Cash", "AccountRef": {"value": BANK_ID},
                "PrivateNote": line.description, "Credit": False,
                "Line": [{"Amount": _num(-line.amount), "Description": line.description,
                          "DetailType": "AccountBasedExpenseLineDetail",
                          "AccountBasedExpenseLineDetail": {"AccountRef": {"value": DRAWINGS_ID}}}],
                "SyncToken": "0", "MetaData": _meta(line.booked_on)})
    out["CompanyInfo"] = [{"Id": "1", "CompanyName": book.business_name, "LegalName": f"{book.business_name} Ltd",
                           "Country": "GB", "SyncToken": "0", "MetaData": _meta(created)}]
    out["Preferences"] = [{"Id": "1", "CurrencyPrefs": {"HomeCurrency": {"value": "GBP"},
                                                         "MultiCurrencyEnabled": True},
                           "SyncToken": "0", "MetaData": _meta(created)}]
    return out


def company_entities(realm: QboRealm, *, with_deleted: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The persona's entities with the API's writes over them, as of the sandbox clock. With
    `with_deleted`, deleted ones stay in as {"Id", "status": "Deleted", ...} (what CDC shows)."""
    entities = {name: list(items) for name, items in persona_entities(realm.username, clock.today()).items()}
    written = QboEntity.objects.filter(realm=realm)
    by_key = {(row.entity, str(row.entity_id)): row for row in written}
    for name, items in entities.items():
        merged = []
        for item in items:
            row = by_key.pop((name, str(item["Id"])), None)
            merged.append(item if row is None else row)
        entities[name] = merged
    for (name, _), row in sorted(by_key.items(), key=lambda kv: kv[1].entity_id):
        entities.setdefault(name, []).append(row)
    for name, items in entities.items():
        shown = []
        for item in items:
            if isinstance(item, QboEntity):
                if item.deleted_at is not None:
                    if with_deleted:
                        shown.append({"Id": str(item.entity_id), "status": "Deleted", "domain": "QBO",
                                      "MetaData": {"LastUpdatedTime": stamp(item.deleted_at)}})
                    continue
                item = entity_json(item)
            shown.append(item)
        entities[name] = shown
    return entities


def entity_json(row: QboEntity) -> dict[str, Any]:
    return {**row.data, "Id": str(row.entity_id), "SyncToken": str(row.sync_token), "domain": "QBO",
            "sparse": False, "MetaData": {"CreateTime": stamp(row.created_at), "LastUpdatedTime": stamp(row.updated_at)}}


def book_edit(realm: QboRealm, entity: str, entity_id: str, **fields: Any) -> QboEntity:
    """What a person editing the record in QuickBooks does: the fields change, the SyncToken
    moves on (tests and the sandbox page use it to make a conflict)."""
    now = clock.now()
    row = QboEntity.objects.filter(realm=realm, entity=entity, entity_id=int(entity_id)).first()
    if row is None:
        current = next(i for i in persona_entities(realm.username, clock.today())[entity] if i["Id"] == entity_id)
        row = QboEntity(realm=realm, entity=entity, entity_id=int(entity_id), created_at=now,
                        sync_token=int(current.get("SyncToken") or 0), data=_plain(current))
    row.data = {**row.data, **_plain(fields)}
    row.sync_token += 1
    row.updated_at = now
    row.save()
    return row


def _plain(value: Any, *, top: bool = True) -> Any:
    """JSON-storable: Decimals as their text (render.py writes money keys back as numbers), and
    the fields QuickBooks owns (Id, SyncToken, MetaData) never stored from a request."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v, top=False) for k, v in value.items()
                if not (top and k in ("Id", "SyncToken", "MetaData", "domain", "sparse"))}
    if isinstance(value, list):
        return [_plain(v, top=False) for v in value]
    return value
