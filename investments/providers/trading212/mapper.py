"""Trading 212 payloads -> plain records. Nothing else: no HTTP, no ORM.

Both path sets' shapes are read: the 2026 ones (positions with `instrument{}` and
`walletImpact{}`, orders as `{order, fill}`) and the older flat ones (`/equity/portfolio`
positions, flat historical orders with `fillPrice`/`taxes[]`). Values are kept as sent: a
price in GBX stays in GBX with price_currency "GBX"; only amounts we compute are rounded
(`to_minor`). Every external id is the platform's own stable id (fill id, dividend and
transaction reference), prefixed by its kind so ids from different lists never collide."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from integrations_core.money import FX_RATE, PRICE, QUANTITY, STORED_DECIMALS, fits, quote_to_major, to_minor
from integrations_core.providers.errors import BadProviderResponse
from integrations_core.records import (
    AccountRecord,
    BalanceRecord,
    HoldingRecord,
    InvestmentTransactionRecord,
    SecurityRecord,
)
from open_banking.providers.utils import jsonable, parse_datetime

INSTITUTION_NAME = "Trading 212"

SECURITY_TYPES = {"STOCK": "equity", "ETF": "etf", "CRYPTOCURRENCY": "crypto", "CRYPTO": "crypto",
                  "WARRANT": "other", "FOREX": "other", "FUTURES": "other", "INDEX": "other"}
# The letter before `_EQ` in a London ticker (VUSAl_EQ) marks the LSE.
MIC_BY_SUFFIX = {"l_EQ": "XLON"}
WRAPPERS = {"ISA": "isa", "STOCKS_ISA": "isa", "INVEST": "gia", "GIA": "gia"}

# Fill charges: stamp duty and transaction taxes are taxes, the rest are fees.
TAX_NAMES = frozenset({"STAMP_DUTY", "STAMP_DUTY_RESERVE_TAX", "FRENCH_TRANSACTION_TAX", "PTM_LEVY"})
SPLIT_FILLS = frozenset({"STOCK_SPLIT"})
TRANSACTION_TYPES = {"DEPOSIT": "deposit", "WITHDRAW": "withdrawal", "FEE": "fee",
                     "INTEREST_ON_FREE_CASH": "interest", "LENDING_INTEREST": "interest"}


# --- numbers --------------------------------------------------------------------------------
def number(value: Any, places: int = STORED_DECIMALS, *, what: str = "value") -> Decimal | None:
    """An exact Decimal from a JSON number; None when absent. More decimals than the column
    keeps, a float, a bool, NaN: BadProviderResponse (never silently rounded)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or isinstance(value, float) or not isinstance(value, int | Decimal | str):
        raise BadProviderResponse(f"Trading 212 sent an unreadable {what}")
    try:
        amount = Decimal(value)
    except ArithmeticError as exc:
        raise BadProviderResponse(f"Trading 212 sent an unreadable {what}") from exc
    if not amount.is_finite() or not fits(amount, places) or amount.copy_abs() >= Decimal(10) ** 16:
        raise BadProviderResponse(f"Trading 212 sent an out-of-range {what}")
    return amount


def _amount(value: Any, what: str) -> Decimal | None:
    return number(value, STORED_DECIMALS, what=what)


def _quantity(value: Any) -> Decimal | None:
    return number(value, QUANTITY["decimal_places"], what="quantity")


def _price(value: Any) -> Decimal | None:
    return number(value, PRICE["decimal_places"], what="price")


def _fx(value: Any) -> Decimal | None:
    return number(value, FX_RATE["decimal_places"], what="fx rate")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _when(value: Any) -> datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None:
        raise BadProviderResponse("Trading 212 sent an item without a readable time")
    return parsed


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


# --- account and cash -----------------------------------------------------------------------
def account_currency(account: dict[str, Any]) -> str:
    currency = _text(account.get("currency") or account.get("currencyCode"))
    if len(currency) != 3:
        raise BadProviderResponse("Trading 212 account has no currency")
    return currency.upper()


def account_record(account: dict[str, Any]) -> AccountRecord:
    external_id = _text(account.get("id"))
    if not external_id:
        raise BadProviderResponse("Trading 212 account has no id")
    currency = account_currency(account)
    wrapper = WRAPPERS.get(_text(account.get("type") or account.get("accountType")).upper(), "")
    label = {"isa": "Stocks ISA", "gia": "Invest"}.get(wrapper, "Account")
    return AccountRecord(external_id=external_id, name=f"{INSTITUTION_NAME} {label}", type="investment",
                         currency=currency, subtype=wrapper, extra={"wrapper": wrapper} if wrapper else {},
                         raw={"id": external_id, "currency": currency})


