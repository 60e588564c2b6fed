"""Freetrade's activity export. `Type` says what a row is; `Total Amount` is unsigned, in the
account currency. Orders carry the instrument-currency price and `FX Rate` (instrument currency
per account currency, so the record's rate is its inverse); dividends carry `Base FX Rate`
(account currency per instrument currency) and the withheld tax in the instrument currency.
Monthly statements and tax certificates move no money and are skipped."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from integrations_core.money import to_minor
from integrations_core.providers.sources import ParsedStatement
from integrations_core.records import AccountRecord, InvestmentTransactionRecord
from investments.statements import ISO_DATETIME, Cells, Collector, Column, RowIds, invert_rate, read_table

_OPTIONAL = [
    ("buy_sell", "Buy / Sell"), ("ticker", "Ticker"), ("isin", "ISIN"),
    ("account_price", "Price per Share in Account Currency"), ("stamp_duty", "Stamp Duty"),
    ("quantity", "Quantity"), ("order_id", "Order ID"), ("instrument_currency", "Instrument Currency"),
    ("price", "Price per Share"), ("fx_rate", "FX Rate"), ("base_fx_rate", "Base FX Rate"),
    ("fx_fee", "FX Fee Amount"), ("dividend_per_share", "Dividend Amount Per Share"),
    ("dividend_quantity", "Dividend Eligible Quantity"), ("withheld_tax", "Dividend Withheld Tax Amount"),
]
COLUMNS = [
    Column("title", "Title"), Column("type", "Type"), Column("timestamp", "Timestamp"),
    Column("account_currency", "Account Currency", required=False),
    Column("total", "Total Amount", aliases=("Total Amount in Account Currency",)),
    *[Column(field, header, required=False) for field, header in _OPTIONAL],
]
CASH = {"INTEREST_FROM_CASH": "interest", "TOP_UP": "deposit", "WITHDRAWAL": "withdrawal"}
SKIPPED = {"MONTHLY_STATEMENT", "TAX_CERTIFICATE"}


def parse_text(text: str, account: AccountRecord, *, namespace: str) -> ParsedStatement:
    out = Collector()
    _lines, _header, rows = read_table(text, COLUMNS, out.errors)
    ids = RowIds(namespace)
    currency = ""
    for cells in rows:
        if cells.text("type").upper() in SKIPPED:
            continue
        out.rows += 1
        record = _record(cells, ids, out)
        if record is not None and cells.ok:
            currency = currency or record.currency
            out.transactions.append(record)
    if currency and currency != account.currency:
        account = dataclasses.replace(account, currency=currency)
    return out.statement(account)


def _record(cells: Cells, ids: RowIds, out: Collector) -> InvestmentTransactionRecord | None:
    kind = cells.text("type").upper()
    when = cells.datetime("timestamp", ISO_DATETIME)
    total = cells.decimal("total", required=True, positive=True)
    currency = cells.text("account_currency").upper() or "GBP"
    instrument_currency = cells.text("instrument_currency").upper()
    foreign = instrument_currency if instrument_currency and instrument_currency != currency else ""
    security, quantity, price, fees, taxes, rate = "", None, None, Decimal(0), Decimal(0), None
    if cells.text("isin") or cells.text("ticker"):
        security = out.security(name=cells.text("title"), isin=cells.text("isin"), ticker=cells.text("ticker"),
                                quote_currency=instrument_currency)
    if kind in ("ORDER", "FREESHARE_ORDER"):
        side = cells.text("buy_sell").upper()
        type_ = {"BUY": "buy", "SELL": "sell"}.get(side)
        if type_ is None:
            cells.error("buy_sell", f"unknown side {cells.text('buy_sell')!r}" if side else "is empty")
        if kind == "FREESHARE_ORDER" and type_ == "buy":
            type_ = "transfer_in"  # a free share: units arrive, no cash leaves
        quantity = cells.decimal("quantity", required=True, positive=True)
        price = cells.decimal("price", required=True, positive=True)
        fees = cells.decimal("fx_fee", positive=True) or Decimal(0)
        taxes = cells.decimal("stamp_duty", positive=True) or Decimal(0)
        order_rate = cells.decimal("fx_rate", positive=True)
        rate = invert_rate(order_rate) if foreign and order_rate else None
        if not security:
            cells.error("isin", "an order needs the instrument's ISIN or ticker")
    elif kind == "DIVIDEND":
        type_ = "dividend"
        quantity = cells.decimal("dividend_quantity", positive=True)
        price = cells.decimal("dividend_per_share", positive=True)
        rate = cells.decimal("base_fx_rate", positive=True) if foreign else None
        withheld = cells.decimal("withheld_tax", positive=True) or Decimal(0)
        if withheld and foreign and rate is None:
            cells.error("base_fx_rate", f"is needed to convert the {foreign} tax withheld")
        taxes = to_minor(withheld * rate, currency) if withheld and rate else withheld
    elif kind in CASH:
        type_ = CASH[kind]
    else:
        type_ = None
        cells.error("type", f"unknown type {cells.text('type')!r}" if kind else "is empty")
    if not cells.ok or when is None or total is None:
        return None
    amount = Decimal(0) if type_ == "transfer_in" else (-total if type_ in ("buy", "withdrawal") else total)
    order_id = cells.text("order_id")
    return InvestmentTransactionRecord(
        external_id=ids.provided(order_id) if order_id else ids.next(cells.mapped()),
        type=type_, booked_date=when.date(), booked_at=when, amount=amount, currency=currency,
        security_external_id=security, quantity=quantity, price=price,
        price_currency=instrument_currency if price is not None else "", fees=fees, taxes=taxes,
        original_currency=foreign, fx_rate=rate, description=cells.text("title"),
        raw=cells.mapped() | {"line": cells.number},
    )
