"""Xero's JSON (Accounting API 2.0, its own PascalCase names) -> records, and our pushes ->
the SDK's BankTransaction model. Amounts arrive as Decimal (the client parses them so) and are
checked to fit the currency's minor units: a value that does not fit is refused, never rounded.

Dates are Xero's WCF form, "/Date(1518685950940+0000)/" (milliseconds since the epoch, UTC,
with an offset that is informational); a few answers carry ISO strings instead, read too."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

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
    PushResult,
    TrackingCategoryRecord,
)

_WCF_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")

# Xero's Class -> our classification.
CLASSIFICATIONS = {"ASSET": "asset", "LIABILITY": "liability", "EQUITY": "equity", "REVENUE": "revenue",
                   "EXPENSE": "expense"}
# Xero's invoice Type: ACCREC (accounts receivable, a sales invoice), ACCPAY (a bill).
INVOICE_KINDS = {"ACCREC": "invoice", "ACCPAY": "bill"}
# BankTransaction Type -> direction. Prepayments and overpayments move money the same way.
BANK_KINDS = {"SPEND": "spend", "SPEND-PREPAYMENT": "spend", "SPEND-OVERPAYMENT": "spend",
              "SPEND-TRANSFER": "spend", "RECEIVE": "receive", "RECEIVE-PREPAYMENT": "receive",
              "RECEIVE-OVERPAYMENT": "receive", "RECEIVE-TRANSFER": "receive"}
PUSH_TYPES = {"spend": "SPEND", "receive": "RECEIVE"}


def xero_datetime(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    text = str(value)
    match = _WCF_DATE.match(text)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadProviderResponse(f"Xero sent a date we cannot read: {text[:40]}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def xero_date(value: Any) -> date | None:
    moment = xero_datetime(value)
    return moment.date() if moment else None


def wcf_date(value: date | datetime) -> str:
    """The other way (the sandbox writes what Xero writes)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return f"/Date({int(value.timestamp() * 1000)}+0000)/"


def amount(value: Any, currency: str) -> Decimal:
    from integrations_core.money import fits, minor_units

    if value is None:
        return Decimal("0")
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not fits(number, minor_units(currency or "GBP")):  # JPY 1000.00 fits, 1000.50 does not
        raise BadProviderResponse(f"Xero sent an amount with more decimals than {currency or 'the currency'} has")
    return number


def raw(value: Any) -> Any:
    """The payload as stored (JSON): amounts as their exact text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: raw(v) for k, v in value.items()}
    if isinstance(value, list):
        return [raw(v) for v in value]
    return value


# --- organisations ---------------------------------------------------------------------------


def organisation_record(connection: dict, organisation: dict | None = None) -> AccountRecord:
    """One tenant of GET /connections ({id, tenantId, tenantType, tenantName}), with the
    tenant's /Organisation when read (base currency, country)."""
    organisation = organisation or {}
    return AccountRecord(
        external_id=str(connection["tenantId"]), name=str(organisation.get("Name") or connection.get("tenantName") or
                                                          "Xero organisation")[:200],
        type="other", currency=str(organisation.get("BaseCurrency") or ""),
        extra={"link_id": str(connection.get("id") or ""),
               **({"country": str(organisation.get("CountryCode") or "")[:2]} if organisation else {})},
        raw={"connection": connection, **({"organisation": _slim(organisation)} if organisation else {})},
    )


def _slim(organisation: dict) -> dict:
    keep = ("OrganisationID", "Name", "LegalName", "BaseCurrency", "CountryCode", "ShortCode", "OrganisationType")
    return {k: organisation[k] for k in keep if k in organisation}


# --- the books ---------------------------------------------------------------------------------


def ledger_account_record(item: dict) -> LedgerAccountRecord:
    status = str(item.get("Status") or "ACTIVE").lower()
    return LedgerAccountRecord(
        external_id=str(item["AccountID"]), name=str(item.get("Name") or ""), code=str(item.get("Code") or ""),
        type=str(item.get("Type") or ""), classification=CLASSIFICATIONS.get(str(item.get("Class") or ""), ""),
        status="archived" if status == "archived" else ("deleted" if status == "deleted" else "active"),
        currency=str(item.get("CurrencyCode") or ""), tax_type=str(item.get("TaxType") or ""),
        is_bank=item.get("Type") == "BANK", bank_account_number=str(item.get("BankAccountNumber") or ""), raw=raw(item),
    )


def contact_record(item: dict) -> ContactRecord:
    return ContactRecord(external_id=str(item["ContactID"]), name=str(item.get("Name") or ""),
                         email=str(item.get("EmailAddress") or ""), is_customer=bool(item.get("IsCustomer")),
                         is_supplier=bool(item.get("IsSupplier")), raw=raw(item))


def tracking_category_record(item: dict) -> TrackingCategoryRecord:
    options = tuple((str(o["TrackingOptionID"]), str(o.get("Name") or "")) for o in item.get("Options") or [])
    return TrackingCategoryRecord(external_id=str(item["TrackingCategoryID"]), name=str(item.get("Name") or ""),
                                  options=options, status=str(item.get("Status") or "ACTIVE").lower(), raw=raw(item))


def payment_record(item: dict, invoice_id: str, currency: str) -> BookPaymentRecord:
    paid_on = xero_date(item.get("Date"))
    if paid_on is None:
        raise BadProviderResponse("Xero sent a payment without a date")
    account = item.get("Account") or {}
    return BookPaymentRecord(external_id=str(item["PaymentID"]), invoice_external_id=invoice_id, paid_on=paid_on,
                             amount=amount(item.get("Amount"), currency), currency=currency,
                             bank_account_external_id=str(account.get("AccountID") or ""),
                             reference=str(item.get("Reference") or ""), raw=raw(item))


