"""Bank CSV exports. No two banks agree, so the columns come from a mapping (roles -> header
names) the person confirms once per bank and we keep (BankStatementMapping); a first file gets a
guess from the header names. Either one signed amount column, or separate money-out (debit) and
money-in (credit) columns. Preamble lines above the header (Nationwide's account lines) are
skipped; thousands separators, currency signs, "DR"/"CR" and (brackets) are understood."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from integrations_core.records import AccountRecord

from .base import DATE_ORDERS, BankCollector, RowProblem, amount_parse, date_parse

ROLES = ("date", "description", "amount", "debit", "credit", "balance", "reference", "value_date")
REQUIRED = ("date", "description")

# Header names banks use, per role (casefolded, punctuation-free), best first.
_GUESSES = {
    "date": ("date", "transaction date", "posting date", "booking date", "completed date", "posted date"),
    "value_date": ("value date",),
    "description": ("description", "details", "transaction description", "narrative", "memo", "payee",
                    "transaction details", "name", "merchant", "reference description"),
    "amount": ("amount", "value", "amount gbp", "transaction amount", "amount (gbp)"),
    "debit": ("paid out", "money out", "debit", "debit amount", "withdrawals", "out", "spent"),
    "credit": ("paid in", "money in", "credit", "credit amount", "deposits", "in", "received"),
    "balance": ("balance", "running balance", "balance gbp"),
    "reference": ("reference", "transaction id", "id", "ref"),
}


@dataclass
class CsvTable:
    header_line: int  # 1-based
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line, cells)


def _plain(header: str) -> str:
    return re.sub(r"[^a-z0-9() ]+", " ", header.casefold()).strip()


def _dialect(text: str):
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        return csv.excel


def table_read(text: str) -> CsvTable | None:
    """The header row (the first of the first 20 rows that names a date column and at least two
    columns) and the data rows below it, with their line numbers. None: no header found."""
    reader = csv.reader(io.StringIO(text), _dialect(text))
    lines: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            lines.append((reader.line_num, cells))
    except csv.Error:
        pass
    for index, (line, cells) in enumerate(lines[:20]):
        names = [_plain(c) for c in cells]
        if len([n for n in names if n]) >= 2 and any("date" in n for n in names):
            rows = [(n, c) for n, c in lines[index + 1:] if any(cell.strip() for cell in c)]
            return CsvTable(line, [c.strip() for c in cells], rows)
    return None


def mapping_guess(headers: list[str]) -> dict:
    """Roles -> header, from the names banks use. Only what is recognised; no amount column
    when separate debit and credit columns exist."""
    plain = {_plain(h): h for h in headers if h}
    mapping: dict = {}
    taken: set = set()
    for role, names in _GUESSES.items():
        for name in names:
            if name in plain and plain[name] not in taken:
                mapping[role] = plain[name]
                taken.add(plain[name])
                break
    if "amount" in mapping and ("debit" in mapping or "credit" in mapping):
        mapping.pop("debit", None)
        mapping.pop("credit", None)
    return mapping


def mapping_problems(mapping: dict, headers: list[str]) -> list[str]:
    """Why a mapping cannot read this file ("" when it can)."""
    problems = []
    for role in REQUIRED:
        if not mapping.get(role):
            problems.append(f"Choose the {role} column.")
    if not mapping.get("amount") and not (mapping.get("debit") or mapping.get("credit")):
        problems.append("Choose an amount column, or the money-out and money-in columns.")
    for role in ROLES:
        if mapping.get(role) and mapping[role] not in headers:
            problems.append(f"The file has no column {mapping[role]!r} (for {role.replace('_', ' ')}).")
    if mapping.get("date_order", "dmy") not in DATE_ORDERS:
        problems.append("Choose the date order.")
    return problems


def parse(text: str, *, mapping: dict, account: AccountRecord, currency: str = "GBP"):
    """Rows of a bank CSV under `mapping`: {role: header, "date_order": "dmy", "decimal_comma":
    bool}. A negative number in a debit column is read as money out all the same."""
    collector = BankCollector(currency=currency)
    table = table_read(text)
    if table is None:
        collector.error(0, "", "No header row with a date column was found in the first 20 lines: is this a CSV "
                               "statement?")
        return collector.statement(account), None
    problems = mapping_problems(mapping, table.headers)
    if problems:
        collector.rows = len(table.rows)  # the rows are there; the columns are to be chosen
        for message in problems:
            collector.error(table.header_line, "", message)
        return collector.statement(account), table
    index = {h: i for i, h in enumerate(table.headers)}
    order = mapping.get("date_order", "dmy")
    comma = bool(mapping.get("decimal_comma"))

    def cell(cells: list[str], role: str) -> str:
        header = mapping.get(role)
        if not header:
            return ""
        position = index[header]
        return cells[position].strip() if position < len(cells) else ""

    for line, cells in table.rows:
        collector.rows += 1
        try:
            booked = date_parse(cell(cells, "date"), mapping["date"], order)
            value_text = cell(cells, "value_date")
            value_date = date_parse(value_text, mapping["value_date"], order) if value_text else None
            if mapping.get("amount"):
                amount = amount_parse(cell(cells, "amount"), mapping["amount"], decimal_comma=comma)
            else:
                out_text, in_text = cell(cells, "debit"), cell(cells, "credit")
                if out_text and in_text and amount_parse(out_text, mapping["debit"], decimal_comma=comma) \
                        and amount_parse(in_text, mapping["credit"], decimal_comma=comma):
                    raise RowProblem(mapping["debit"], "Both money out and money in are filled in.")
                if out_text:
                    amount = -abs(amount_parse(out_text, mapping["debit"], decimal_comma=comma))
                elif in_text:
                    amount = abs(amount_parse(in_text, mapping["credit"], decimal_comma=comma))
                else:
                    raise RowProblem(mapping.get("debit") or mapping.get("credit"),
                                     "Neither money out nor money in is filled in.")
            balance_text = cell(cells, "balance")
            balance = amount_parse(balance_text, mapping["balance"], decimal_comma=comma) if balance_text else None
            description = cell(cells, "description")
            if not description:
                raise RowProblem(mapping["description"], "The description is empty.")
        except RowProblem as problem:
            collector.error(line, problem.column, problem.message)
            continue
        collector.add(line, booked=booked, amount=amount, description=description, value_date=value_date,
                      running_balance=balance,
                      # A bank's "reference" repeats (every card payment says CARD PAYMENT): kept,
                      # never a key.
                      raw={"reference": cell(cells, "reference")} if mapping.get("reference") else None)
    return collector.statement(account), table


def newest_balance(statement) -> tuple[Decimal, object] | None:
    dated = [(r.booked_date, i, r.running_balance) for i, r in enumerate(statement.cash_transactions)
             if r.running_balance is not None]
    if not dated:
        return None
    day, _, balance = max(dated)
    if sum(1 for d, _, _ in dated if d == day) > 1:
        return None  # several rows on the last day: which came last is not in the file
    return balance, day
