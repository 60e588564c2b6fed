"""GoCardless (Berlin Group NextGenPSD2 shapes) -> plain records. No HTTP, no ORM.
Amounts arrive as strings and are already signed negative = money out."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Any

from integrations_core.models import AccountType
from integrations_core.providers.errors import BadProviderResponse
from integrations_core.records import AccountRecord, BalanceRecord, TransactionRecord

from ..utils import jsonable, mask_iban, mask_number, parse_date, parse_datetime, to_decimal
from . import digest

_CURRENCY = re.compile(r"^[A-Z]{3}$")

# ISO 20022 cash account types.
_ACCOUNT_TYPES = {"CACC": AccountType.CURRENT, "CASH": AccountType.CURRENT, "TRAN": AccountType.CURRENT,
                  "SVGS": AccountType.SAVINGS, "MOMA": AccountType.SAVINGS, "CARD": AccountType.CREDIT_CARD,
                  "LOAN": AccountType.OTHER}

# Which reported balance we call "current" and which "available", most preferred first.
_CURRENT_TYPES = ("interimBooked", "closingBooked", "expected", "openingBooked", "interimAvailable",
                  "closingAvailable")
_AVAILABLE_TYPES = ("interimAvailable", "closingAvailable", "forwardAvailable", "expected")


def _currency(value: Any) -> str:
    currency = str(value or "").upper()
    if not _CURRENCY.match(currency):
        raise BadProviderResponse("GoCardless sent an invalid currency code")
    return currency


def iban_digest(iban: str) -> str:
    """A keyed one-way digest of an IBAN, so a reconnect (which brings new account ids) can find
    the account it already knows without storing the number. Keyed on a secret that rotating
    SECRET_KEY or FIELD_ENCRYPTION_KEY never changes: see digest.py."""
    return digest.iban_digest(iban)


def iban_of(details: dict[str, Any]) -> str:
    """The IBAN in an account details payload ("" if none): never stored, only digested."""
    account = details.get("account") if isinstance(details, dict) else None
    return str(account.get("iban") or "") if isinstance(account, dict) else ""


def account_record(account_id: str, details: dict[str, Any]) -> AccountRecord:
    account = details.get("account") if isinstance(details, dict) else None
    if not isinstance(account, dict):
        raise BadProviderResponse("GoCardless details without an account")
    iban = str(account.get("iban") or "")
    iban_masked = mask_iban(iban)
    masked = iban_masked or mask_number(str(account.get("bban") or account.get("maskedPan") or ""))
    cash_type = str(account.get("cashAccountType") or "")
    product = str(account.get("product") or "")
    kind = _ACCOUNT_TYPES.get(cash_type, AccountType.OTHER)
    if kind == AccountType.OTHER and "credit card" in product.lower():
        kind = AccountType.CREDIT_CARD
    safe = {k: v for k, v in account.items() if k not in ("iban", "bban", "ownerName", "ownerAddressUnstructured")}
    safe["iban"] = iban_masked
    return AccountRecord(
        external_id=account_id,
        name=str(account.get("displayName") or account.get("name") or product or "Account")[:200],
        type=kind,
        subtype=(cash_type or product)[:50],
        currency=_currency(account.get("currency")),
        masked_number=masked,
        extra={"iban_masked": iban_masked},
        raw={"details": jsonable(safe), "iban_digest": iban_digest(iban)},
    )


def placeholder_record(account_id: str, currency: str = "") -> AccountRecord:
    """Stands in for an account whose details could not be fetched yet (quota, outage): the
    next sync asks again, and this run reports the account as failed instead of hiding it."""
    return AccountRecord(external_id=account_id, name=f"Account …{account_id[-4:]}", type=AccountType.OTHER,
                         currency=currency, raw={}, details_missing=True)


def _pick(balances: list[dict[str, Any]], order: tuple[str, ...]) -> dict[str, Any] | None:
    by_type = {b.get("balanceType"): b for b in balances}
    for name in order:
        if name in by_type:
            return by_type[name]
    return None


def balance_record(body: dict[str, Any]) -> BalanceRecord | None:
    balances = body.get("balances") if isinstance(body, dict) else None
    if not isinstance(balances, list):
        raise BadProviderResponse("GoCardless balances is not a list")
    balances = [b for b in balances if isinstance(b, dict) and isinstance(b.get("balanceAmount"), dict)]
    if not balances:
        return None
    current = _pick(balances, _CURRENT_TYPES) or balances[0]
    available = _pick(balances, _AVAILABLE_TYPES)
    as_of = parse_datetime(current.get("lastChangeDateTime"))
    if as_of is None and current.get("referenceDate"):
        as_of = datetime.combine(parse_date(current["referenceDate"]), time.min, tzinfo=UTC)
    return BalanceRecord(
        currency=_currency(current["balanceAmount"].get("currency")),
        current=to_decimal(current["balanceAmount"].get("amount")),
        available=to_decimal(available["balanceAmount"].get("amount")) if available else None,
        as_of=as_of,
    )


def _description(item: dict[str, Any]) -> str:
    parts = item.get("remittanceInformationUnstructuredArray")
    for candidate in (
        item.get("remittanceInformationUnstructured"),
        " ".join(str(p) for p in parts) if isinstance(parts, list) else "",
        item.get("remittanceInformationStructured"),
        item.get("additionalInformation"),
        item.get("creditorName"),
        item.get("debtorName"),
    ):
        if candidate:
            return str(candidate)[:500]
    return "Transaction"


def transaction_record(item: dict[str, Any], status: str) -> TransactionRecord:
    money = item.get("transactionAmount")
    if not isinstance(money, dict):
        raise BadProviderResponse("GoCardless transaction without an amount")
    amount = to_decimal(money.get("amount"))
    if amount is None:
        raise BadProviderResponse("GoCardless transaction without an amount")
    booked_date = parse_date(item.get("bookingDate") or item.get("valueDate")
                             or item.get("bookingDateTime") or item.get("valueDateTime"))
    if booked_date is None:
        raise BadProviderResponse("GoCardless transaction without a date")
    # transactionId is the bank's; some UK banks repeat it (the import service copes), pending
    # items usually have none and are matched by fingerprint.
    stable_id = item.get("transactionId") or item.get("internalTransactionId") or None
    counterparty = item.get("creditorName") if amount < 0 else item.get("debtorName")
    after = item.get("balanceAfterTransaction") or {}
    running = after.get("balanceAmount", {}).get("amount") if isinstance(after, dict) else None
    return TransactionRecord(
        external_id=str(stable_id) if stable_id else None,
        booked_date=booked_date,
        value_date=parse_date(item.get("valueDate")),
        booked_at=parse_datetime(item.get("bookingDateTime")),
        amount=amount,
        currency=_currency(money.get("currency")),
        description=_description(item),
        status=status,
        merchant_name=str(counterparty or "")[:200],
        provider_category=str(item.get("proprietaryBankTransactionCode") or item.get("bankTransactionCode") or ""),
        mcc=str(item.get("merchantCategoryCode") or "")[:4],
        running_balance=to_decimal(running),
        raw=jsonable(item),
    )


def transaction_records(body: dict[str, Any]) -> tuple[list[TransactionRecord], list[TransactionRecord]]:
    block = body.get("transactions") if isinstance(body, dict) else None
    if not isinstance(block, dict):
        raise BadProviderResponse("GoCardless transactions without a transactions object")
    booked = block.get("booked") or []
    pending = block.get("pending") or []
    if not isinstance(booked, list) or not isinstance(pending, list):
        raise BadProviderResponse("GoCardless transactions lists are malformed")
    return ([transaction_record(i, "booked") for i in booked if isinstance(i, dict)],
            [transaction_record(i, "pending") for i in pending if isinstance(i, dict)])


def institution_values(item: dict[str, Any]) -> dict[str, Any]:
    def as_int(value: Any) -> int | None:
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    countries = item.get("countries") or []
    return {
        "external_id": str(item["id"]),
        "name": str(item.get("name") or item["id"])[:200],
        "country": str(countries[0] if countries else "GB").upper()[:2],
        "bic": str(item.get("bic") or "")[:11],
        "logo_url": str(item.get("logo") or "")[:500],
        "transaction_total_days": as_int(item.get("transaction_total_days")),
        "max_access_valid_for_days": as_int(item.get("max_access_valid_for_days")),
    }
