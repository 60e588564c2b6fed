"""Stripe objects (as the API sends them) -> the payments records. Nothing else.

Amounts: Stripe sends integers in the currency's smallest unit as Stripe defines it
(docs.stripe.com/currencies, "Minor units in API amounts"): zero-decimal currencies (JPY, KRW...)
are whole units, the three-decimal ones (BHD, JOD, KWD, OMR, TND) thousandths, and everything
else hundredths, including ISK and UGX, which Stripe keeps two-decimal in the API for backwards
compatibility although ISO gives them none. So Stripe's own table, not ISO's, decides here.

Signs are the merchant balance's, as Stripe's: a charge's amount is positive, a refund, dispute
or payout negative; `fee` positive when Stripe kept money; `net` = amount - fee (Stripe's own
`net`, checked: a balance transaction whose numbers disagree is refused, not guessed at)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from integrations_core.models import AccountType
from integrations_core.providers.errors import BadProviderResponse
from integrations_core.records import (
    AccountRecord,
    BalanceRecord,
    BalanceTransactionRecord,
    DisputeRecord,
    FeeDetailRecord,
    PayoutRecord,
)

INSTITUTION_NAME = "Stripe"

# docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                          "VUV", "XAF", "XOF", "XPF"})
# docs.stripe.com/currencies#three-decimal
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})
# Zero-decimal in ISO but two-decimal in Stripe's API ("special cases").
TWO_DECIMAL_IN_API = frozenset({"ISK", "UGX"})

# Stripe's balance transaction `type` -> ours (records.BalanceTransactionRecord.type).
TYPES = {
    "charge": "charge", "payment": "charge",
    "refund": "refund", "payment_refund": "refund", "payment_failure_refund": "refund",
    "refund_failure": "adjustment",
    "stripe_fee": "fee", "application_fee": "fee", "tax_fee": "fee", "stripe_fx_fee": "fee",
    "payout": "payout", "payout_cancel": "payout_failure", "payout_failure": "payout_failure",
    "adjustment": "adjustment", "payment_reversal": "adjustment",
    "transfer": "transfer", "transfer_cancel": "transfer", "transfer_failure": "transfer",
    "transfer_refund": "transfer",
}
# Stripe's reporting_category for dispute movements (their type is "adjustment").
DISPUTE_CATEGORIES = {"dispute": "dispute", "dispute_reversal": "dispute_reversal"}
FEE_TYPES = {"stripe_fee": "stripe_fee", "application_fee": "application_fee", "tax": "tax"}
CLOSED_DISPUTE = frozenset({"won", "lost", "warning_closed", "charge_refunded", "prevented"})


def exponent(currency: str) -> int:
    code = currency.upper()
    if code in TWO_DECIMAL_IN_API:
        return 2
    if code in ZERO_DECIMAL:
        return 0
    if code in THREE_DECIMAL:
        return 3
    return 2


def to_major(minor: Any, currency: str) -> Decimal:
    """An API amount (an integer in Stripe's minor unit) as an exact Decimal in major units."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise BadProviderResponse("Stripe sent an amount that is not a whole number of minor units")
    return Decimal(minor).scaleb(-exponent(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    """The other way (the sandbox and tests build API answers with it)."""
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} has more decimals than Stripe allows")
    return int(scaled)


def _currency(value: Any) -> str:
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha():
        raise BadProviderResponse("Stripe sent an object without a currency")
    return value.upper()


def _time(value: Any) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadProviderResponse("Stripe sent an object without a creation time")
    return datetime.fromtimestamp(value, tz=UTC)


def _day(value: Any) -> date | None:
    return _time(value).date() if isinstance(value, int) and not isinstance(value, bool) else None


def _id(value: Any) -> str:
    """An id, or the id of an expanded object."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _object(data: Any, kind: str) -> dict:
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
        raise BadProviderResponse(f"Stripe sent a {kind} without an id")
    return data


# --- balance -------------------------------------------------------------------------------------
def balances(data: Any) -> tuple[list[AccountRecord], dict[str, BalanceRecord]]:
    """GET /v1/balance: one account per currency the balance lists (available, pending)."""
    if not isinstance(data, dict) or not isinstance(data.get("available"), list):
        raise BadProviderResponse("Stripe sent a balance without `available`")
    amounts: dict[str, dict[str, Decimal]] = {}
    for part in ("available", "pending"):
        for item in data.get(part) or []:
            if not isinstance(item, dict):
                raise BadProviderResponse("Stripe sent an unreadable balance")
            currency = _currency(item.get("currency"))
            amounts.setdefault(currency, {"available": Decimal(0), "pending": Decimal(0)})
            amounts[currency][part] += to_major(item.get("amount"), currency)
    accounts, found = [], {}
    for currency, parts in sorted(amounts.items()):
        external_id = f"balance:{currency.lower()}"
        accounts.append(AccountRecord(external_id=external_id, name=f"{INSTITUTION_NAME} {currency}",
                                      type=AccountType.OTHER, subtype="processor_balance", currency=currency))
        found[external_id] = BalanceRecord(currency=currency, current=parts["available"] + parts["pending"],
                                           available=parts["available"], extra={"pending_balance": parts["pending"]})
    return accounts, found


# --- balance transactions -------------------------------------------------------------------------
def _reference(source: dict) -> str:
    """The invoice number a charge carries: our persona and most invoicing tools put it in the
    metadata (invoice_number), else Stripe's own invoice's number, else the description."""
    metadata = source.get("metadata") if isinstance(source.get("metadata"), dict) else {}
    for key in ("invoice_number", "invoice", "order_id", "reference"):
        if isinstance(metadata.get(key), str) and metadata[key]:
            return metadata[key]
    invoice = source.get("invoice")
    if isinstance(invoice, dict) and isinstance(invoice.get("number"), str):
        return invoice["number"]
    return ""


def _counterparty(source: dict) -> str:
    billing = source.get("billing_details")
    if isinstance(billing, dict) and isinstance(billing.get("name"), str):
        return billing["name"]
    return ""


def balance_transaction(data: Any) -> BalanceTransactionRecord:
    item = _object(data, "balance transaction")
    currency = _currency(item.get("currency"))
    amount, fee, net = (to_major(item.get(k), currency) for k in ("amount", "fee", "net"))
    if amount - fee != net:
        raise BadProviderResponse("Stripe sent a balance transaction whose net is not amount minus fee")
    details = []
    for part in item.get("fee_details") or []:
        if not isinstance(part, dict):
            continue
        part_currency = _currency(part.get("currency") or currency)
        details.append(FeeDetailRecord(type=FEE_TYPES.get(str(part.get("type")), "other"),
                                       amount=to_major(part.get("amount"), part_currency), currency=part_currency,
                                       description=str(part.get("description") or "")))
    category = str(item.get("reporting_category") or "")
    kind = DISPUTE_CATEGORIES.get(category) or TYPES.get(str(item.get("type")), "other")
    source = item.get("source") if isinstance(item.get("source"), dict) else {}
    source_id = _id(item.get("source"))
    original_amount, original_currency = None, ""
    rate = item.get("exchange_rate")
    if source and isinstance(source.get("amount"), int) and isinstance(source.get("currency"), str):
        source_currency = _currency(source["currency"])
        if source_currency != currency:
            original_amount, original_currency = to_major(source["amount"], source_currency), source_currency
    return BalanceTransactionRecord(
        external_id=item["id"], type=kind, created_at=_time(item.get("created")), amount=amount, fee=fee, net=net,
        currency=currency, status="pending" if item.get("status") == "pending" else "available",
        available_on=_day(item.get("available_on")), description=str(item.get("description") or ""),
        source_id=source_id, payout_external_id=source_id if kind in ("payout", "payout_failure") else "",
        reporting_category=category, fee_details=tuple(details), counterparty=_counterparty(source),
        reference=_reference(source) if source else "", original_amount=original_amount,
        original_currency=original_currency,
        exchange_rate=Decimal(str(rate)) if isinstance(rate, int | float) and not isinstance(rate, bool) else None,
        raw={k: v for k, v in item.items() if k != "source"} | ({"source": source_id} if source_id else {}),
    )


# --- payouts and disputes ---------------------------------------------------------------------------
def _last4(destination: Any) -> str:
    if isinstance(destination, dict) and isinstance(destination.get("last4"), str):
        return f"****{destination['last4']}"
    return ""


def payout(data: Any, balance_transaction_ids: tuple[str, ...] = ()) -> PayoutRecord:
    item = _object(data, "payout")
    currency = _currency(item.get("currency"))
    status = str(item.get("status") or "pending")
    return PayoutRecord(
        external_id=item["id"], amount=to_major(item.get("amount"), currency), currency=currency,
        status=status if status in ("pending", "in_transit", "paid", "failed", "canceled") else "pending",
        created_at=_time(item.get("created")), arrival_date=_day(item.get("arrival_date")),
        reference=str(item.get("statement_descriptor") or ""), destination=_last4(item.get("destination")),
        method=str(item.get("method") or "standard"), automatic=bool(item.get("automatic", True)),
        balance_transaction_ids=balance_transaction_ids, failure_message=str(item.get("failure_message") or ""),
        raw={k: v for k, v in item.items() if k != "destination"},
    )


def dispute(data: Any) -> DisputeRecord:
    item = _object(data, "dispute")
    currency = _currency(item.get("currency"))
    details = item.get("evidence_details") if isinstance(item.get("evidence_details"), dict) else {}
    due = details.get("due_by")
    status = str(item.get("status") or "")
    return DisputeRecord(
        external_id=item["id"], amount=to_major(item.get("amount"), currency), currency=currency, status=status,
        reason=str(item.get("reason") or ""), created_at=_time(item.get("created")),
        evidence_due_by=_time(due) if isinstance(due, int) and not isinstance(due, bool) else None,
        charge_external_id=_id(item.get("charge")), closed=status in CLOSED_DISPUTE,
        raw={k: v for k, v in item.items() if k != "evidence"},
    )
