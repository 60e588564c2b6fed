"""GoCardless Bank Account Data v2 wire format: snake_case for GoCardless's own resources,
Berlin Group (NextGenPSD2) camelCase for bank data, amounts as strings."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from sandbox.data import AccountSnapshot, Transaction
from sandbox.institutions import Institution, Product
from sandbox.models import GoCardlessAccount, GoCardlessAgreement, GoCardlessRequisition

ACCESS_SCOPES = ("balances", "details", "transactions")
TRANSACTION_TOTAL_DAYS = 730
MAX_ACCESS_VALID_FOR_DAYS = 90
CASH_ACCOUNT_TYPE = {Product.CURRENT: "CACC", Product.SAVINGS: "SVGS", Product.CREDIT_CARD: "CARD"}
PRODUCT_NAME = {Product.CURRENT: "Current Account", Product.SAVINGS: "Savings Account",
                Product.CREDIT_CARD: "Credit Card"}


def error_response(status: int, summary: str, detail: str, *, type_: str | None = None,
                   headers: dict | None = None) -> JsonResponse:
    body = {"summary": summary, "detail": detail}
    if type_:
        body["type"] = type_
    body["status_code"] = status
    return JsonResponse(body, status=status, headers=headers)


def field_errors(errors: dict[str, str]) -> JsonResponse:
    """400 with errors keyed by field, GoCardless's validation shape."""
    body: dict = {field: [{"summary": message, "detail": message}] for field, message in errors.items()}
    body["status_code"] = 400
    return JsonResponse(body, status=400)


def not_found(what: str = "Not found.") -> JsonResponse:
    return error_response(404, "Not found.", what)


def money(amount: Decimal, currency: str) -> dict:
    return {"amount": f"{amount:.2f}", "currency": currency}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def institution(inst: Institution, request: HttpRequest, *, detail: bool = False) -> dict:
    body = {
        "id": inst.gocardless_id,
        "name": inst.name,
        "bic": inst.bic,
        "transaction_total_days": str(TRANSACTION_TOTAL_DAYS),
        "max_access_valid_for_days": str(MAX_ACCESS_VALID_FOR_DAYS),
        "countries": [inst.country],
        "logo": request.build_absolute_uri(reverse("sandbox:logo", args=[inst.slug])),
    }
    if detail:
        body.update({"supported_payments": {}, "supported_features": ["account_selection", "business_accounts"],
                     "identification_codes": []})
    return body


def agreement(row: GoCardlessAgreement) -> dict:
    return {
        "id": str(row.id),
        "created": _iso(row.created),
        "institution_id": row.institution_id,
        "max_historical_days": row.max_historical_days,
        "access_valid_for_days": row.access_valid_for_days,
        "access_scope": row.access_scope,
        "accepted": _iso(row.accepted),
    }


def requisition(row: GoCardlessRequisition, request: HttpRequest, status: str) -> dict:
    link = request.build_absolute_uri(
        reverse("sandbox:gocardless:link", kwargs={"requisition_id": row.id, "institution_id": row.institution_id}))
    return {
        "id": str(row.id),
        "created": _iso(row.created),
        "redirect": row.redirect,
        "status": status,
        "institution_id": row.institution_id,
        "agreement": str(row.agreement_id) if row.agreement_id else None,
        "reference": row.reference,
        "accounts": [str(a.id) for a in row.accounts.order_by("account_key")],
        "user_language": row.user_language,
        "link": link,
        "ssn": None,
        "account_selection": row.account_selection,
        "redirect_immediate": row.redirect_immediate,
    }


def account_metadata(row: GoCardlessAccount, snapshot: AccountSnapshot, status: str) -> dict:
    acc = snapshot.account
    return {
        "id": str(row.id),
        "created": _iso(row.created),
        "last_accessed": _iso(row.last_accessed),
        "iban": acc.iban,
        "bban": _bban(snapshot),
        "institution_id": row.requisition.institution_id,
        "status": status,
        "owner_name": acc.owner_name,
    }


def _bban(snapshot: AccountSnapshot) -> str:
    acc = snapshot.account
    return f"{acc.sort_code.replace('-', '')}{acc.account_number}" if acc.account_number else ""


def resource_id(row: GoCardlessAccount) -> str:
    return hashlib.sha256(f"gc-resource|{row.id}".encode()).hexdigest()[:24]


def details(row: GoCardlessAccount, snapshot: AccountSnapshot) -> dict:
    acc = snapshot.account
    body = {"resourceId": resource_id(row)}
    if acc.iban:
        body["iban"] = acc.iban
    if bban := _bban(snapshot):
        body["bban"] = bban
    if acc.is_card:
        body["maskedPan"] = acc.masked_pan
    body.update({
        "currency": acc.currency,
        "ownerName": acc.owner_name,
        "name": acc.display_name,
        "displayName": acc.display_name,
        "product": PRODUCT_NAME[acc.product],
        "cashAccountType": CASH_ACCOUNT_TYPE[acc.product],
        "status": "enabled",
        "bic": acc.bic,
        "usage": "ORGA" if acc.business else "PRIV",
    })
    return {"account": body}


def balances(snapshot: AccountSnapshot, today: date) -> dict:
    currency, is_card = snapshot.account.currency, snapshot.account.is_card
    return {"balances": [
        {"balanceAmount": money(snapshot.current, currency), "balanceType": "interimBooked",
         "creditLimitIncluded": False, "referenceDate": today.isoformat()},
        # For cards the available figure includes the unused credit limit, and says so.
        {"balanceAmount": money(snapshot.available, currency), "balanceType": "interimAvailable",
         "creditLimitIncluded": is_card, "referenceDate": today.isoformat()},
    ]}


def transaction(line: Transaction, *, ids_survive_booking: bool) -> dict:
    body: dict = {}
    # Pending lines usually carry no id at all; a few banks keep one that survives booking.
    if not line.is_pending or ids_survive_booking:
        body["transactionId"] = line.transaction_id
    if not line.is_pending:
        body["internalTransactionId"] = hashlib.sha256(f"gc-internal|{line.transaction_id}".encode()).hexdigest()[:32]
        body["bookingDate"] = line.booking_date.isoformat()
    body["valueDate"] = line.timestamp.date().isoformat()
    body["transactionAmount"] = money(line.amount, line.currency)
    if line.counterparty:
        body["debtorName" if line.is_credit else "creditorName"] = line.counterparty
    body["remittanceInformationUnstructured"] = line.description
    if line.reference:
        body["remittanceInformationStructured"] = line.reference
    body["proprietaryBankTransactionCode"] = line.bank_code
    if line.merchant_category_code:
        body["merchantCategoryCode"] = line.merchant_category_code
    if line.running_balance is not None:
        body["balanceAfterTransaction"] = {"balanceAmount": money(line.running_balance, line.currency),
                                           "balanceType": "interimBooked"}
    return body


def account_uuid(requisition_id: uuid.UUID, account_key: str) -> uuid.UUID:
    """Account ids are per requisition: reconnecting hands out new ids for the same accounts."""
    return uuid.uuid5(requisition_id, account_key)
