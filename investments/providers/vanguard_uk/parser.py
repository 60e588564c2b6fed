"""Vanguard UK's transaction download: an account title, then a *Cash Transactions* table
(Date, Details, Amount, Balance) and an *Investment Transactions* table (Date, InvestmentName,
TransactionDetails, Quantity, Price, Cost), each closed by a summary row ("Balance", "Cost").
All GBP, dates dd/mm/yyyy. Buys and sales appear in both tables: the investment table's row is
the trade (with quantity and price), the cash table's "Bought ..."/"Sold ..." row is its cash
leg and is not imported twice."""

from __future__ import annotations

import re
from decimal import Decimal

from integrations_core.providers.sources import ParsedStatement, RowError
from integrations_core.records import InvestmentTransactionRecord
from investments.statements import (
    DAY_FIRST,
    Cells,
    Collector,
    Column,
    RowIds,
    find_header,
    read_lines,
    table_rows,
)

CASH_COLUMNS = [Column("date", "Date"), Column("details", "Details"), Column("amount", "Amount"),
                Column("balance", "Balance", required=False)]
INVESTMENT_COLUMNS = [Column("date", "Date"), Column("name", "InvestmentName", aliases=("Investment Name",)),
                      Column("details", "TransactionDetails", aliases=("Transaction Details",)),
                      Column("quantity", "Quantity"), Column("price", "Price"), Column("cost", "Cost")]
_ENDS = {"balance", "cost", "cash transactions", "investment transactions", "date"}

TRADE = re.compile(r"^(Bought|Sold)\b", re.I)
DIVIDEND = re.compile(r"^DIV:\s*(?P<ticker>[^.\s]+)\.\S*\s*@\s*(?P<currency>[A-Z]{3})\s*(?P<rate>[\d.,]+)")
CASH_TYPES = (
    (re.compile(r"^Cash Account Interest|\binterest\b", re.I), "interest"),
    (re.compile(r"Regular Deposit|Deposit (for|via)|^Deposit\b|Cash transfer|Bonus", re.I), "deposit"),
    (re.compile(r"^Payment by|withdrawal", re.I), "withdrawal"),
    (re.compile(r"Account [Ff]ee|dealing fee", re.I), "fee"),
    (re.compile(r"^NameChange:", re.I), "other"),
)
NAME = re.compile(r"^(?P<name>.+?)(?:\s*\((?P<ticker>[^()]+)\))?$")


def _ends(line) -> bool:
    return bool(line.cells) and line.cells[0].strip().casefold() in _ENDS


def parse_text(text: str, provider, *, account_hint: str) -> ParsedStatement:
    out = Collector()
    lines = read_lines(text)
    title = lines[0].cells[0] if lines and lines[0].cells and not _ends(lines[0]) else ""
    account = provider.account_for(account_hint or title, name=title)
    ids = RowIds(provider.slug)
    found_any = False
    for columns, reader in ((CASH_COLUMNS, _cash), (INVESTMENT_COLUMNS, _investment)):
        found = find_header(lines, columns)
        if isinstance(found, RowError):
            if found.line:  # a header that is nearly this table's: say what is wrong with it
                out.errors.append(found)
                found_any = True
            continue
        found_any = True
        position, header = found
        rows, _end = table_rows(lines, position, header, out.errors, until=_ends)
        for cells in rows:
            out.rows += 1
            record = reader(cells, ids, out)
            if record is not None and cells.ok:
                out.transactions.append(record)
    if not found_any:
        out.errors.append(RowError(0, "", "No 'Cash Transactions' or 'Investment Transactions' table found "
                                          "(expected the columns Date, Details, Amount, Balance or Date, "
                                          "InvestmentName, TransactionDetails, Quantity, Price, Cost)"))
    out.transactions.sort(key=lambda t: t.raw["line"])
    return out.statement(account)


def _cash(cells: Cells, ids: RowIds, out: Collector) -> InvestmentTransactionRecord | None:
    day = cells.date("date", DAY_FIRST)
    amount = cells.decimal("amount", required=True)
    details = cells.text("details")
    if TRADE.match(details):
        return None  # the cash leg of a trade in the investment table
    text, reversal = (details[len("Reversal of "):], True) if details.startswith("Reversal of ") else (details, False)
    security, price, price_currency = "", None, ""
    if match := DIVIDEND.match(text):
        type_ = "dividend"
        security = out.security(name=match["ticker"], ticker=match["ticker"])
        price, price_currency = Decimal(match["rate"].replace(",", "")), match["currency"]
    else:
        type_ = next((kind for pattern, kind in CASH_TYPES if pattern.search(text)), None)
    if type_ is None:
        cells.error("details", f"unknown transaction {details!r}" if details else "is empty")
    if not cells.ok or day is None or amount is None:
        return None
    return InvestmentTransactionRecord(
        external_id=ids.next({"table": "cash"} | cells.mapped()), type=type_, booked_date=day, amount=amount,
        currency="GBP", security_external_id=security, price=price, price_currency=price_currency,
        fees=abs(amount) if type_ == "fee" else Decimal(0), description=details, raw=cells.mapped() | {"line": cells.number, "table": "cash", "reversal": reversal},
    )


def _investment(cells: Cells, ids: RowIds, out: Collector) -> InvestmentTransactionRecord | None:
    day = cells.date("date", DAY_FIRST)
    quantity = cells.decimal("quantity", required=True)
    price = cells.decimal("price", required=True, positive=True)
    cost = cells.decimal("cost", required=True)
    details, name = cells.text("details"), cells.text("name")
    side = TRADE.match(details)
    if side:
        type_ = "buy" if side.group(1).casefold() == "bought" else "sell"
    elif details:
        type_ = None
        cells.error("details", f"unknown transaction {details!r}")
    else:  # before ~October 2021 the details are empty: the quantity's sign says the side
        type_ = "sell" if quantity is not None and quantity < 0 else "buy"
    if not name:
        cells.error("name", "is empty")
    if not cells.ok or day is None or quantity is None or cost is None:
        return None
    parts = NAME.match(name)
    ticker = parts["ticker"] if parts and parts["ticker"] else ""
    security = out.security(name=parts["name"] if parts else name, ticker=ticker, quote_currency="GBP",
                            type_="etf" if "ETF" in name else "fund")
    return InvestmentTransactionRecord(
        external_id=ids.next({"table": "investment"} | cells.mapped()), type=type_, booked_date=day,
        amount=-abs(cost) if type_ == "buy" else abs(cost), currency="GBP", security_external_id=security,
        quantity=abs(quantity), price=price, price_currency="GBP", description=details or name,
        raw=cells.mapped() | {"line": cells.number, "table": "investment"},
    )
