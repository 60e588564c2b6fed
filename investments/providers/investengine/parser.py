"""InvestEngine's trading history: `Security / ISIN, Transaction Type, Quantity, Share Price,
Total Trade Value, Trade Date/Time, Settlement Date, Broker`. The security cell reads
"<name> / ISIN <isin>", money is written "£110.79", times "dd/mm/yy hh:mm:ss" UK local time."""

from __future__ import annotations

import re

from integrations_core.providers.sources import ParsedStatement
from integrations_core.records import AccountRecord, InvestmentTransactionRecord
from investments.statements import LONDON, Cells, Collector, Column, RowIds, read_table

COLUMNS = [
    Column("security", "Security / ISIN", aliases=("Security",)),
    Column("type", "Transaction Type", aliases=("Type",)),
    Column("quantity", "Quantity"),
    Column("price", "Share Price", aliases=("Price",)),
    Column("total", "Total Trade Value", aliases=("Total",)),
    Column("time", "Trade Date/Time", aliases=("Trade Date",)),
    Column("settlement", "Settlement Date", required=False),
    Column("broker", "Broker", required=False),
]
SECURITY = re.compile(r"^(?P<name>.+?)\s*/\s*ISIN\s+(?P<isin>[A-Z]{2}[A-Z0-9]{9}\d)\s*$")
TIME_FORMATS = ("%d/%m/%y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%d/%m/%y %H:%M", "%d/%m/%Y %H:%M")
TYPES = {"buy": "buy", "sell": "sell"}


def parse_text(text: str, account: AccountRecord, *, namespace: str) -> ParsedStatement:
    out = Collector()
    _lines, _header, rows = read_table(text, COLUMNS, out.errors)
    ids = RowIds(namespace)
    for cells in rows:
        out.rows += 1
        record = _record(cells, ids, out)
        if record is not None and cells.ok:
            out.transactions.append(record)
    return out.statement(account)


def _record(cells: Cells, ids: RowIds, out: Collector) -> InvestmentTransactionRecord | None:
    when = cells.datetime("time", TIME_FORMATS, tz=LONDON)
    quantity = cells.decimal("quantity", required=True, positive=True)
    price = cells.decimal("price", required=True, positive=True)
    total = cells.decimal("total", required=True, positive=True)
    type_ = TYPES.get(cells.text("type").casefold())
    if type_ is None:
        cells.error("type", f"unknown transaction type {cells.text('type')!r}" if cells.text("type") else "is empty")
    match = SECURITY.match(cells.text("security"))
    if match is None:
        cells.error("security", f"{cells.text('security')!r} is not '<name> / ISIN <isin>'")
    if not cells.ok or when is None or total is None:
        return None
    security = out.security(name=match["name"], isin=match["isin"], quote_currency="GBP", type_="etf")
    return InvestmentTransactionRecord(
        external_id=ids.next(cells.mapped()), type=type_, booked_date=when.date(), booked_at=when,
        amount=-total if type_ == "buy" else total, currency="GBP", security_external_id=security,
        quantity=quantity, price=price, price_currency="GBP", description=f"{cells.text('type')} {match['name']}",
        raw=cells.mapped() | {"line": cells.number},
    )
