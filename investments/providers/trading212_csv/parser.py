"""Trading 212's CSV export: one row per order, dividend, interest payment and cash movement.

Columns vary by account and year and are found by name; older files carry "Total (GBP)" style
headers instead of a "Currency (...)" column. `Exchange rate` is the instrument currency per
account currency (USD per GBP), so the record's rate is its inverse."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from integrations_core.money import to_minor
from integrations_core.providers.sources import ParsedStatement, RowError
from integrations_core.records import AccountRecord, InvestmentTransactionRecord
from investments.statements import ISO_DATETIME, Cells, Collector, Column, RowIds, invert_rate, read_table

# (amount column, its currency column, older "(GBP)" spellings)
FEES = (("transaction_fee", "Transaction fee"), ("finra_fee", "Finra fee"),
        ("conversion_fee", "Currency conversion fee"), ("deposit_fee", "Deposit fee"))
TAXES = (("stamp_duty_reserve_tax", "Stamp duty reserve tax"), ("stamp_duty", "Stamp duty"),
         ("french_transaction_tax", "French transaction tax"))


def _money_columns(field: str, header: str) -> list[Column]:
    return [Column(field, header, aliases=(f"{header} (GBP)", f"{header} (EUR)", f"{header} (USD)"), required=False),
            Column(f"{field}_currency", f"Currency ({header})", required=False)]


COLUMNS = [
    Column("action", "Action"),
    Column("time", "Time"),
    Column("isin", "ISIN", required=False),
    Column("ticker", "Ticker", required=False),
    Column("name", "Name", required=False),
    Column("notes", "Notes", required=False),
    Column("id", "ID", required=False),
    Column("shares", "No. of shares", required=False),
    Column("price", "Price / share", required=False),
    Column("price_currency", "Currency (Price / share)", required=False),
    Column("rate", "Exchange rate", required=False),
    Column("total", "Total", aliases=("Total (GBP)", "Total (EUR)", "Total (USD)")),
    Column("total_currency", "Currency (Total)", required=False),
    Column("withholding_tax", "Withholding tax", required=False),
    Column("withholding_tax_currency", "Currency (Withholding tax)", required=False),
    *[column for field, header in FEES + TAXES for column in _money_columns(field, header)],
]

BUYS = {"market buy", "limit buy", "stop buy", "stop limit buy"}
SELLS = {"market sell", "limit sell", "stop sell", "stop limit sell"}
CASH = {"deposit": "deposit", "withdrawal": "withdrawal", "card debit": "withdrawal",
        "card credit": "deposit", "card refund": "deposit"}
INTEREST = {"interest on cash", "lending interest", "dividend (interest)"}
OTHER = {"spending cashback", "result adjustment", "currency conversion"}
SPLIT_CLOSE, SPLIT_OPEN = "stock split close", "stock split open"
TIME_FORMATS = ISO_DATETIME


def _header_currency(header: str) -> str:
    match = re.search(r"\(([A-Z]{3})\)\s*$", header)
    return match.group(1) if match else ""


def parse_text(text: str, account: AccountRecord, *, namespace: str) -> ParsedStatement:
    out = Collector()
    _lines, header, rows = read_table(text, COLUMNS, out.errors, blank_values=frozenset({"not available"}))
    ids = RowIds(namespace)
    splits: dict[tuple[str, str], dict[str, tuple[Cells, Decimal, str]]] = {}
    account_currency = ""
    for cells in rows:
        out.rows += 1
        record = _record(cells, ids, out, splits)
        if record is not None and cells.ok:
            account_currency = account_currency or record.currency
            out.transactions.append(record)
    out.transactions.extend(_splits(splits, out))
    out.transactions.sort(key=lambda t: t.raw.get("line") or t.raw["lines"][0])  # file order
    if account_currency and account_currency != account.currency:
        account = dataclasses.replace(account, currency=account_currency)
    return out.statement(account)


def _currency_of(cells: Cells, field: str, fallback: str) -> str:
    return (cells.text(f"{field}_currency").upper() or _header_currency(cells.column(field)) or fallback)


def _in_account(cells: Cells, field: str, currency: str, rate: Decimal | None) -> Decimal:
    """A fee or tax column in the account currency (foreign ones divided by the exchange rate)."""
    value = cells.decimal(field, positive=True)
    if not value:
        return Decimal(0)
    its_currency = _currency_of(cells, field, currency)
    if its_currency == currency:
        return value
    if rate:
        return to_minor(value / rate, currency)
    cells.error(field, f"is in {its_currency} and the row has no exchange rate to convert it")
    return Decimal(0)


def _record(cells: Cells, ids: RowIds, out: Collector,
            splits: dict) -> InvestmentTransactionRecord | None:
    action = cells.text("action")
    kind = action.casefold()
    when: datetime | None = cells.datetime("time", TIME_FORMATS)
    total = cells.decimal("total", required=kind not in (SPLIT_OPEN, SPLIT_CLOSE))
    currency = _currency_of(cells, "total", "GBP")
    rate = cells.decimal("rate", positive=True)
    shares = cells.decimal("shares", positive=True)
    price = cells.decimal("price", positive=True)
    price_currency = cells.text("price_currency").upper()
    type_ = _type(kind)
    if type_ is None:
        cells.error("action", f"unknown action {action!r}" if action else "is empty")
        return None
    security = ""
    if cells.text("isin") or cells.text("ticker"):
        security = out.security(name=cells.text("name"), isin=cells.text("isin"), ticker=cells.text("ticker"),
                                quote_currency=price_currency)
    if type_ == "split":
        if when is not None and shares is not None and security:
            legs = splits.setdefault((security, cells.text("time")), {})
            legs[kind] = (cells, shares, cells.text("id"))
        elif not security:
            cells.error("ticker", "a stock split needs the instrument's ISIN or ticker")
        elif shares is None:
            cells.error("shares", "a stock split needs the number of shares")
        return None
    if type_ in ("buy", "sell", "transfer_in") and (shares is None or security == ""):
        cells.error("shares" if shares is None else "ticker", f"a {action.lower()} needs the instrument and shares")
    fees = sum((_in_account(cells, field, currency, rate) for field, _h in FEES), Decimal(0))
    taxes = sum((_in_account(cells, field, currency, rate) for field, _h in TAXES), Decimal(0))
    taxes += _in_account(cells, "withholding_tax", currency, rate)
    if not cells.ok or when is None:
        return None
    amount = _amount(type_, total or Decimal(0))
    if type_ == "transfer_in":
        amount = Decimal(0)
    foreign = price_currency if price_currency and price_currency not in (currency, "GBX") else ""
    provided = cells.text("id")
    return InvestmentTransactionRecord(
        external_id=ids.provided(provided) if provided else ids.next(cells.mapped()),
        type=type_, booked_date=when.date(), booked_at=when, amount=amount, currency=currency,
        security_external_id=security, quantity=shares, price=price, price_currency=price_currency,
        fees=fees, taxes=taxes, original_currency=foreign,
        fx_rate=invert_rate(rate) if foreign and rate else None,
        description=" ".join(filter(None, (action, cells.text("name"), cells.text("notes")))),
        raw=cells.mapped() | {"line": cells.number},
    )


def _type(kind: str) -> str | None:
    if kind in BUYS:
        return "buy"
    if kind in SELLS:
        return "sell"
    if kind in CASH:
        return CASH[kind]
    if kind in INTEREST:
        return "interest"
    if kind.startswith("dividend"):
        return "dividend"
    if kind in (SPLIT_OPEN, SPLIT_CLOSE):
        return "split"
    if kind == "spin off":
        return "transfer_in"
    if kind in OTHER:
        return "other"
    return None


_SIGNS: dict[str, Callable[[Decimal], Decimal]] = {
    "buy": lambda t: -abs(t), "withdrawal": lambda t: -abs(t),
    "sell": abs, "deposit": abs, "interest": abs,
}


def _amount(type_: str, total: Decimal) -> Decimal:
    """Trading 212 writes totals unsigned; dividends and adjustments keep their sign."""
    return _SIGNS.get(type_, lambda t: t)(total)


def _splits(splits: dict, out: Collector) -> list[InvestmentTransactionRecord]:
    """Each close/open pair as one split: `quantity` = units added (new - old), ratio in raw."""
    records = []
    for (security, _time), legs in splits.items():
        if SPLIT_CLOSE not in legs or SPLIT_OPEN not in legs:
            cells = next(iter(legs.values()))[0]
            missing = "Stock split open" if SPLIT_CLOSE in legs else "Stock split close"
            out.errors.append(RowError(cells.number, cells.column("action"), f"has no matching {missing!r} row"))
            continue
        closed, before, close_id = legs[SPLIT_CLOSE]
        opened, after, open_id = legs[SPLIT_OPEN]
        when = closed.datetime("time", TIME_FORMATS)
        records.append(InvestmentTransactionRecord(
            external_id=close_id or f"split:{security}:{closed.text('time')}",
            type="split", booked_date=when.date(), booked_at=when, amount=Decimal(0),
            currency=_currency_of(closed, "total", "GBP"), security_external_id=security,
            quantity=after - before, description=f"Stock split {closed.text('name')}".strip(),
            raw={"ratio": str(after / before) if before else "", "quantity_before": str(before),
                 "quantity_after": str(after), "lines": [closed.number, opened.number], "open_id": open_id},
        ))
    return records
