"""The PayPal mock's data: the business persona's PayPal book (sandbox/business/persona.py) in
PayPal's own JSON shapes (Transaction Search rows, balances, disputes). Pure functions of the
login and the sandbox time."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from integrations_core.money import money_text
from sandbox.business.persona import PayPalDispute, PayPalTransaction, business_book

RESOLVE_DAYS = 30  # the persona closes a case 30 days after it opened


def merchant_id(username: str) -> str:
    """The business's PayPal account id (payer id): 13 upper-case letters and digits."""
    digest = hashlib.sha256(f"paypal-merchant:{username}".encode()).hexdigest().upper()
    return "".join(c for c in digest if c.isalnum())[:13]


def paypal_time(moment: datetime) -> str:
    """As Transaction Search writes times: 2026-01-31T09:00:00+0000."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


def dispute_time(moment: datetime) -> str:
    """As the Disputes API writes them: 2026-01-31T09:00:00.000Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def amount(value: Decimal, currency: str) -> dict[str, str]:
    return {"currency_code": currency, "value": money_text(value, currency)}


def visible_transactions(username: str, now: datetime, lag: timedelta) -> list[PayPalTransaction]:
    """What Transaction Search shows at `now`: rows at least `lag` old (PayPal's up-to-3-hour
    delay before a transaction appears), oldest first."""
    book = business_book(username, now.date())
    ready = now - lag
    return sorted((t for t in book.paypal.transactions if t.updated_at <= ready), key=lambda t: (t.initiated_at, t.id))


def transaction_row(txn: PayPalTransaction, username: str) -> dict[str, Any]:
    info: dict[str, Any] = {
        "paypal_account_id": txn.payer.id[:13].upper() if txn.payer else "",
        "transaction_id": txn.id,
        "transaction_event_code": txn.event_code,
        "transaction_initiation_date": paypal_time(txn.initiated_at),
        "transaction_updated_date": paypal_time(txn.updated_at),
        "transaction_amount": amount(txn.gross, txn.currency),
        "transaction_status": txn.status,
        "transaction_subject": txn.note or ("Payment received" if txn.gross > 0 else ""),
        "protection_eligibility": "01" if txn.event_code.startswith("T00") else "02",
    }
    if txn.fee:
        info["fee_amount"] = amount(txn.fee, txn.currency)
    if txn.invoice_id:
        info["invoice_id"] = txn.invoice_id
    payer: dict[str, Any] = {}
    if txn.payer:
        given, _, surname = txn.payer.name.partition(" ")
        payer = {"account_id": txn.payer.id[:13].upper(), "email_address": txn.payer.email, "address_status": "Y",
                 "payer_status": "Y", "payer_name": {"given_name": given, "surname": surname,
                                                     "alternate_full_name": txn.payer.name},
                 "country_code": "GB"}
    cart = ({"item_details": [{"item_name": txn.note or txn.invoice_id, "item_quantity": "1",
                               "item_unit_price": amount(txn.gross, txn.currency),
                               "total_item_amount": amount(txn.gross, txn.currency)}]}
            if txn.event_code.startswith("T00") else {})
    return {"transaction_info": info, "payer_info": payer, "shipping_info": {}, "cart_info": cart,
            "store_info": {}, "auction_info": {}, "incentive_info": {}}


def balances(username: str, now: datetime, lag: timedelta) -> list[dict[str, Any]]:
    totals: dict[str, Decimal] = {"GBP": Decimal("0.00")}
    for txn in visible_transactions(username, now, lag):
        totals[txn.currency] = totals.get(txn.currency, Decimal("0.00")) + txn.net
    return [{"currency": currency, "primary": currency == "GBP", "total_balance": amount(total, currency),
             "available_balance": amount(total, currency), "withheld_balance": amount(Decimal(0), currency)}
            for currency, total in sorted(totals.items())]


def disputes(username: str, now: datetime) -> list[PayPalDispute]:
    book = business_book(username, now.date())
    return sorted((d for d in book.paypal.disputes if d.created <= now), key=lambda d: (d.created, d.id))


def dispute_updated(dispute: PayPalDispute) -> datetime:
    if dispute.status == "RESOLVED":
        return dispute.created + timedelta(days=RESOLVE_DAYS)
    if dispute.status == "UNDER_REVIEW":
        return dispute.seller_response_due
    return dispute.created


def dispute_summary(dispute: PayPalDispute, base: str) -> dict[str, Any]:
    return {
        "dispute_id": dispute.id, "create_time": dispute_time(dispute.created),
        "update_time": dispute_time(dispute_updated(dispute)), "status": dispute.status, "reason": dispute.reason,
        "dispute_state": {"WAITING_FOR_SELLER_RESPONSE": "REQUIRED_ACTION", "UNDER_REVIEW": "UNDER_PAYPAL_REVIEW"}.get(
            dispute.status, "RESOLVED"),
        "dispute_amount": amount(dispute.amount, dispute.currency), "dispute_life_cycle_stage": "CHARGEBACK",
        "dispute_channel": "EXTERNAL",
        "links": [{"href": f"{base}/v1/customer/disputes/{dispute.id}", "rel": "self", "method": "GET"}],
    }


def dispute_detail(dispute: PayPalDispute, username: str, base: str) -> dict[str, Any]:
    detail = dispute_summary(dispute, base)
    detail.update({
        "seller_response_due_date": dispute_time(dispute.seller_response_due),
        "disputed_transactions": [{"seller_transaction_id": dispute.transaction_id,
                                   "seller": {"merchant_id": merchant_id(username)},
                                   "gross_amount": amount(dispute.amount, dispute.currency)}],
    })
    if dispute.status == "RESOLVED":
        detail["dispute_outcome"] = {"outcome_code": dispute.outcome,
                                     "amount_refunded": amount(dispute.amount if dispute.outcome ==
                                                               "RESOLVED_BUYER_FAVOUR" else Decimal(0), dispute.currency)}
    return detail
