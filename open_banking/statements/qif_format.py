"""QIF (Quicken Interchange Format), hand-read: quiffen, the maintained library, stops at the
first bad record without a line number and guesses each date's order on its own through
dateutil (so "13/01/24" and "01/02/24" in one file may be read in different orders). A QIF
bank record is a handful of one-letter lines ending in "^", so a small reader gives every bad
row its line and reads the whole file in one date order.

Dates: "03/04/2024", "3/4'24" (Quicken writes the year after an apostrophe from 2000), "3/ 4/24"
(space-padded), "2024-04-03". The order (day or month first) is the person's choice, or found
from the file: a first part over 12 means day first, a second part over 12 month first; a file
where every date could be either is read day first (UK) and the preview says so."""

from __future__ import annotations

import re

from integrations_core.records import AccountRecord

from .base import BankCollector, RowProblem, amount_parse, date_parse

_TYPES = {"bank": "current", "cash": "current", "ccard": "credit_card", "oth a": "other", "oth l": "loan"}
_DATE_PARTS = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*(?:[/.\-']\s*(\d{2,4}))\s*$")


def looks_like(text: str) -> bool:
    return text.lstrip().upper().startswith("!TYPE:") or text.lstrip().upper().startswith("!ACCOUNT")


def date_order_found(dates: list[str]) -> str | None:
    """"dmy" or "mdy" when some date settles it, None when every one could be either."""
    for text in dates:
        match = _DATE_PARTS.match(text.replace(" ", "0") if "/ " in text else text)
        if match:
            first, second = int(match.group(1)), int(match.group(2))
            if first > 12 >= second:
                return "dmy"
            if second > 12 >= first:
                return "mdy"
    return None


def _records(text: str):
    """(start line, {code: [(line, value)]}) per record of the first account section."""
    record: dict = {}
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        if line.startswith("!"):
            continue
        if line.startswith("^"):
            if record:
                yield start, record
            record, start = {}, 0
            continue
        start = start or number
        record.setdefault(line[0].upper(), []).append((number, line[1:].strip()))
    if record:
        yield start, record


def parse(text: str, *, bank: str, account_hint: str = "", date_order: str = "auto"):
    header = next((line.strip() for line in text.splitlines() if line.strip()), "")
    kind = header.split(":", 1)[1].strip().casefold() if header.upper().startswith("!TYPE:") else "bank"
    account = AccountRecord(external_id=f"file:{bank.casefold()}:{(account_hint or 'qif').casefold()}",
                            name=account_hint or bank or "Imported account", type=_TYPES.get(kind, "current"),
                            currency="GBP")
    collector = BankCollector()
    if kind.startswith(("invst", "port", "memorized", "cat", "class")):
        collector.error(1, "", f"This QIF file holds {header[6:]!r} records, not a bank account's transactions.")
        return collector.statement(account), None
    records = list(_records(text))
    order = date_order
    if order not in ("dmy", "mdy", "ymd"):
        order = date_order_found([values[0][1] for _, r in records for code, values in r.items() if code == "D"]) \
            or "dmy"
    for start, record in records:
        collector.rows += 1
        try:
            if "D" not in record:
                raise RowProblem("D", "The record has no date (D line).")
            date_line, date_text = record["D"][0]
            booked = date_parse(date_text.replace("/ ", "/0").replace(" ", ""), "D", order)
            amount_field = record.get("T") or record.get("U")
            if not amount_field:
                raise RowProblem("T", "The record has no amount (T line).")
            amount = amount_parse(amount_field[0][1], "T")
        except RowProblem as problem:
            line = next((n for n, _ in record.get(problem.column, [])), start)
            collector.error(line, problem.column, problem.message)
            continue
        payee = record.get("P", [(0, "")])[0][1]
        memo = record.get("M", [(0, "")])[0][1]
        number = record.get("N", [(0, "")])[0][1]
        description = payee if not memo or memo.casefold() in payee.casefold() else f"{payee} {memo}".strip()
        collector.add(start, booked=booked, amount=amount, description=description or memo or number,
                      category=record.get("L", [(0, "")])[0][1],
                      raw={"number": number} if number else None)
    return collector.statement(account), order