def cash_balance(account: dict[str, Any], *, as_of: datetime) -> BalanceRecord:
    """Cash from the 2026 summary (`cash.{availableToTrade, inPies, reservedForOrders}`) or the
    older `/equity/account/cash` (`{free, total, invested, pieCash, blocked, ...}`)."""
    currency = account_currency(account)
    cash = _dict(account.get("cash"))
    if account.get("legacy"):
        free = _amount(cash.get("free"), "cash")
        pies = _amount(cash.get("pieCash"), "cash") or Decimal(0)
        blocked = _amount(cash.get("blocked"), "cash") or Decimal(0)
        extra = {"in_pies": pies, "reserved": blocked}
    else:
        free = _amount(cash.get("availableToTrade"), "cash")
        pies = _amount(cash.get("inPies"), "cash") or Decimal(0)
        reserved = _amount(cash.get("reservedForOrders"), "cash") or Decimal(0)
        extra = {"in_pies": pies, "reserved": reserved}
    if free is None:
        raise BadProviderResponse("Trading 212 account has no cash figure")
    return BalanceRecord(currency=currency, current=free + extra["in_pies"] + extra["reserved"],
                         available=free, as_of=as_of, extra={k: str(v) for k, v in extra.items()})


# --- instruments ----------------------------------------------------------------------------
def instrument_index(instruments: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["ticker"]: item for item in instruments if isinstance(item.get("ticker"), str)}


def _mic(ticker: str) -> str:
    return next((mic for suffix, mic in MIC_BY_SUFFIX.items() if ticker.endswith(suffix)), "")


def security_record(ticker: str, metadata: dict[str, Any] | None, fallback: dict[str, Any] | None = None) -> SecurityRecord:
    """From /equity/metadata/instruments; an instrument the list lacks (delisted) falls back on
    the `instrument{}` the 2026 payloads embed."""
    meta = metadata or {}
    embedded = fallback or {}
    return SecurityRecord(
        external_id=ticker,
        name=_text(meta.get("name") or embedded.get("name")) or ticker,
        isin=_text(meta.get("isin") or embedded.get("isin")),
        ticker=_text(meta.get("shortName")) or ticker.split("_")[0],
        mic=_mic(ticker),
        type=SECURITY_TYPES.get(_text(meta.get("type")).upper(), "other"),
        quote_currency=_text(meta.get("currencyCode") or embedded.get("currency")),
        raw=jsonable(meta or embedded),
    )


def instrument_currency(ticker: str, instruments: dict[str, dict[str, Any]], embedded: dict[str, Any] | None = None) -> str:
    return _text((instruments.get(ticker) or {}).get("currencyCode") or (embedded or {}).get("currency"))


def _in_account_currency(value: Decimal, currency: str, account_ccy: str) -> Decimal | None:
    """A computed instrument-currency amount in the account currency, when no FX is needed
    (same currency, or GBX into GBP, which is exact)."""
    major, major_ccy = quote_to_major(value, currency)
    return to_minor(major, account_ccy) if major_ccy == account_ccy else None


# --- positions ------------------------------------------------------------------------------
def holding_record(position: dict[str, Any], *, account_ccy: str, instruments: dict[str, dict[str, Any]],
                   as_of: datetime) -> HoldingRecord:
    embedded = _dict(position.get("instrument"))
    ticker = _text(embedded.get("ticker") or position.get("ticker"))
    quantity = _quantity(position.get("quantity"))
    if not ticker or quantity is None:
        raise BadProviderResponse("Trading 212 position without ticker or quantity")
    price = _price(position.get("currentPrice"))
    price_ccy = instrument_currency(ticker, instruments, embedded)
    wallet = _dict(position.get("walletImpact"))
    if wallet:  # 2026: value and cost in the account currency, as the platform computed them
        value = _amount(wallet.get("currentValue"), "position value")
        book_cost = _amount(wallet.get("totalCost"), "book cost")
        currency = _text(wallet.get("currency")) or account_ccy
    else:  # older /equity/portfolio: prices only, in the instrument's currency
        average = _price(position.get("averagePrice"))
        value = _in_account_currency(price * quantity, price_ccy, account_ccy) if price is not None else None
        book_cost = (_in_account_currency(average * quantity, price_ccy, account_ccy)
                     if average is not None else None)
        currency = account_ccy
    return HoldingRecord(security_external_id=ticker, quantity=quantity, price=price, price_currency=price_ccy,
                         price_as_of=as_of, value=value, book_cost=book_cost, currency=currency,
                         raw=jsonable(position))


