"""PayPal answers -> records (integrations_core.records, payments kinds). Nothing else.

Money: PayPal sends {"currency_code": "GBP", "value": "12.34"} (JPY "1500": no minor unit); the
value is taken exactly as a Decimal and must fit the currency's minor unit, or the answer is a
BadProviderResponse (never rounded). Signs: `transaction_amount` is already from the merchant's
balance (money in positive); `fee_amount` is NEGATIVE when PayPal charged a fee, and our `fee` is
positive when charged, so fee = -fee_amount and net = amount - fee = PayPal's gross + fee_amount.

Event codes (PayPal's "Transaction event codes", T0000-T9999) decide the record type; see
`event_type`. Authorizations (T13xx), holds and releases between available and withheld funds
(T15xx, T21xx) and display-only rows (T98xx) move no money in or out of the balance PayPal
totals, so they are not balance transactions (counted in `skipped`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations_core.models import AccountType
from integrations_core.money import fits, minor_units
from integrations_core.providers.errors import BadProviderResponse
from integrations_core.records import (
    AccountRecord,
    BalanceRecord,
    BalanceTransactionRecord,
    DisputeRecord,
    FeeDetailRecord,
    PayoutRecord,
)

INSTITUTION_NAME = "PayPal"
# Event-code groups that are not movements of the balance (see the module docstring).
NOT_MOVEMENTS = ("T13", "T15", "T21", "T98")
# Codes with their own meaning inside a group (the group's default follows below).
EVENT_TYPES = {
    "T1101": "payout_failure",  # reversal of a withdrawal to the bank: the money came back
    "T1106": "dispute",  # payment reversal initiated by PayPal
    "T1107": "refund",  # payment refund initiated by the merchant
    "T1108": "fee",  # fee reversal
    "T1109": "fee",  # fee refund
    "T1110": "dispute",  # hold for dispute investigation
    "T1111": "dispute_reversal",  # cancellation of the hold: the seller kept the money
    "T1201": "dispute",  # chargeback
    "T1202": "dispute_reversal",  # chargeback reversal
    "T1205": "dispute_reversal",  # reimbursement of a chargeback
    "T1207": "dispute",  # chargeback re-presentment rejection
    "T1208": "dispute_reversal",  # chargeback cancellation
}
GROUP_TYPES = {
    "T00": "charge",  # PayPal account-to-account payments (negative: a payment the merchant sent)
    "T01": "fee",  # non-payment-related fees
    "T02": "transfer",  # currency conversion: out of one currency balance, into another
    "T03": "transfer",  # bank deposit into the PayPal account
    "T04": "payout",  # withdrawal from the PayPal balance to the bank
    "T05": "other",  # PayPal debit card spending
    "T06": "payout",  # withdrawal to a credit card
    "T07": "transfer",  # credit card deposit
    "T08": "adjustment",  # bonus
    "T09": "adjustment",  # incentive
    "T10": "other",  # bill pay
    "T11": "refund",  # reversals
    "T12": "adjustment",  # adjustments
    "T14": "adjustment",  # dividends
    "T16": "transfer",  # buyer credit deposit
    "T17": "payout",  # non-bank withdrawal
    "T18": "other",  # buyer credit withdrawal
    "T19": "adjustment",  # account correction
    "T20": "transfer",  # funds transfer to another PayPal account
    "T22": "transfer",  # transfers
}
# transaction_status: S success, P pending, V reversed, F partially refunded, D denied.
DENIED = "D"
PAYOUT_STATUS = {"S": "paid", "F": "paid", "P": "pending", "V": "failed", "D": "failed"}


def event_type(code: str, amount: Decimal) -> str | None:
    """Our balance-transaction type for a PayPal event code; None: not a movement."""
    code = (code or "").upper()
    if code.startswith(NOT_MOVEMENTS):
        return None
    if code in EVENT_TYPES:
        return EVENT_TYPES[code]
    kind = GROUP_TYPES.get(code[:3], "other")
    if kind == "charge" and amount < 0:
        return "transfer"  # a payment the merchant sent out of the balance, not a sale
    return kind


def money(value: Any, *, what: str) -> tuple[Decimal, str]:
    """{"currency_code", "value"} -> (Decimal exactly as sent, currency)."""
    if not isinstance(value, dict):
        raise BadProviderResponse(f"PayPal sent no {what}")
    currency = str(value.get("currency_code") or "").upper()
    raw = value.get("value")
    if len(currency) != 3 or not isinstance(raw, str | int):
        raise BadProviderResponse(f"PayPal sent an unreadable {what}")
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise BadProviderResponse(f"PayPal sent an unreadable {what}") from None
    if not fits(amount, minor_units(currency)):
        raise BadProviderResponse(f"PayPal sent a {what} with more decimals than {currency} has")
    return amount + Decimal(0), currency  # + 0: "-0.00" becomes 0.00


def parse_time(value: Any) -> datetime | None:
    """PayPal writes 2026-01-31T09:00:00+0000 (offset without a colon), or with Z / +00:00."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def next_business_day(day: date) -> date:
    """A withdrawal reaches a UK bank the next working day (bank holidays are not known here)."""
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def account_for(currency: str) -> AccountRecord:
    return AccountRecord(external_id=f"balance:{currency.lower()}", name=f"{INSTITUTION_NAME} {currency.upper()}",
                         type=AccountType.OTHER, subtype="processor_balance", currency=currency.upper())


