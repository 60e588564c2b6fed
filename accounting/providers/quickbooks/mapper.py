"""QuickBooks Online entities -> records (integrations_core/records.py), and our pushes -> the
Purchase / Deposit bodies QuickBooks takes. Nothing else.

Ids: QuickBooks numbers each entity on its own ("1" may be an Invoice and a Bill), so records
of kinds that mix entities carry the entity in their external id: "Purchase:12", "Deposit:12",
"Invoice:7", "Bill:7", "Payment:3", "BillPayment:3", "Customer:1", "Vendor:1". Ledger accounts
keep the bare Account.Id: it is what a push names as AccountRef.

Our reference (docs/business.md, "QuickBooks"): DocNumber holds at most 21 characters, our
references are longer (uuids), so a pushed transaction carries both
- DocNumber = "FP" + the first 19 hex digits of SHA-256(reference), upper case: exactly 21,
  queryable (`where DocNumber in (...)`), which is how a re-push finds it; and
- PrivateNote = our description and "[ref:<reference>]": the whole reference, readable in the
  books (PrivateNote cannot be queried)."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations_core.money import fits, fits_storage, minor_units
from integrations_core.providers.errors import BadProviderResponse
from integrations_core.records import (
    AccountRecord,
    BankTransactionPush,
    BookBankTransactionRecord,
    BookLineRecord,
    BookPaymentRecord,
    ContactRecord,
    InvoiceRecord,
    LedgerAccountRecord,
    TrackingCategoryRecord,
)

DOC_NUMBER_PREFIX = "FP"
DOC_NUMBER_MAX = 21
PRIVATE_NOTE_MAX = 4000
_REF = re.compile(r"\[ref:([^\]\s]{1,200})\]")
# Removal kinds the accounting runner knows (accounting/runner.py REMOVAL_KINDS), per entity.
REMOVAL_KIND = {
    "Account": "ledger_account", "Customer": "contact", "Vendor": "contact", "Invoice": "invoice",
    "Bill": "bill", "Payment": "payment", "BillPayment": "payment", "Purchase": "bank_transaction",
    "Deposit": "bank_transaction",
}
# A payment applied to several invoices is several records ("Payment:3", "Payment:3#2", ...);
# a deleted payment removes this many parts (deleting parts that never existed is harmless).
MAX_PAYMENT_PARTS = 20
MAX_AMOUNT = Decimal(10) ** 16  # the money columns hold 22 digits, 4 of them decimals
CLASSIFICATIONS = {"asset": "asset", "liability": "liability", "equity": "equity", "revenue": "revenue",
                   "expense": "expense"}


# --- small parsers --------------------------------------------------------------------------
def amount(value: Any, *, what: str = "amount", currency_code: str = "") -> Decimal:
    """An exact amount; with `currency_code`, one that fits that currency's minor unit (JPY has
    none: 1000.50 yen is refused, never rounded)."""
    if isinstance(value, bool) or value is None or value == "":
        raise BadProviderResponse(f"QuickBooks sent no {what}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise BadProviderResponse(f"QuickBooks sent an unreadable {what}") from exc
    if not number.is_finite() or not fits_storage(number) or abs(number) >= MAX_AMOUNT:
        raise BadProviderResponse(f"QuickBooks sent an {what} we cannot store")
    if currency_code and not fits(number, minor_units(currency_code)):
        raise BadProviderResponse(f"QuickBooks sent an {what} finer than {currency_code}'s minor unit")
    return number


def day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise BadProviderResponse("QuickBooks sent an unreadable date") from exc


def moment(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadProviderResponse("QuickBooks sent an unreadable time") from exc
    return parsed if parsed.tzinfo else None


def raw_of(value: Any) -> Any:
    """The payload as the JSON columns store it: amounts as their exact text, never a float."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): raw_of(v) for k, v in value.items()}
    if isinstance(value, list):
        return [raw_of(v) for v in value]
    return value