# --- orders ---------------------------------------------------------------------------------
def order_time(item: dict[str, Any]) -> datetime | None:
    fill = _dict(item.get("fill"))
    order = _dict(item.get("order"))
    value = (fill.get("filledAt") or order.get("createdAt") or item.get("dateExecuted")
             or item.get("dateModified") or item.get("dateCreated"))
    return parse_datetime(value) if isinstance(value, str) else None


def _charges(taxes: Any) -> tuple[Decimal, Decimal]:
    fees = taxes_total = Decimal(0)
    for tax in taxes if isinstance(taxes, list) else []:
        tax = _dict(tax)
        value = (_amount(tax.get("quantity"), "charge") or Decimal(0)).copy_abs()
        if _text(tax.get("name")).upper() in TAX_NAMES:
            taxes_total += value
        else:
            fees += value
    return fees, taxes_total


def order_record(item: dict[str, Any], *, account_ccy: str,
                 instruments: dict[str, dict[str, Any]] | None = None) -> InvestmentTransactionRecord | None:
    """One fill as a buy, sell or split; None for an order that never filled."""
    if "order" in item or "fill" in item:
        return _order_2026(item, account_ccy=account_ccy)
    return _order_legacy(item, account_ccy=account_ccy, instruments=instruments or {})


def _order_2026(item: dict[str, Any], *, account_ccy: str) -> InvestmentTransactionRecord | None:
    order, fill = _dict(item.get("order")), _dict(item.get("fill"))
    if not fill:
        return None  # cancelled or rejected before any fill
    ticker = _text(order.get("ticker") or _dict(order.get("instrument")).get("ticker"))
    fill_id = _text(fill.get("id"))
    quantity = _quantity(fill.get("quantity"))
    if not ticker or not fill_id or quantity is None:
        raise BadProviderResponse("Trading 212 fill without ticker, id or quantity")
    side = _text(order.get("side")).upper()
    sell = side == "SELL" or quantity < 0
    quantity = quantity.copy_abs()
    wallet = _dict(fill.get("walletImpact"))
    fees, taxes = _charges(wallet.get("taxes"))
    net = (_amount(wallet.get("netValue"), "fill value") or Decimal(0)).copy_abs()
    price_ccy = _text(order.get("currency") or _dict(order.get("instrument")).get("currency"))
    kind = "split" if _text(fill.get("type")).upper() in SPLIT_FILLS else "sell" if sell else "buy"
    if kind == "split":
        quantity = -quantity if sell else quantity  # the change in units; negative for a reverse split
        net = Decimal(0)
    fx_rate, original = None, ""
    if price_ccy and price_ccy not in (account_ccy, "GBX" if account_ccy == "GBP" else account_ccy):
        fx_rate, original = _fx(wallet.get("fxRate")), price_ccy
    return InvestmentTransactionRecord(
        external_id=f"fill:{fill_id}", type=kind, booked_date=_when(fill.get("filledAt")).date(),
        booked_at=_when(fill.get("filledAt")), amount=net if sell else -net, currency=account_ccy,
        security_external_id=ticker, quantity=quantity, price=_price(fill.get("price")), price_currency=price_ccy,
        fees=fees, taxes=taxes, original_currency=original, fx_rate=fx_rate,
        description=f"{kind.title()} {ticker}", raw=jsonable(item))


