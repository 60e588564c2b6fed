"""Generated records in TrueLayer Data API v1 wire format.

Amounts leave as JSON numbers, as TrueLayer sends them: Decimal is converted to float only
here, at the JSON boundary (two-decimal values survive the round trip exactly). Card amounts
are sign-flipped: TrueLayer reports card spending as positive."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from sandbox.data import AccountSnapshot, Book, Transaction
from sandbox.institutions import Institution, Product

# The bank's own type code -> TrueLayer's transaction_category.
CATEGORY_BY_BANK_CODE = {
    "DEB": "PURCHASE", "DD": "DIRECT_DEBIT", "SO": "STANDING_ORDER", "BGC": "CREDIT", "FPI": "CREDIT",
    "TFR": "TRANSFER", "INT": "INTEREST", "PAY": "CREDIT",
}
ARRANGED_OVERDRAFT = Decimal("500.00")


def error_response(status: int, error: str, description: str, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status, headers=headers)
    if status == 401:
        response["WWW-Authenticate"] = f'Bearer error="{error}"'
    return response


def _number(amount: Decimal) -> float:
    return float(amount)


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def account_id(book: Book, key: str) -> str:
    """Stable across reconnections of the same login, as TrueLayer's account ids are."""
    raw = f"truelayer|{book.institution.slug}|{book.username}|{key}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def provider(institution: Institution, request: HttpRequest) -> dict:
    return {
        "display_name": institution.name,
        "logo_uri": request.build_absolute_uri(reverse("sandbox:logo", args=[institution.slug])),
        "provider_id": institution.truelayer_id,
    }


def account(book: Book, snapshot: AccountSnapshot, request: HttpRequest, now: datetime) -> dict:
    acc = snapshot.account
    number = {"number": acc.account_number, "swift_bic": acc.bic}
    if acc.sort_code:
        number["sort_code"] = acc.sort_code
    if acc.iban:
        number["iban"] = acc.iban
    return {
        "update_timestamp": _iso(now),
        "account_id": account_id(book, acc.key),
        "account_type": ("BUSINESS_" if acc.business else "") + (
            "SAVINGS" if acc.product == Product.SAVINGS else "TRANSACTION"),
        "display_name": acc.display_name,
        "currency": acc.currency,
        "account_number": number,
        "provider": provider(book.institution, request),
    }


def card(book: Book, snapshot: AccountSnapshot, request: HttpRequest, now: datetime) -> dict:
    acc = snapshot.account
    return {
        "account_id": account_id(book, acc.key),
        "card_network": acc.card_network,
        "card_type": "CREDIT",
        "currency": acc.currency,
        "display_name": acc.display_name,
        "partial_card_number": acc.last4,
        "name_on_card": acc.owner_name.upper(),
        "valid_from": acc.valid_from.isoformat(),
        "valid_to": acc.valid_to.isoformat(),
        "update_timestamp": _iso(now),
        "provider": provider(book.institution, request),
    }


def balance(snapshot: AccountSnapshot, now: datetime) -> dict:
    return {
        "currency": snapshot.account.currency,
        "available": _number(snapshot.available),
        "current": _number(snapshot.current),
        "overdraft": _number(ARRANGED_OVERDRAFT if snapshot.account.product == Product.CURRENT else Decimal(0)),
        "update_timestamp": _iso(now),
    }


def card_balance(snapshot: AccountSnapshot, now: datetime) -> dict:
    body = {
        "currency": snapshot.account.currency,
        "available": _number(snapshot.available),
        "current": _number(snapshot.owed),  # what the holder owes, positive
        "credit_limit": _number(snapshot.account.credit_limit),
        "update_timestamp": _iso(now),
    }
    if statement := snapshot.statement:
        body.update({
            "last_statement_balance": _number(statement.statement_balance),
            "last_statement_date": statement.statement_date.isoformat(),
            "payment_due": _number(statement.payment_due),
            "payment_due_date": statement.payment_due_date.isoformat(),
        })
    return body


def transaction(book: Book, line: Transaction, *, is_card: bool) -> dict:
    # Some banks' feeds re-issue transaction_id on every request; only the normalised
    # provider id is stable. Sync code has to key on that, so the sandbox makes it matter.
    if book.institution.stable_transaction_ids:
        transaction_id = hashlib.sha256(f"tl-txn|{line.transaction_id}".encode()).hexdigest()[:32]
    else:
        transaction_id = uuid.uuid4().hex
    def shown(amount: Decimal) -> float:
        return _number(Decimal(0) - amount if is_card else amount)  # 0 - x: no "-0.0" for zero

    body = {
        "transaction_id": transaction_id,
        "normalised_provider_transaction_id": f"txn-{line.transaction_id[:24]}",
        "provider_transaction_id": line.transaction_id,
        "timestamp": _iso(line.timestamp),
        "description": line.description,
        "amount": shown(line.amount),
        "currency": line.currency,
        "transaction_type": "CREDIT" if line.is_credit else "DEBIT",
        "transaction_category": CATEGORY_BY_BANK_CODE.get(line.bank_code, "OTHER"),
        "transaction_classification": list(line.classification),
        "meta": {"provider_transaction_category": line.bank_code, "provider_id": book.institution.truelayer_id},
    }
    if line.merchant_name:
        body["merchant_name"] = line.merchant_name
    if line.reference:  # TrueLayer's meta carries the bank's reference and counterparty when it has them
        body["meta"].update({"provider_reference": line.reference, "counterparty_preferred_name": line.counterparty})
    if line.running_balance is not None:
        body["running_balance"] = {"amount": shown(line.running_balance), "currency": line.currency}
    return body
