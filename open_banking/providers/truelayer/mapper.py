"""TrueLayer payloads -> plain records. No HTTP, no ORM.

Signs: account amounts are already negative = money out; card amounts are the other way round
(positive = spend), so they are flipped here. So is a card's `current` balance (TrueLayer: the
positive amount owed), so that every provider's balances share one convention: negative = owed.
A card's `available` (credit left to spend) and its statement figures (amounts due) stay positive."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from integrations_core.models import AccountType
from integrations_core.providers.errors import BadProviderResponse
from integrations_core.records import AccountRecord, BalanceRecord, TransactionRecord

from ..utils import (
    jsonable,
    local_date,
    mask_iban,
    mask_number,
    mask_sort_code,
    parse_date,
    parse_datetime,
    to_decimal,
)

ACCOUNTS, CARDS = "accounts", "cards"

_ACCOUNT_TYPES = {
    "TRANSACTION": AccountType.CURRENT,
    "BUSINESS_TRANSACTION": AccountType.CURRENT,
    "SAVINGS": AccountType.SAVINGS,
    "BUSINESS_SAVINGS": AccountType.SAVINGS,
}


def _require(item: dict[str, Any], key: str) -> Any:
    value = item.get(key)
    if value in (None, ""):
        raise BadProviderResponse(f"TrueLayer item without {key}")
    return value


# TrueLayer stamps every account and card answer with the moment it was made: on its own it is
# no reason to rewrite the stored raw copy.
RAW_VOLATILE = ("update_timestamp",)


def account_record(item: dict[str, Any]) -> AccountRecord:
    number = item.get("account_number") or {}
    iban_masked = mask_iban(number.get("iban", ""))
    sort_code_masked = mask_sort_code(number.get("sort_code", ""))
    masked = mask_number(number.get("number", "")) or iban_masked
    # The raw copy keeps everything except the full account number: only masks are stored.
    raw = {k: v for k, v in item.items() if k != "account_number"}
    raw["account_number"] = {"iban": iban_masked, "sort_code": sort_code_masked, "number": masked}
    return AccountRecord(
        external_id=str(_require(item, "account_id")),
        name=item.get("display_name") or "Account",
        type=_ACCOUNT_TYPES.get(item.get("account_type", ""), AccountType.OTHER),
        subtype=str(item.get("account_type", ""))[:50],
        currency=str(_require(item, "currency")).upper(),
        masked_number=masked,
        extra={"iban_masked": iban_masked, "sort_code_masked": sort_code_masked},
        raw=jsonable(raw),
        raw_volatile=RAW_VOLATILE,
    )


def card_record(item: dict[str, Any]) -> AccountRecord:
    masked = mask_number(item.get("partial_card_number", ""))
    raw = {k: v for k, v in item.items() if k != "name_on_card"}
    return AccountRecord(
        external_id=str(_require(item, "account_id")),
        name=item.get("display_name") or "Card",
        type=AccountType.CREDIT_CARD,
        subtype=str(item.get("card_type") or item.get("card_network") or "")[:50],
        currency=str(_require(item, "currency")).upper(),
        masked_number=masked,
        raw=jsonable(raw),
        raw_volatile=RAW_VOLATILE,
    )


def balance_record(item: dict[str, Any] | None, kind: str) -> BalanceRecord | None:
    if not item:
        return None
    extra: dict[str, Any] = {}
    if kind == CARDS:
        extra = {
            "credit_limit": to_decimal(item.get("credit_limit")),
            "last_statement_balance": to_decimal(item.get("last_statement_balance")),
            "last_statement_date": parse_date(item.get("last_statement_date")),
            "payment_due": to_decimal(item.get("payment_due")),
            "payment_due_date": parse_date(item.get("payment_due_date")),
        }
    current = to_decimal(item.get("current"))
    if kind == CARDS and current is not None:
        current = -current  # owed, as GoCardless and every account balance report it
    return BalanceRecord(
        currency=str(_require(item, "currency")).upper(),
        current=current,
        available=to_decimal(item.get("available")),
        as_of=parse_datetime(item.get("update_timestamp")),
        extra=extra,
    )


def transaction_record(item: dict[str, Any], kind: str, status: str) -> TransactionRecord:
    amount = to_decimal(_require(item, "amount"))
    if kind == CARDS:
        amount = -amount  # cards report spend as positive; we store money out as negative
    timestamp = _require(item, "timestamp")
    classification = item.get("transaction_classification") or []
    provider_category = "/".join(str(c) for c in classification) or str(item.get("transaction_category", ""))
    running = item.get("running_balance") or {}
    # transaction_id can change between requests; only the normalised id is a key, and neither
    # the per-request id nor anything derived from it is stored, or an unchanged re-sync would
    # rewrite every row. The bank's own id (provider_transaction_id) is stable where sent.
    stable_id = item.get("normalised_provider_transaction_id") or None
    meta = item.get("meta") if isinstance(item.get("meta"), dict) else {}
    bank_id = item.get("provider_transaction_id") or meta.get("bank_transaction_id") or ""
    return TransactionRecord(
        external_id=str(stable_id) if stable_id else None,
        provider_transaction_id=str(bank_id),
        booked_date=local_date(timestamp),
        booked_at=parse_datetime(timestamp),
        amount=amount,
        currency=str(_require(item, "currency")).upper(),
        description=str(item.get("description") or item.get("merchant_name") or "")[:500],
        status=status,
        merchant_name=str(item.get("merchant_name") or ""),
        provider_category=provider_category,
        running_balance=_card_sign(to_decimal(running.get("amount")), kind) if isinstance(running, dict) else None,
        raw=jsonable({k: v for k, v in item.items() if k != "transaction_id"}),
    )


def _card_sign(value, kind: str):
    """A card's running balance is reported like its current balance (owed = positive): flipped
    to the one convention (owed = negative)."""
    return -value if value is not None and kind == CARDS else value


def transaction_records(items: list[dict[str, Any]], kind: str, status: str) -> list[TransactionRecord]:
    return [transaction_record(item, kind, status) for item in items]


def consent_expiry(me: dict[str, Any]) -> datetime | None:
    """/me carries the consent's expiry on newer API versions; None when it does not."""
    return parse_datetime(me.get("consent_expires_at")) if me else None
