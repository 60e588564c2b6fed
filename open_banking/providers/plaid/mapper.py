"""Plaid payloads -> records. Plaid's amounts are positive for money out of the account
(purchases, also on credit cards) and negative for money in; ours are the other way round
(negative = money out), so every transaction amount is negated here and nowhere else. A credit
card's `current` balance is what is owed, positive; ours is negative when owed."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from integrations_core.models import AccountType
from integrations_core.providers.errors import BadProviderResponse
from integrations_core.records import (
    AccountRecord,
    BalanceRecord,
    HoldingRecord,
    InvestmentTransactionRecord,
    RemovedRecord,
    SecurityRecord,
    TransactionRecord,
)

from ..utils import jsonable, mask_number, parse_date, parse_datetime, to_decimal

# Any other depository subtype (Plaid's paypal, ...) is a current account: the default below.
_DEPOSITORY = {"checking": AccountType.CURRENT, "savings": AccountType.SAVINGS, "money market": AccountType.SAVINGS,
               "cd": AccountType.SAVINGS, "hsa": AccountType.SAVINGS, "cash management": AccountType.CURRENT,
               "prepaid": AccountType.CURRENT}
_TYPES = {"credit": AccountType.CREDIT_CARD, "investment": AccountType.INVESTMENT,
          "brokerage": AccountType.INVESTMENT, "loan": AccountType.OTHER, "other": AccountType.OTHER}
# Plaid investment transaction (type, subtype) -> ours. Subtypes first, then the type.
_INVESTMENT_SUBTYPES = {"dividend": "dividend", "qualified dividend": "dividend", "non-qualified dividend": "dividend",
                        "interest": "interest", "deposit": "deposit", "contribution": "deposit",
                        "withdrawal": "withdrawal", "distribution": "withdrawal", "tax": "tax",
                        "tax withheld": "tax", "account fee": "fee", "management fee": "fee",
                        "transfer": "transfer_in", "split": "split", "buy": "buy", "sell": "sell"}
_INVESTMENT_TYPES = {"buy": "buy", "sell": "sell", "fee": "fee", "cash": "deposit", "transfer": "transfer_in",
                     "cancel": "other"}
_SECURITY_TYPES = {"equity": "equity", "etf": "etf", "mutual fund": "fund", "fixed income": "bond",
                   "cash": "cash", "cryptocurrency": "crypto"}


def _require(item: dict[str, Any], key: str) -> Any:
    value = item.get(key)
    if value is None or value == "":
        raise BadProviderResponse(f"Plaid sent an item without {key}")
    return value


def _currency(item: dict[str, Any]) -> str:
    code = item.get("iso_currency_code") or item.get("unofficial_currency_code")
    if not isinstance(code, str) or not code:
        raise BadProviderResponse("Plaid sent an amount without a currency")
    return code.upper()[:3]


def account_type(item: dict[str, Any]) -> str:
    kind, subtype = str(item.get("type") or ""), str(item.get("subtype") or "")
    if kind == "depository":
        return _DEPOSITORY.get(subtype, AccountType.CURRENT)
    return _TYPES.get(kind, AccountType.OTHER)


def account_record(item: dict[str, Any]) -> AccountRecord:
    balances = item.get("balances") or {}
    return AccountRecord(
        external_id=str(_require(item, "account_id")),
        name=str(item.get("name") or item.get("official_name") or "Account"),
        type=account_type(item),
        subtype=str(item.get("subtype") or "")[:50],
        currency=_currency(balances),
        masked_number=mask_number(str(item.get("mask") or "")),
        raw=jsonable(item),
    )


def balance_record(item: dict[str, Any]) -> BalanceRecord:
    balances = item.get("balances") or {}
    current, available = to_decimal(balances.get("current")), to_decimal(balances.get("available"))
    extra: dict[str, Any] = {}
    if account_type(item) == AccountType.CREDIT_CARD:
        current = -current if current is not None else None  # owed: negative, as every card balance here
        extra["credit_limit"] = to_decimal(balances.get("limit"))
    return BalanceRecord(currency=_currency(balances), current=current, available=available,
                         as_of=parse_datetime(balances.get("last_updated_datetime")), extra=extra)


def transaction_record(item: dict[str, Any]) -> TransactionRecord:
    amount = to_decimal(_require(item, "amount"))
    pfc = item.get("personal_finance_category") or {}
    counterparty = next(iter(item.get("counterparties") or []), {}) or {}
    pending = bool(item.get("pending"))
    # The day the person paid (authorized_date) for pending rows; the posting date once posted.
    day = parse_date(item.get("date") if not pending else (item.get("authorized_date") or item.get("date")))
    if day is None:
        raise BadProviderResponse("Plaid sent a transaction without a date")
    return TransactionRecord(
        external_id=str(_require(item, "transaction_id")),
        booked_date=day,
        amount=Decimal(0) - amount,
        currency=_currency(item),
        description=str(item.get("original_description") or item.get("name") or "")[:500],
        status="pending" if pending else "booked",
        value_date=parse_date(item.get("authorized_date")),
        booked_at=parse_datetime(item.get("datetime") or item.get("authorized_datetime")),
        merchant_name=str(item.get("merchant_name") or counterparty.get("name") or "")[:200],
        # Plaid's PFC is our taxonomy's own family: the detailed code is a category code as is.
        provider_category=str(pfc.get("detailed") or pfc.get("primary") or ""),
        raw=jsonable({k: v for k, v in item.items() if k not in ("account_owner",)}),
        replaces_external_id=str(item.get("pending_transaction_id") or "") if not pending else "",
    )


def removed_record(item: dict[str, Any]) -> RemovedRecord:
    return RemovedRecord(account_external_id=str(_require(item, "account_id")),
                         external_id=str(_require(item, "transaction_id")))


# --- investments ------------------------------------------------------------------------------
def security_record(item: dict[str, Any]) -> SecurityRecord:
    return SecurityRecord(
        external_id=str(_require(item, "security_id")),
        name=str(item.get("name") or item.get("ticker_symbol") or "Security")[:200],
        isin=str(item.get("isin") or ""),
        ticker=str(item.get("ticker_symbol") or ""),
        mic=str(item.get("market_identifier_code") or ""),
        type=_SECURITY_TYPES.get(str(item.get("type") or ""), "other"),
        quote_currency=str(item.get("iso_currency_code") or ""),
        sector=str(item.get("sector") or ""),
        raw=jsonable(item),
    )


def is_cash_security(item: dict[str, Any]) -> bool:
    """Plaid reports an account's uninvested cash as a holding of a `cash` security (ticker
    CUR:USD); we keep it as the snapshot's cash, not as a position. Money-market funds are
    cash equivalents too, but they are funds the person holds: they stay positions."""
    return str(item.get("type") or "") == "cash"


def _price_as_of(item: dict[str, Any]):
    when = parse_datetime(item.get("institution_price_datetime"))
    if when is None and item.get("institution_price_as_of"):
        day = parse_date(item.get("institution_price_as_of"))
        when = datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None
    return when


def holding_record(item: dict[str, Any]) -> HoldingRecord:
    currency = _currency(item)
    return HoldingRecord(
        security_external_id=str(_require(item, "security_id")),
        quantity=to_decimal(_require(item, "quantity")),
        price=to_decimal(item.get("institution_price")),
        price_currency=currency,
        price_as_of=_price_as_of(item),
        value=to_decimal(item.get("institution_value")),
        book_cost=to_decimal(item.get("cost_basis")),
        currency=currency,
        raw=jsonable(item),
    )


def investment_transaction_record(item: dict[str, Any]) -> InvestmentTransactionRecord:
    subtype, kind = str(item.get("subtype") or ""), str(item.get("type") or "")
    ours = _INVESTMENT_SUBTYPES.get(subtype) or _INVESTMENT_TYPES.get(kind, "other")
    amount = to_decimal(_require(item, "amount"))  # Plaid: positive = cash out of the account
    if ours == "transfer_in" and amount > 0:
        ours = "transfer_out"
    quantity = to_decimal(item.get("quantity"))
    day = parse_date(item.get("date"))
    if day is None:
        raise BadProviderResponse("Plaid sent an investment transaction without a date")
    return InvestmentTransactionRecord(
        external_id=str(_require(item, "investment_transaction_id")),
        type=ours,
        booked_date=day,
        amount=Decimal(0) - amount,
        currency=_currency(item),
        security_external_id=str(item.get("security_id") or ""),
        quantity=abs(quantity) if quantity is not None and ours in ("buy", "sell") else quantity,
        price=to_decimal(item.get("price")),
        price_currency=str(item.get("iso_currency_code") or ""),
        fees=abs(to_decimal(item.get("fees")) or Decimal(0)),
        booked_at=parse_datetime(item.get("transaction_datetime")),
        description=str(item.get("name") or "")[:500],
        raw=jsonable(item),
    )


def iso(day: date) -> str:
    return day.isoformat()