def _order_legacy(item: dict[str, Any], *, account_ccy: str,
                  instruments: dict[str, dict[str, Any]]) -> InvestmentTransactionRecord | None:
    filled = _quantity(item.get("filledQuantity"))
    if not filled:
        return None
    ticker = _text(item.get("ticker"))
    fill_id = _text(item.get("fillId") or item.get("id"))
    if not ticker or not fill_id:
        raise BadProviderResponse("Trading 212 order without ticker or id")
    sell = filled < 0 or (_quantity(item.get("orderedQuantity")) or Decimal(0)) < 0
    fees, taxes = _charges(item.get("taxes"))
    gross = (_amount(item.get("filledValue"), "fill value") or Decimal(0)).copy_abs()
    net = gross - fees - taxes if sell else gross + fees + taxes
    when = _when(item.get("dateExecuted") or item.get("dateModified") or item.get("dateCreated"))
    kind = "split" if _text(item.get("fillType")).upper() in SPLIT_FILLS else "sell" if sell else "buy"
    if kind == "split":
        net = Decimal(0)
    return InvestmentTransactionRecord(
        external_id=f"fill:{fill_id}", type=kind, booked_date=when.date(), booked_at=when,
        amount=net if sell else -net, currency=account_ccy, security_external_id=ticker,
        quantity=filled if kind == "split" else filled.copy_abs(), price=_price(item.get("fillPrice")),
        price_currency=instrument_currency(ticker, instruments), fees=fees, taxes=taxes,
        description=f"{kind.title()} {ticker}", raw=jsonable(item))


# --- dividends and cash movements -------------------------------------------------------------
def dividend_time(item: dict[str, Any]) -> datetime | None:
    return parse_datetime(item["paidOn"]) if isinstance(item.get("paidOn"), str) else None


def dividend_record(item: dict[str, Any], *, account_ccy: str,
                    instruments: dict[str, dict[str, Any]]) -> InvestmentTransactionRecord:
    """`amount` is what was paid, net of withholding, in the account currency. The tax withheld
    is gross (per share x quantity, in the instrument's currency) minus net, when the two are
    in one currency (GBX into GBP is exact); otherwise the platform does not say what FX it used
    and the tax stays 0, with the gross kept in `raw`."""
    embedded = _dict(item.get("instrument"))
    ticker = _text(item.get("ticker") or embedded.get("ticker"))
    net = _amount(item.get("amount"), "dividend")
    when = _when(item.get("paidOn"))
    if not ticker or net is None:
        raise BadProviderResponse("Trading 212 dividend without ticker or amount")
    currency = _text(item.get("currency")) or account_ccy
    quantity = _quantity(item.get("quantity"))
    per_share = _price(item.get("grossAmountPerShare"))
    ticker_ccy = _text(item.get("tickerCurrency")) or instrument_currency(ticker, instruments, embedded)
    taxes = Decimal(0)
    if per_share is not None and quantity is not None:
        gross = _in_account_currency(per_share * quantity, ticker_ccy, currency)
        if gross is not None and gross > net:
            taxes = gross - net
    reference = _text(item.get("reference")) or f"{ticker}:{when.isoformat()}:{quantity}"
    return InvestmentTransactionRecord(
        external_id=f"dividend:{reference}", type="dividend", booked_date=when.date(), booked_at=when,
        amount=net, currency=currency, security_external_id=ticker, quantity=quantity, price=per_share,
        price_currency=ticker_ccy, taxes=taxes,
        original_currency=ticker_ccy if ticker_ccy not in ("", currency, "GBX") else "",
        description=f"Dividend {ticker}", raw=jsonable(item))


def transaction_time(item: dict[str, Any]) -> datetime | None:
    return parse_datetime(item["dateTime"]) if isinstance(item.get("dateTime"), str) else None


def transaction_record(item: dict[str, Any], *, account_ccy: str) -> InvestmentTransactionRecord:
    amount = _amount(item.get("amount"), "transaction amount")
    reference = _text(item.get("reference"))
    kind_sent = _text(item.get("type")).upper()
    if amount is None or not reference:
        raise BadProviderResponse("Trading 212 transaction without amount or reference")
    kind = TRANSACTION_TYPES.get(kind_sent)
    if kind is None and kind_sent == "TRANSFER":
        kind = "transfer_out" if amount < 0 else "transfer_in"
    kind = kind or "other"
    # Signs follow the record's rule (money out negative) whatever sign the platform used.
    if kind in ("withdrawal", "fee", "transfer_out"):
        amount = -amount.copy_abs()
    elif kind in ("deposit", "interest", "transfer_in"):
        amount = amount.copy_abs()
    when = _when(item.get("dateTime"))
    return InvestmentTransactionRecord(
        external_id=f"transaction:{reference}", type=kind, booked_date=when.date(), booked_at=when,
        amount=amount, currency=_text(item.get("currency")) or account_ccy,
        fees=amount.copy_abs() if kind == "fee" else Decimal(0),
        description=kind_sent.replace("_", " ").capitalize(), raw=jsonable(item))
