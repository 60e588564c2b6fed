"""Hargreaves Lansdown's transaction history: a preamble (client name and number, valuation
time), then `Trade date, Settle date, Reference, Description, Unit cost (p), Quantity, Value (£)`,
newest first, dates dd/mm/yyyy, "n/a" for no value. `Unit cost (p)` is in pence: the price is
kept exactly in pounds (the decimal point moves). The CSV names no ISIN or ticker; securities
are known by name. The dealing charge is the difference between the value and units x price."""

from __future__ import annotations

import re
from decimal import Decimal

from integrations_core.money import quote_to_major, to_minor
from integrations_core.providers.sources import ParsedStatement
from integrations_core.records import InvestmentTransactionRecord
from investments.statements import DAY_FIRST, Cells, Collector, Column, RowIds, read_table, wrapper_from_text

COLUMNS = [
    Column("trade_date", "Trade date"),
    Column("settle_date", "Settle date", required=False),
    Column("reference", "Reference"),
    Column("description", "Description"),
    Column("unit_cost", "Unit cost (p)", aliases=("Unit cost (pence)", "Unit cost"), required=False),
    Column("quantity", "Quantity", required=False),
    Column("value", "Value (£)", aliases=("Value (GBP)", "Value")),
]
TRADE_REFERENCE = re.compile(r"^(?P<side>[BS])\d+$", re.I)
TRADE_DESCRIPTION = re.compile(r"^(?P<name>.+?)\s+[\d,.]+\s+@\s+[\d,.]+\s*$")
CASH_REFERENCES = {"INTEREST": "interest", "MANAGE FEE": "fee"}
CLIENT_NUMBER = re.compile(r"^client number:?$", re.I)


def parse_text(text: str, provider, *, account_hint: str) -> ParsedStatement:
    out = Collector()
    lines, header, rows = read_table(text, COLUMNS, out.errors, blank_values=frozenset({"n/a"}))
    preamble = lines[: header.line - 1] if header else []
    client = next((line.cells[1].strip() for line in preamble
                   if len(line.cells) > 1 and CLIENT_NUMBER.match(line.cells[0].strip())), "")
    ids = RowIds(provider.slug)
    descriptions = []
    for cells in rows:
        out.rows += 1
        descriptions.append(cells.text("description"))
        record = _record(cells, ids, out)
        if record is not None and cells.ok:
            out.transactions.append(record)
    chosen = account_hint.strip().casefold()
    external_id = f"{provider.slug}:{client}" + (f":{chosen}" if chosen else "") if client else ""
    account = provider.account_for(account_hint, external_id=external_id,
                                   wrapper=wrapper_from_text(account_hint, *descriptions))
    return out.statement(account)


def _record(cells: Cells, ids: RowIds, out: Collector) -> InvestmentTransactionRecord | None:
    day = cells.date("trade_date", DAY_FIRST)
    value = cells.decimal("value", required=True)
    reference, description = cells.text("reference"), cells.text("description")
    trade = TRADE_REFERENCE.match(reference)
    security, quantity, price, fees = "", None, None, Decimal(0)
    if trade:
        type_ = "buy" if trade["side"].upper() == "B" else "sell"
        quantity = cells.decimal("quantity", required=True, positive=True)
        pence = cells.decimal("unit_cost", required=True, positive=True)
        if pence is not None:
            price, _gbp = quote_to_major(pence, "GBX")
        if quantity is not None and price is not None and value is not None:
            consideration = to_minor(quantity * price, "GBP")
            charge = abs(value) - consideration if type_ == "buy" else consideration - abs(value)
            fees = max(charge, Decimal(0))
        name = match["name"] if (match := TRADE_DESCRIPTION.match(description)) else description
        security = out.security(name=name, quote_currency="GBX")
    elif reference.upper() in CASH_REFERENCES:
        type_ = CASH_REFERENCES[reference.upper()]
        fees = abs(value) if type_ == "fee" and value is not None else fees
    elif reference.upper() == "FPC" or "receipt" in description.casefold():
        type_ = "deposit" if value is None or value >= 0 else "withdrawal"
    else:
        type_ = None
        cells.error("reference", f"unknown reference {reference!r}" if reference else "is empty")
    if not cells.ok or day is None or value is None:
        return None
    provided = reference if trade else ""
    return InvestmentTransactionRecord(
        external_id=ids.provided(provided) if provided else ids.next(cells.mapped()),
        type=type_, booked_date=day, amount=value, currency="GBP", security_external_id=security,
        quantity=quantity, price=price, price_currency="GBP" if price is not None else "", fees=fees,
        description=description, raw=cells.mapped() | {"line": cells.number},
    )
