"""AJ Bell's cash transaction history: `Date, Description, Receipt (GBP), Payment (GBP),
Balance (GBP)`, dates dd/mm/yyyy. The kind of movement lives in the description; trades read
"Purchase <qty> <name> @ <price>" / "Sale ..." (quantity and price when the line carries them;
contract notes hold the rest). Running "* BALANCE" lines are skipped."""

from __future__ import annotations

import re
from decimal import Decimal

from integrations_core.providers.sources import ParsedStatement
from integrations_core.records import AccountRecord, InvestmentTransactionRecord
from investments.statements import (
    DAY_FIRST,
    BadValue,
    Cells,
    Collector,
    Column,
    RowIds,
    parse_decimal,
    read_table,
)

COLUMNS = [
    Column("date", "Date"),
    Column("description", "Description"),
    Column("receipt", "Receipt (GBP)", aliases=("Receipt", "Receipts")),
    Column("payment", "Payment (GBP)", aliases=("Payment", "Payments")),
    Column("balance", "Balance (GBP)", aliases=("Balance",), required=False),
]
TRADE = re.compile(r"^(?P<side>Purchase|Sale)\s+(?:(?P<qty>\d[\d,]*(?:\.\d+)?)\s+)?(?P<name>.+?)"
                   r"(?:\s+@\s+(?P<price>\d[\d,]*(?:\.\d+)?)(?P<pence>p)?)?\s*$", re.I)
DIVIDEND = re.compile(r"^dividend\s+(?P<name>.+)$", re.I)
KINDS = (
    (re.compile(r"^gross interest|^interest", re.I), "interest"),
    (re.compile(r"^(faster payment in|debit card payment|subscription|transfer from|bacs receipt)", re.I), "deposit"),
    (re.compile(r"^cash withdrawal|^faster payment out", re.I), "withdrawal"),
    (re.compile(r"custody charge|account charge|fx charge|dealing charge|^charge", re.I), "fee"),
    (re.compile(r"withholding tax|^tax\b", re.I), "tax"),
    (re.compile(r"redemption$", re.I), "sell"),
)


def parse_text(text: str, account: AccountRecord, *, namespace: str) -> ParsedStatement:
    out = Collector()
    _lines, _header, rows = read_table(text, COLUMNS, out.errors)
    ids = RowIds(namespace)
    for cells in rows:
        if cells.text("description").startswith("* BALANCE"):
            continue
        out.rows += 1
        record = _record(cells, ids, out)
        if record is not None and cells.ok:
            out.transactions.append(record)
    return out.statement(account)


def _record(cells: Cells, ids: RowIds, out: Collector) -> InvestmentTransactionRecord | None:
    day = cells.date("date", DAY_FIRST)
    receipt = cells.decimal("receipt", positive=True)
    payment = cells.decimal("payment", positive=True)
    description = cells.text("description")
    if cells.ok and not receipt and not payment:
        cells.error("receipt", "the row has neither a receipt nor a payment")
    amount = (receipt or 0) - (payment or 0)
    security, quantity, price, price_currency = "", None, None, ""
    if trade := TRADE.match(description):
        type_ = "buy" if trade["side"].casefold() == "purchase" else "sell"
        try:
            quantity = parse_decimal(trade["qty"]) if trade["qty"] else None
            price = parse_decimal(trade["price"]) if trade["price"] else None
        except BadValue as problem:
            cells.error("description", str(problem))
        price_currency = "GBX" if trade["pence"] else ("GBP" if price is not None else "")
        security = out.security(name=trade["name"], quote_currency=price_currency)
    elif dividend := DIVIDEND.match(description):
        type_ = "dividend"
        security = out.security(name=dividend["name"].strip())
    elif description.casefold().startswith("transfer between products"):
        type_ = "transfer_in" if amount >= 0 else "transfer_out"
    else:
        type_ = next((kind for pattern, kind in KINDS if pattern.search(description)), None)
        if type_ is None:
            cells.error("description", f"unknown transaction {description!r}" if description else "is empty")
    if not cells.ok or day is None:
        return None
    return InvestmentTransactionRecord(
        external_id=ids.next(cells.mapped()), type=type_, booked_date=day, amount=amount, currency="GBP",
        security_external_id=security, quantity=quantity, price=price, price_currency=price_currency,
        fees=-amount if type_ == "fee" else Decimal(0), taxes=-amount if type_ == "tax" else Decimal(0),
        description=description, raw=cells.mapped() | {"line": cells.number},
    )
