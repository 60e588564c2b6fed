"""Generic activities: one row (CSV) or object (JSON) per movement, columns/keys by name:
date, action, isin, ticker, name, quantity, price, currency, amount, fees, taxes, fx_rate, id,
comment. Amounts in JSON may be numbers or strings; both are read exactly (never float)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from integrations_core.money import quote_to_major, to_minor
from integrations_core.providers.sources import ParsedStatement, RowError
from integrations_core.records import InvestmentTransactionRecord
from investments.statements import (
    DAY_FIRST,
    ISO_DATE,
    ISO_DATETIME,
    Cells,
    Collector,
    Column,
    Header,
    Line,
    RowIds,
    normalise_header,
    read_table,
    signed,
)

COLUMNS = [
    Column("date", "date", aliases=("trade date", "datetime")),
    Column("action", "action", aliases=("type", "activity")),
    Column("isin", "isin", required=False),
    Column("ticker", "ticker", aliases=("symbol",), required=False),
    Column("name", "name", aliases=("security", "security name"), required=False),
    Column("quantity", "quantity", aliases=("units", "shares"), required=False),
    Column("price", "price", aliases=("unitPrice", "unit price", "unit_price"), required=False),
    Column("currency", "currency", required=False),
    Column("amount", "amount", aliases=("total",), required=False),
    Column("fees", "fees", aliases=("fee",), required=False),
    Column("taxes", "taxes", aliases=("tax",), required=False),
    Column("fx_rate", "fx_rate", aliases=("fx rate", "fxRate", "exchange rate", "exchange_rate"), required=False),
    Column("account_currency", "account_currency", aliases=("account currency",), required=False),
    Column("id", "id", aliases=("external_id", "reference"), required=False),
    Column("comment", "comment", aliases=("description", "note", "notes"), required=False),
]
ACTIONS = {"buy", "sell", "dividend", "interest", "fee", "tax", "deposit", "withdrawal", "split",
           "transfer_in", "transfer_out"}
ACTION_ALIASES = {"transfer in": "transfer_in", "transfer out": "transfer_out", "item": None}
NEEDS_SECURITY = {"buy", "sell", "dividend", "split", "transfer_in", "transfer_out"}
DATE_FORMATS = ISO_DATETIME + ISO_DATE + DAY_FIRST[:1]


def parse_csv(text: str, provider, *, account_hint: str) -> ParsedStatement:
    out = Collector()
    _lines, _header, rows = read_table(text, COLUMNS, out.errors)
    return _read(rows, out, provider, provider.account_for(account_hint))


def parse_json(text: str, provider, *, account_hint: str) -> ParsedStatement:
    out = Collector()
    account = provider.account_for(account_hint)
    try:
        document = json.loads(text, parse_float=str, parse_int=str)
    except (ValueError, RecursionError) as problem:
        line = getattr(problem, "lineno", 0)
        out.errors.append(RowError(line, "", f"The file is not valid JSON: {getattr(problem, 'msg', problem)}"))
        return out.statement(account)
    items = document.get("activities") if isinstance(document, dict) else document
    if not isinstance(items, list):
        out.errors.append(RowError(0, "", "Expected a list of activities, or an object with an 'activities' list"))
        return out.statement(account)
    info = document.get("account") if isinstance(document, dict) else None
    if isinstance(info, dict):
        account = provider.account_for(account_hint or str(info.get("name") or ""),
                                       external_id=str(info.get("id") or ""), name=str(info.get("name") or ""),
                                       currency=str(info.get("currency") or "").upper(),
                                       wrapper=str(info.get("wrapper") or "").upper())
    lines = _item_lines(text, len(items))
    rows = []
    for position, item in enumerate(items):
        number = lines[position] if position < len(lines) else 0
        if not isinstance(item, dict):
            out.errors.append(RowError(number, "", "An activity must be an object"))
            continue
        keys = {normalise_header(str(key)): key for key in item}
        index, headers, cells = {}, {}, []
        for column in COLUMNS:
            key = next((keys[name] for name in column.names() if name in keys), None)
            if key is not None:
                index[column.field], headers[column.field] = len(cells), str(key)
                value = item[key]
                cells.append("" if value is None else str(value).strip())
        rows.append(Cells(Line(number, cells), Header(number, index, headers), out.errors))
    return _read(rows, out, provider, account)


def _item_lines(text: str, count: int) -> list[int]:
    """The 1-based line where each activity object starts (the first `{` after the list opens)."""
    start = text.find("[", m.end()) if (m := re.search(r'"activities"\s*:', text)) else text.find("[")
    lines, depth, in_string, escaped = [], 0, False, False
    for position in range(max(start, 0) + 1, len(text)):
        ch = text[position]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
            continue
        if ch == '"':
            in_string = True
        elif ch in "{[":
            if depth == 0:
                lines.append(text.count("\n", 0, position) + 1)
            depth += 1
        elif ch in "}]":
            if depth == 0:
                break
            depth -= 1
        if len(lines) > count:
            break
    return lines


def _read(rows: list[Cells], out: Collector, provider, account) -> ParsedStatement:
    ids = RowIds(provider.slug)
    for cells in rows:
        out.rows += 1
        record = _record(cells, ids, out, account.currency)
        if record is not None and cells.ok:
            out.transactions.append(record)
    return out.statement(account)


def _record(cells: Cells, ids: RowIds, out: Collector, account_currency: str) -> InvestmentTransactionRecord | None:
    when = cells.datetime("date", DATE_FORMATS)
    raw_action = cells.text("action")
    action = ACTION_ALIASES.get(raw_action.casefold(), raw_action.casefold())
    if action not in ACTIONS:
        cells.error("action", f"unknown action {raw_action!r} (one of {', '.join(sorted(ACTIONS))})"
                    if raw_action else "is empty")
    currency = cells.text("account_currency").upper() or account_currency
    price_currency = cells.text("currency").upper() or currency
    quantity = cells.decimal("quantity", positive=action != "split")
    price = cells.decimal("price", positive=True)
    amount = cells.decimal("amount")
    fees = cells.decimal("fees", positive=True) or Decimal(0)
    taxes = cells.decimal("taxes", positive=True) or Decimal(0)
    rate = cells.decimal("fx_rate", positive=True)
    isin, ticker, name = cells.text("isin"), cells.text("ticker"), cells.text("name")
    if action in NEEDS_SECURITY and not (isin or ticker or name):
        cells.error("isin", f"a {action} needs an isin, ticker or name")
    if action in ("buy", "sell", "transfer_in", "transfer_out", "split") and not cells.text("quantity"):
        cells.error("quantity", f"a {action} needs a quantity")
    major_price = quote_to_major(price, price_currency)[0] if price is not None else None
    major_currency = quote_to_major(Decimal(0), price_currency)[1]
    foreign = major_currency if major_currency and major_currency != currency else ""
    if amount is None and cells.ok:
        amount = _computed(cells, action, quantity, major_price, rate if foreign else Decimal(1), currency, fees, taxes)
    if not cells.ok or when is None or amount is None:
        return None
    if action != "split":
        amount = signed(action, amount)  # the action says the direction, whatever the sign written
    if action == "fee":
        fees = fees or abs(amount)
    elif action == "tax":
        taxes = taxes or abs(amount)
    security = out.security(name=name, isin=isin, ticker=ticker, quote_currency=price_currency) if (
        isin or ticker or name) else ""
    provided = cells.text("id")
    return InvestmentTransactionRecord(
        external_id=ids.provided(provided) if provided else ids.next(cells.mapped()),
        type=action, booked_date=when.date(), booked_at=when if ":" in cells.text("date") else None,
        amount=amount, currency=currency, security_external_id=security, quantity=quantity, price=price,
        price_currency=price_currency if price is not None else "", fees=fees, taxes=taxes,
        original_currency=foreign, fx_rate=rate if foreign else None, description=cells.text("comment"),
        raw=cells.mapped() | {"line": cells.number},
    )


def _computed(cells: Cells, action: str, quantity, price, rate, currency: str, fees, taxes) -> Decimal | None:
    """The cash impact when the row gives no amount: units x price (x FX rate) with costs."""
    if action in ("split", "transfer_in", "transfer_out"):
        return Decimal(0)
    if quantity is not None and price is not None:
        if rate is None:
            cells.error("fx_rate", "is needed to convert the price into the account currency (or give the amount)")
            return None
        gross = to_minor(quantity * price * rate, currency)
        if action == "buy":
            return gross + fees + taxes
        if action in ("sell", "dividend"):
            return gross - fees - taxes
        return gross
    if action == "fee" and fees:
        return fees
    if action == "tax" and taxes:
        return taxes
    cells.error("amount", f"a {action} needs an amount (or a quantity and price)")
    return None
