"""The mock account's data in Trading 212's JSON shapes, for both path sets (2026 and older).
Numbers go out as JSON numbers written from Decimals (exactly, never through a float)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from integrations_core.money import quote_to_major, to_minor

from .data import ACCOUNT_CURRENCY, BY_TICKER, FX_NOW, INSTRUMENTS, Book, Fill, Order

ACCOUNT_ID = 31_415_926
AVERAGE_PLACES = Decimal("0.0001")


def iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def stamp(when: datetime) -> int:
    """The cursor of an item: its time in epoch milliseconds (as the API's own cursors are)."""
    return int(when.timestamp() * 1000)


def instrument(ticker: str) -> dict[str, Any]:
    item = BY_TICKER[ticker]
    return {"ticker": item.ticker, "name": item.name, "isin": item.isin, "currency": item.currency}


def instruments() -> list[dict[str, Any]]:
    return [{"ticker": i.ticker, "type": i.type, "workingScheduleId": 1, "isin": i.isin, "currencyCode": i.currency,
             "name": i.name, "shortName": i.short_name, "maxOpenQuantity": Decimal("10000"),
             "addedOn": "2018-06-01T09:00:00.000+03:00"} for i in INSTRUMENTS]


def _value_now(ticker: str, quantity: Decimal) -> Decimal:
    item = BY_TICKER[ticker]
    major, _ = quote_to_major(item.price_now * quantity, item.currency)
    return to_minor(major * FX_NOW[item.currency], ACCOUNT_CURRENCY)


def _totals(book: Book) -> tuple[Decimal, Decimal]:
    positions = book.positions()
    return (sum((p.book_cost for p in positions.values()), Decimal(0)),
            sum((_value_now(t, p.quantity) for t, p in positions.items()), Decimal(0)))


def _average(cost: Decimal, quantity: Decimal) -> Decimal:
    return (cost / quantity).quantize(AVERAGE_PLACES, rounding=ROUND_HALF_EVEN)


# --- account --------------------------------------------------------------------------------
def summary(book: Book, *, account_type: str = "") -> dict[str, Any]:
    cost, value = _totals(book)
    cash = book.cash()
    body = {"id": ACCOUNT_ID, "currency": ACCOUNT_CURRENCY,
            "cash": {"availableToTrade": cash, "inPies": Decimal("0.00"), "reservedForOrders": Decimal("0.00")},
            "investments": {"currentValue": value, "totalCost": cost, "unrealizedProfitLoss": value - cost,
                            "realizedProfitLoss": Decimal("0.00")},
            "totalValue": cash + value}
    if account_type:
        body["type"] = account_type
    return body


def info(*, account_type: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"currencyCode": ACCOUNT_CURRENCY, "id": ACCOUNT_ID}
    if account_type:
        body["type"] = account_type
    return body


def cash(book: Book) -> dict[str, Any]:
    cost, value = _totals(book)
    free = book.cash()
    return {"free": free, "total": free + value, "ppl": value - cost, "result": Decimal("0.00"),
            "invested": cost, "pieCash": Decimal("0.00"), "blocked": Decimal("0.00")}


# --- positions ------------------------------------------------------------------------------
def positions(book: Book) -> list[dict[str, Any]]:
    out = []
    for ticker, pos in sorted(book.positions().items()):
        value = _value_now(ticker, pos.quantity)
        out.append({
            "instrument": instrument(ticker), "createdAt": iso(pos.first_fill), "quantity": pos.quantity,
            "quantityAvailableForTrading": pos.quantity, "quantityInPies": Decimal(0),
            "currentPrice": BY_TICKER[ticker].price_now, "averagePricePaid": _average(pos.cost, pos.quantity),
            "walletImpact": {"currency": ACCOUNT_CURRENCY, "totalCost": pos.book_cost, "currentValue": value,
                             "unrealizedProfitLoss": value - pos.book_cost, "fxImpact": None},
        })
    return out


def portfolio(book: Book) -> list[dict[str, Any]]:
    out = []
    for ticker, pos in sorted(book.positions().items()):
        value = _value_now(ticker, pos.quantity)
        out.append({"ticker": ticker, "quantity": pos.quantity, "averagePrice": _average(pos.cost, pos.quantity),
                    "currentPrice": BY_TICKER[ticker].price_now, "ppl": value - pos.book_cost, "fxPpl": None,
                    "initialFillDate": iso(pos.first_fill), "frontend": "API", "maxBuy": Decimal(1000),
                    "maxSell": pos.quantity, "pieQuantity": Decimal(0)})
    return out


# --- history items (each with its cursor stamp, newest first) -------------------------------
def _taxes(fill: Fill) -> list[dict[str, Any]]:
    return [{"name": name, "quantity": -amount, "currency": ACCOUNT_CURRENCY, "chargedAt": iso(fill.at)}
            for name, amount in fill.charges]


def _order_2026(fill: Fill | Order) -> dict[str, Any]:
    quantity = (fill.order_quantity or fill.quantity) if isinstance(fill, Fill) else fill.quantity
    body = {"id": fill.order_id, "ticker": fill.ticker, "instrument": instrument(fill.ticker),
            "currency": BY_TICKER[fill.ticker].currency, "side": fill.side, "status": fill.status,
            "type": "MARKET" if isinstance(fill, Fill) else "LIMIT", "strategy": "QUANTITY", "quantity": quantity,
            "createdAt": iso(fill.at), "initiatedFrom": "API" if isinstance(fill, Fill) else "WEB",
            "extendedHours": False}
    if isinstance(fill, Order):
        body.update(limitPrice=fill.limit_price, filledQuantity=Decimal(0), filledValue=Decimal(0))
    return body


def order_items(book: Book, *, legacy: bool) -> list[tuple[int, dict[str, Any]]]:
    items: list[tuple[int, dict[str, Any]]] = []
    filled: dict[int, Decimal] = {}
    for fill in sorted(book.fills, key=lambda f: f.at):
        filled[fill.order_id] = filled.get(fill.order_id, Decimal(0)) + fill.quantity
        if legacy:
            sign = -1 if fill.side == "SELL" else 1
            items.append((stamp(fill.at), {
                "id": fill.order_id, "fillId": fill.fill_id, "ticker": fill.ticker, "type": "MARKET",
                "status": fill.status, "orderedQuantity": sign * (fill.order_quantity or fill.quantity),
                "filledQuantity": sign * fill.quantity, "fillPrice": fill.price, "filledValue": fill.gross,
                "fillType": fill.kind if fill.kind != "TRADE" else "TOTV", "fillResult": None,
                "taxes": [{"fillId": str(fill.fill_id), "name": t["name"], "quantity": t["quantity"],
                           "timeCharged": t["chargedAt"]} for t in _taxes(fill)],
                "dateCreated": iso(fill.at), "dateExecuted": iso(fill.at), "dateModified": iso(fill.at),
                "executor": "API", "limitPrice": None, "stopPrice": None, "timeValidity": "DAY"}))
            continue
        order = _order_2026(fill)
        order.update(filledQuantity=filled[fill.order_id], filledValue=fill.gross)
        items.append((stamp(fill.at), {"order": order, "fill": {
            "id": fill.fill_id, "quantity": fill.quantity, "price": fill.price, "filledAt": iso(fill.at),
            "type": fill.kind, "tradingMethod": "TOTV",
            "walletImpact": {"currency": ACCOUNT_CURRENCY, "netValue": fill.net, "fxRate": fill.fx_rate,
                             "realisedProfitLoss": Decimal("0.00"), "taxes": _taxes(fill)}}}))
    for order in book.orders:
        if legacy:
            items.append((stamp(order.at), {
                "id": order.order_id, "fillId": None, "ticker": order.ticker, "type": "LIMIT", "status": order.status,
                "orderedQuantity": order.quantity, "filledQuantity": Decimal(0), "fillPrice": None,
                "filledValue": None, "limitPrice": order.limit_price, "taxes": [], "dateCreated": iso(order.at),
                "dateExecuted": None, "dateModified": iso(order.at)}))
        else:
            items.append((stamp(order.at), {"order": _order_2026(order)}))
    return sorted(items, key=lambda pair: pair[0], reverse=True)


def dividend_items(book: Book, *, legacy: bool) -> list[tuple[int, dict[str, Any]]]:
    items = []
    for d in book.dividends:
        body = {"ticker": d.ticker, "reference": d.reference, "quantity": d.quantity, "amount": d.amount,
                "grossAmountPerShare": d.gross_per_share, "amountInEuro": to_minor(d.amount * Decimal("1.17"), "EUR"),
                "paidOn": iso(d.paid_on), "type": "ORDINARY"}
        if not legacy:
            body.update(currency=ACCOUNT_CURRENCY, tickerCurrency=BY_TICKER[d.ticker].currency,
                        instrument=instrument(d.ticker))
        items.append((stamp(d.paid_on), body))
    return sorted(items, key=lambda pair: pair[0], reverse=True)


def transaction_items(book: Book, *, legacy: bool) -> list[tuple[int, dict[str, Any]]]:
    items = []
    for move in book.cash_moves:
        body = {"type": move.type, "amount": move.amount, "reference": move.reference, "dateTime": iso(move.at)}
        if not legacy:
            body["currency"] = ACCOUNT_CURRENCY
        items.append((stamp(move.at), body))
    return sorted(items, key=lambda pair: pair[0], reverse=True)


def dumps(body: Any) -> str:
    """JSON with Decimals written as numbers, digit for digit (json would refuse them, and
    Django's encoder writes them as strings)."""
    def mark(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [mark(v) for v in value]
        if isinstance(value, Decimal):
            return f"{_MARK}{value}{_MARK}"
        return value

    return _MARKED.sub(lambda m: m.group(1), json.dumps(mark(body)))


_MARK = "\u0000dec\u0000"
_MARKED = re.compile(r'"\\u0000dec\\u0000([-0-9.Ee+]+)\\u0000dec\\u0000"')