def ref(item: dict[str, Any], key: str) -> dict[str, str]:
    value = item.get(key)
    return {k: str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def currency(item: dict[str, Any], home_currency: str) -> str:
    return (ref(item, "CurrencyRef").get("value") or home_currency).upper()


def updated_at(item: dict[str, Any]) -> datetime | None:
    meta = item.get("MetaData")
    return moment(meta.get("LastUpdatedTime")) if isinstance(meta, dict) else None


def entity_id(entity: str, item_id: Any) -> str:
    return f"{entity}:{item_id}"


def split_entity_id(external_id: str) -> tuple[str, str]:
    entity, _, item_id = external_id.partition(":")
    if not item_id:
        raise ValueError(f"not a QuickBooks entity id: {external_id!r}")
    return entity, item_id


def is_deleted(item: dict[str, Any]) -> bool:
    return str(item.get("status") or "") == "Deleted"


# --- our reference --------------------------------------------------------------------------
def doc_number_for(reference: str) -> str:
    digest = hashlib.sha256(reference.encode()).hexdigest()[: DOC_NUMBER_MAX - len(DOC_NUMBER_PREFIX)]
    return DOC_NUMBER_PREFIX + digest.upper()


def private_note_for(push: BankTransactionPush) -> str:
    tag = f"[ref:{push.reference}]"
    text = " ".join(part for part in (push.contact_name, push.description) if part)
    return (f"{text[: PRIVATE_NOTE_MAX - len(tag) - 1]} {tag}" if text else tag)


def reference_of(item: dict[str, Any]) -> str:
    """Our reference when we pushed it (the PrivateNote tag), else their DocNumber."""
    found = _REF.search(str(item.get("PrivateNote") or ""))
    return found.group(1) if found else str(item.get("DocNumber") or "")


# --- organisation -----------------------------------------------------------------------------
def organisation_record(realm_id: str, company: dict[str, Any], preferences: dict[str, Any]) -> AccountRecord:
    prefs = preferences.get("CurrencyPrefs") if isinstance(preferences.get("CurrencyPrefs"), dict) else {}
    home = ref(prefs, "HomeCurrency").get("value") or ""
    return AccountRecord(external_id=realm_id, name=str(company.get("CompanyName") or "QuickBooks company"),
                         type="other", currency=home.upper() or "USD", subtype="quickbooks_company",
                         extra={"country": str(company.get("Country") or "")}, raw=raw_of(company))


# --- chart of accounts, contacts, tracking -----------------------------------------------------
def ledger_account_record(item: dict[str, Any], home_currency: str) -> LedgerAccountRecord:
    account_type = str(item.get("AccountType") or "")
    return LedgerAccountRecord(
        external_id=str(item["Id"]), name=str(item.get("Name") or item.get("FullyQualifiedName") or ""),
        code=str(item.get("AcctNum") or ""), type=account_type,
        classification=CLASSIFICATIONS.get(str(item.get("Classification") or "").lower(), ""),
        status="active" if item.get("Active", True) else "archived", currency=currency(item, home_currency),
        tax_type=ref(item, "TaxCodeRef").get("value", ""), is_bank=account_type == "Bank",
        bank_account_number=str(item.get("BankNum") or ""), raw=raw_of(item))


def contact_record(item: dict[str, Any], entity: str) -> ContactRecord:
    email = ref(item, "PrimaryEmailAddr").get("Address", "")
    return ContactRecord(external_id=entity_id(entity, item["Id"]),
                         name=str(item.get("DisplayName") or item.get("CompanyName") or ""), email=email,
                         is_customer=entity == "Customer", is_supplier=entity == "Vendor", raw=raw_of(item))


def tracking_category_record(entity: str, items: list[dict[str, Any]]) -> TrackingCategoryRecord:
    """QuickBooks classes (and departments, "locations") are one flat list each: a category
    of ours whose options are the active ones."""
    options = tuple((str(i["Id"]), str(i.get("FullyQualifiedName") or i.get("Name") or ""))
                    for i in items if i.get("Active", True) and not is_deleted(i))
    return TrackingCategoryRecord(external_id=entity, name={"Class": "Class", "Department": "Location"}[entity],
                                  options=options, raw={"count": len(items)})


# --- invoices, bills and their payments ---------------------------------------------------------
def _document_status(item: dict[str, Any], total: Decimal, balance: Decimal) -> str:
    if total == 0 and "void" in str(item.get("PrivateNote") or "").lower():
        return "voided"
    return "paid" if balance == 0 and total > 0 else "authorised"


def invoice_record(item: dict[str, Any], entity: str, home_currency: str,
                   payments: tuple[BookPaymentRecord, ...] = ()) -> InvoiceRecord:
    code = currency(item, home_currency)
    total = amount(item.get("TotalAmt"), what="invoice total", currency_code=code)
    balance = amount(item.get("Balance", 0), what="invoice balance", currency_code=code)
    party = ref(item, "CustomerRef" if entity == "Invoice" else "VendorRef")
    return InvoiceRecord(
        external_id=entity_id(entity, item["Id"]), kind="invoice" if entity == "Invoice" else "bill",
        number=str(item.get("DocNumber") or ""), status=_document_status(item, total, balance),
        currency=currency(item, home_currency), total=total, amount_due=balance, amount_paid=total - balance,
        issue_date=day(item.get("TxnDate")), due_date=day(item.get("DueDate")),
        contact_external_id=entity_id("Customer" if entity == "Invoice" else "Vendor", party["value"])
        if party.get("value") else "",
        contact_name=party.get("name", ""), reference=str(item.get("PrivateNote") or "")[:255],
        updated_at=updated_at(item), payments=payments, raw=raw_of(item))


def payment_records(item: dict[str, Any], entity: str, home_currency: str) -> list[tuple[str, BookPaymentRecord]]:
    """A Payment (of invoices) or BillPayment (of bills) as (document external id, record), one
    per linked document; a line linked to something else (a credit memo) is left out."""
    linked_type = "Invoice" if entity == "Payment" else "Bill"
    if entity == "Payment":
        bank = ref(item, "DepositToAccountRef").get("value", "")
    else:
        detail = item.get("CheckPayment") if item.get("PayType") == "Check" else item.get("CreditCardPayment")
        detail = detail if isinstance(detail, dict) else {}
        bank = ref(detail, "BankAccountRef").get("value") or ref(detail, "CCAccountRef").get("value", "")
    paid_on = day(item.get("TxnDate"))
    if paid_on is None:
        raise BadProviderResponse(f"QuickBooks sent a {entity} without TxnDate")
    found: list[tuple[str, BookPaymentRecord]] = []
    for line in item.get("Line") or []:
        for linked in (line or {}).get("LinkedTxn") or []:
            if (linked or {}).get("TxnType") != linked_type or not linked.get("TxnId"):
                continue
            part = len(found) + 1
            external_id = entity_id(entity, item["Id"]) + (f"#{part}" if part > 1 else "")
            found.append((entity_id(linked_type, linked["TxnId"]), BookPaymentRecord(
                external_id=external_id, invoice_external_id=entity_id(linked_type, linked["TxnId"]),
                paid_on=paid_on, amount=amount(line.get("Amount"), what="payment amount",
                                                         currency_code=currency(item, home_currency)),
                currency=currency(item, home_currency), bank_account_external_id=bank,
                reference=str(item.get("PaymentRefNum") or item.get("DocNumber") or ""), raw=raw_of(item))))
    return found


def payment_removals(entity: str, item_id: str) -> list[tuple[str, str]]:
    first = entity_id(entity, item_id)
    return [("payment", first)] + [("payment", f"{first}#{n}") for n in range(2, MAX_PAYMENT_PARTS + 1)]


# --- bank transactions ------------------------------------------------------------------------
def _lines(item: dict[str, Any], detail_key: str) -> tuple[BookLineRecord, ...]:
    lines = []
    for line in item.get("Line") or []:
        if not isinstance(line, dict) or line.get("DetailType") != detail_key:
            continue
        detail = line.get(detail_key) if isinstance(line.get(detail_key), dict) else {}
        account = ref(detail, "AccountRef")
        tracking = tuple((entity, ref(detail, key)["value"]) for entity, key in
                         (("Class", "ClassRef"), ("Department", "DepartmentRef")) if ref(detail, key).get("value"))
        lines.append(BookLineRecord(amount=amount(line.get("Amount"), what="line amount"),
                                    ledger_account_external_id=account.get("value", ""),
                                    description=str(line.get("Description") or ""), tracking=tracking))
    return tuple(lines)


def bank_transaction_record(item: dict[str, Any], entity: str, home_currency: str) -> BookBankTransactionRecord:
    """A Purchase (money out of AccountRef; `Credit: true` is a refund, money in) or a Deposit
    (money into DepositToAccountRef)."""
    txn_date = day(item.get("TxnDate"))
    if txn_date is None:
        raise BadProviderResponse(f"QuickBooks sent a {entity} without TxnDate")
    if entity == "Purchase":
        kind = "receive" if item.get("Credit") is True else "spend"
        bank = ref(item, "AccountRef").get("value", "")
        lines = _lines(item, "AccountBasedExpenseLineDetail")
        contact = ref(item, "EntityRef").get("name", "")
    else:
        kind, bank = "receive", ref(item, "DepositToAccountRef").get("value", "")
        lines = _lines(item, "DepositLineDetail")
        contact = next((ref(line.get("DepositLineDetail") or {}, "Entity").get("name", "")
                        for line in item.get("Line") or [] if isinstance(line, dict)), "")
    return BookBankTransactionRecord(
        external_id=entity_id(entity, item["Id"]), kind=kind, date=txn_date,
        amount=abs(amount(item.get("TotalAmt"), what="total", currency_code=currency(item, home_currency))),
        currency=currency(item, home_currency),
        bank_account_external_id=bank, contact_name=contact, reference=reference_of(item),
        description=_REF.sub("", str(item.get("PrivateNote") or "")).strip(), lines=lines,
        status="voided" if str(item.get("TxnStatus") or "") == "Voided" else "active",
        updated_at=updated_at(item), version=str(item.get("SyncToken") or "0"), raw=raw_of(item))


# --- pushes -------------------------------------------------------------------------------------
def push_entity(push: BankTransactionPush) -> str:
    return "Purchase" if push.kind == "spend" else "Deposit"


def push_body(push: BankTransactionPush) -> dict[str, Any]:
    """The Purchase (spend) or Deposit (receive) QuickBooks creates for one of our transactions.
    Same input, same body: a re-push compares like with like."""
    detail_key = "AccountBasedExpenseLineDetail" if push.kind == "spend" else "DepositLineDetail"
    detail: dict[str, Any] = {"AccountRef": {"value": push.ledger_account_external_id}}
    for category, option in push.tracking:
        detail["DepartmentRef" if category == "Department" else "ClassRef"] = {"value": option}
    body: dict[str, Any] = {
        "TxnDate": push.date.isoformat(), "CurrencyRef": {"value": push.currency},
        "DocNumber": doc_number_for(push.reference), "PrivateNote": private_note_for(push),
        "Line": [{"Amount": push.amount, "DetailType": detail_key, detail_key: detail,
                  "Description": push.description[:4000]}],
    }
    if push.kind == "spend":
        body.update(PaymentType="Cash", AccountRef={"value": push.bank_account_external_id})
    else:
        body["DepositToAccountRef"] = {"value": push.bank_account_external_id}
    return body