def balances(body: dict[str, Any]) -> tuple[list[AccountRecord], dict[str, BalanceRecord], str]:
    """GET /v1/reporting/balances: one account per currency; current = total (available +
    withheld), available = available. Also the PayPal account id (the merchant's payer id)."""
    items = body.get("balances")
    if not isinstance(items, list):
        raise BadProviderResponse("PayPal's balances answer has no balances")
    as_of = parse_time(body.get("as_of_time"))
    accounts, found = [], {}
    for item in items:
        if not isinstance(item, dict):
            raise BadProviderResponse("PayPal sent an unreadable balance")
        total, currency = money(item.get("total_balance"), what="total balance")
        available, _ = money(item.get("available_balance") or {"currency_code": currency, "value": str(total)},
                             what="available balance")
        withheld, _ = money(item.get("withheld_balance") or {"currency_code": currency, "value": "0"},
                            what="withheld balance")
        account = account_for(currency)
        accounts.append(account)
        found[account.external_id] = BalanceRecord(currency=currency, current=total, available=available, as_of=as_of,
                                                   extra={"pending_balance": withheld})
    return accounts, found, str(body.get("account_id") or "")


@dataclass
class MappedPage:
    balance_transactions: list[BalanceTransactionRecord] = field(default_factory=list)
    payouts: list[PayoutRecord] = field(default_factory=list)
    skipped: int = 0


def _payer_name(payer: dict[str, Any]) -> str:
    name = payer.get("payer_name") if isinstance(payer.get("payer_name"), dict) else {}
    full = name.get("alternate_full_name") or " ".join(
        str(name.get(part) or "") for part in ("given_name", "surname")).strip()
    return str(full or "")[:200]


def transaction(detail: dict[str, Any], *, today: date) -> tuple[BalanceTransactionRecord | None, PayoutRecord | None]:
    """One transaction_details row -> its balance transaction (None when it moves no money) and,
    for a withdrawal to the bank, its payout."""
    info = detail.get("transaction_info") if isinstance(detail, dict) else None
    if not isinstance(info, dict) or not info.get("transaction_id"):
        raise BadProviderResponse("PayPal sent a transaction without transaction_info")
    external_id = str(info["transaction_id"])
    status = str(info.get("transaction_status") or "S").upper()
    amount, currency = money(info.get("transaction_amount"), what="transaction amount")
    kind = event_type(str(info.get("transaction_event_code") or ""), amount)
    if kind is None or status == DENIED:
        return None, None  # a denied payment never moved the balance
    paypal_fee = Decimal(0)
    if info.get("fee_amount"):
        paypal_fee, fee_currency = money(info["fee_amount"], what="fee")
        if fee_currency != currency:
            raise BadProviderResponse("PayPal sent a fee in another currency than its transaction")
    fee = -paypal_fee  # PayPal: negative when charged; ours: positive when charged
    created = parse_time(info.get("transaction_initiation_date"))
    if created is None:
        raise BadProviderResponse("PayPal sent a transaction without its date")
    payer = detail.get("payer_info") if isinstance(detail.get("payer_info"), dict) else {}
    code = str(info.get("transaction_event_code") or "")
    record = BalanceTransactionRecord(
        external_id=external_id, type=kind, created_at=created, amount=amount, fee=fee, net=amount - fee,
        currency=currency, status="pending" if status == "P" else "available",
        description=str(info.get("transaction_subject") or info.get("transaction_note") or "")[:500],
        source_id=str(info.get("paypal_reference_id") or ""),
        payout_external_id=external_id if kind == "payout" else "",
        reporting_category=code,
        fee_details=(FeeDetailRecord("paypal_fee", fee, currency, "PayPal fee"),) if fee else (),
        counterparty=_payer_name(payer), reference=str(info.get("invoice_id") or "")[:255], raw=detail)
    payout = None
    if kind == "payout" and amount < 0:
        arrival = next_business_day(created.date())
        payout_status = PAYOUT_STATUS.get(status, "pending")
        if payout_status == "paid" and arrival > today:
            payout_status = "in_transit"
        payout = PayoutRecord(external_id=external_id, amount=-amount, currency=currency, status=payout_status,
                              created_at=created, arrival_date=arrival,
                              # What UK bank statements show for a PayPal withdrawal.
                              reference=f"PAYPAL {external_id[:8]}", method="standard", automatic=False,
                              balance_transaction_ids=(external_id,), raw=detail)
    return record, payout


def transactions_page(body: dict[str, Any], *, today: date) -> MappedPage:
    rows = body.get("transaction_details", [])
    if not isinstance(rows, list):
        raise BadProviderResponse("PayPal's transaction_details is not a list")
    page = MappedPage()
    for row in rows:
        record, payout = transaction(row, today=today)
        if record is None:
            page.skipped += 1
            continue
        page.balance_transactions.append(record)
        if payout is not None:
            page.payouts.append(payout)
    return page


def dispute(item: dict[str, Any]) -> DisputeRecord:
    """A dispute from the list (or its details, which add seller_response_due_date and the
    disputed transactions)."""
    if not isinstance(item, dict) or not item.get("dispute_id"):
        raise BadProviderResponse("PayPal sent a dispute without dispute_id")
    amount, currency = money(item.get("dispute_amount"), what="dispute amount")
    created = parse_time(item.get("create_time"))
    if created is None:
        raise BadProviderResponse("PayPal sent a dispute without create_time")
    charge = ""
    for disputed in item.get("disputed_transactions") or []:
        if isinstance(disputed, dict) and disputed.get("seller_transaction_id"):
            charge = str(disputed["seller_transaction_id"])
            break
    status = str(item.get("status") or "")
    return DisputeRecord(external_id=str(item["dispute_id"]), amount=abs(amount), currency=currency, status=status,
                         reason=str(item.get("reason") or ""), created_at=created,
                         evidence_due_by=parse_time(item.get("seller_response_due_date")),
                         charge_external_id=charge, closed=status in ("RESOLVED", "CLOSED"), raw=item)