def invoice_record(item: dict) -> InvoiceRecord | None:
    """A sales invoice or a bill; other types (credit notes have their own endpoint) -> None."""
    kind = INVOICE_KINDS.get(str(item.get("Type") or ""))
    if kind is None:
        return None
    invoice_id = str(item["InvoiceID"])
    currency = str(item.get("CurrencyCode") or "")
    contact = item.get("Contact") or {}
    payments = tuple(payment_record(p, invoice_id, currency) for p in item.get("Payments") or []
                     if str(p.get("Status") or "AUTHORISED") != "DELETED")
    return InvoiceRecord(
        external_id=invoice_id, kind=kind, number=str(item.get("InvoiceNumber") or ""),
        status=str(item.get("Status") or "").lower(), currency=currency,
        total=amount(item.get("Total"), currency), amount_due=amount(item.get("AmountDue"), currency),
        amount_paid=amount(item.get("AmountPaid"), currency), issue_date=xero_date(item.get("Date")),
        due_date=xero_date(item.get("DueDate")), contact_external_id=str(contact.get("ContactID") or ""),
        contact_name=str(contact.get("Name") or ""), reference=str(item.get("Reference") or ""),
        updated_at=xero_datetime(item.get("UpdatedDateUTC")), payments=payments, raw=raw(item),
    )


def bank_transaction_record(item: dict) -> BookBankTransactionRecord | None:
    kind = BANK_KINDS.get(str(item.get("Type") or ""))
    day = xero_date(item.get("Date"))
    if kind is None or day is None:
        return None
    currency = str(item.get("CurrencyCode") or "")
    lines = tuple(
        BookLineRecord(amount=amount(line.get("LineAmount"), currency),
                       ledger_account_external_id=str(line.get("AccountID") or ""),
                       ledger_account_code=str(line.get("AccountCode") or ""),
                       description=str(line.get("Description") or ""),
                       tracking=tuple((str(t.get("TrackingCategoryID") or ""), str(t.get("TrackingOptionID") or ""))
                                      for t in line.get("Tracking") or []))
        for line in item.get("LineItems") or [])
    status = str(item.get("Status") or "AUTHORISED")
    return BookBankTransactionRecord(
        external_id=str(item["BankTransactionID"]), kind=kind, date=day, amount=amount(item.get("Total"), currency),
        currency=currency, bank_account_external_id=str((item.get("BankAccount") or {}).get("AccountID") or ""),
        contact_name=str((item.get("Contact") or {}).get("Name") or ""), reference=str(item.get("Reference") or ""),
        description=lines[0].description if lines else "", lines=lines,
        status={"DELETED": "deleted", "VOIDED": "voided"}.get(status, "active"),
        updated_at=xero_datetime(item.get("UpdatedDateUTC")),
        # UpdatedDateUTC moves on every edit in Xero: it is the version we compare.
        version=str(item.get("UpdatedDateUTC") or ""), raw=raw(item),
    )


# --- pushes ------------------------------------------------------------------------------------


def push_model(item: BankTransactionPush, *, bank_transaction_id: str | None = None):
    """Our item as the SDK's BankTransaction: one line coded to the mapped account, tax
    inclusive (a bank line's amount is what left or reached the account), Reference = our id.
    The SDK types money as float: a 2-dp Decimal's float prints back the same digits."""
    from xero_python.accounting.models import (
        Account,
        BankTransaction,
        Contact,
        CurrencyCode,
        LineAmountTypes,
        LineItem,
        LineItemTracking,
    )

    line = LineItem(description=item.description[:4000] or item.reference, quantity=1.0,
                    unit_amount=float(item.amount), account_id=item.ledger_account_external_id or None,
                    account_code=item.ledger_account_code or None,
                    tracking=[LineItemTracking(tracking_category_id=c, tracking_option_id=o) for c, o in item.tracking]
                    or None)
    values: dict[str, Any] = {
        "type": PUSH_TYPES[item.kind], "date": item.date, "reference": item.reference,
        "bank_account": Account(account_id=item.bank_account_external_id),
        "contact": Contact(name=(item.contact_name or item.description or "Bank transaction")[:255]),
        "line_items": [line], "line_amount_types": LineAmountTypes.INCLUSIVE,
        "currency_code": CurrencyCode[item.currency],
    }
    if bank_transaction_id:
        values["bank_transaction_id"] = bank_transaction_id
    return BankTransaction(**values)


def push_result(reference: str, answered: dict | None, *, status: str) -> PushResult:
    """One item of Xero's answer to a PUT/POST: its id and version, or its ValidationErrors."""
    if not answered:
        return PushResult(reference=reference, status="failed", message="Xero did not answer for this item")
    errors = [str(e.get("Message")) for e in answered.get("ValidationErrors") or [] if e.get("Message")]
    if errors:
        return PushResult(reference=reference, status="failed", message="; ".join(errors)[:500],
                          external_id=str(answered.get("BankTransactionID") or ""))
    return PushResult(reference=reference, external_id=str(answered.get("BankTransactionID") or ""),
                      version=str(answered.get("UpdatedDateUTC") or ""), status=status)


__all__ = ["amount", "bank_transaction_record", "contact_record", "invoice_record", "ledger_account_record",
           "organisation_record", "push_model", "push_result", "tracking_category_record", "wcf_date",
           "xero_date", "xero_datetime"]
