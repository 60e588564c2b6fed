"""What every bank statement format shares: text decoding, amounts and dates as banks write
them, and a collector of one file's rows and errors (line, column, message)."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from integrations_core.providers.sources import ParsedStatement, RowError
from integrations_core.records import AccountRecord, BalanceRecord, TransactionRecord

DATE_ORDERS = ("dmy", "mdy", "ymd")  # UK banks write day first; US exports (and many QIF) month first


class NotText(ValueError):
    """The bytes are not a text file (the message says so)."""


class RowProblem(ValueError):
    """One field of one row cannot be read; `column` names it."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, message


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with a BOM, else windows-1252 (Excel on Windows). NUL bytes
    mean a binary file (a PDF, a spreadsheet), refused."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("windows-1252", errors="replace")
    if "\x00" in text[:8192]:
        raise NotText("The file is not a text file (is it a PDF or a spreadsheet? Export CSV, OFX, QIF or CAMT.053).")
    return text


_CURRENCY_MARKS = re.compile(r"[£$€\s\u00a0]|GBP|EUR|USD", re.I)


def amount_parse(text: str, column: str, *, decimal_comma: bool = False) -> Decimal:
    """"1,234.56", "-£61.86", "(61.86)", "61.86-", "61.86 DR"/"CR", "1.234,56" (decimal comma)."""
    raw = (text or "").strip()
    if not raw:
        raise RowProblem(column, "The amount is empty.")
    value = raw
    negative = False
    upper = value.upper()
    if upper.endswith(("DR", "CR")):
        negative, value = upper.endswith("DR"), value[:-2]
    value = _CURRENCY_MARKS.sub("", value)
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    if value.endswith("-"):
        negative, value = True, value[:-1]
    if value.startswith("+"):
        value = value[1:]
    if value.startswith("-"):
        negative, value = not negative, value[1:]
    if decimal_comma:
        value = value.replace(".", "").replace("'", "").replace(",", ".")
    else:
        value = value.replace(",", "").replace("'", "")
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", value):
        raise RowProblem(column, f"{raw!r} is not an amount.")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise RowProblem(column, f"{raw!r} is not an amount.") from None
    return -amount if negative else amount


_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                        "dec"), start=1)}


def date_parse(text: str, column: str, order: str = "dmy") -> date:
    """A date as banks write it, in the stated order: "03/04/2024", "3-4-24", "2024-04-03",
    "03 Apr 2024", "3 April 24". Two-digit years are 20xx (a statement is never from the 1900s
    below 70). ISO dates (four-digit year first) are read as such in any order."""
    raw = (text or "").strip()
    if not raw:
        raise RowProblem(column, "The date is empty.")
    parts = [p for p in re.split(r"[\s/.\-']+", raw) if p]
    try:
        if len(parts) == 3 and len(parts[0]) == 4 and parts[0].isdigit():
            year, month, day = int(parts[0]), _month(parts[1]), int(parts[2])
        elif len(parts) == 3 and not parts[1].isdigit():
            day, month, year = int(parts[0]), _month(parts[1]), _year(parts[2])
        elif len(parts) == 3 and not parts[0].isdigit():
            month, day, year = _month(parts[0]), int(parts[1]), _year(parts[2])
        elif len(parts) == 3:
            a, b, c = parts
            if order == "mdy":
                month, day, year = int(a), int(b), _year(c)
            elif order == "ymd":
                year, month, day = _year(a), int(b), int(c)
            else:
                day, month, year = int(a), int(b), _year(c)
        elif len(parts) == 1 and len(raw) == 8 and raw.isdigit():
            year, month, day = int(raw[:4]), int(raw[4:6]), int(raw[6:])
        else:
            raise ValueError
        return date(year, month, day)
    except (ValueError, KeyError):
        hint = {"dmy": "day/month/year", "mdy": "month/day/year", "ymd": "year-month-day"}.get(order, order)
        raise RowProblem(column, f"{raw!r} is not a date (read as {hint}).") from None


def _month(text: str) -> int:
    return int(text) if text.isdigit() else _MONTHS[text[:3].lower()]


def _year(text: str) -> int:
    year = int(text)
    if len(text) <= 2:
        year += 2000 if year < 70 else 1900
    return year


@dataclass
class BankCollector:
    """One file's rows (in file order) and every problem in it."""

    currency: str = "GBP"
    errors: list[RowError] = field(default_factory=list)
    transactions: list[TransactionRecord] = field(default_factory=list)
    rows: int = 0
    balance: BalanceRecord | None = None

    def error(self, line: int, column: str, message: str) -> None:
        self.errors.append(RowError(line, column, message))

    def add(self, line: int, *, booked: date, amount: Decimal, description: str, external_id: str = "",
            value_date: date | None = None, currency: str = "", raw: dict | None = None,
            running_balance: Decimal | None = None, category: str = "") -> None:
        self.transactions.append(TransactionRecord(
            external_id=external_id or None, booked_date=booked, amount=amount, currency=currency or self.currency,
            description=re.sub(r"\s+", " ", description or "").strip()[:500], value_date=value_date,
            running_balance=running_balance, provider_category=category[:200],
            raw={"source": "statement", "line": line, **(raw or {})}))

    def statement(self, account: AccountRecord) -> ParsedStatement:
        return ParsedStatement(account=account, cash_transactions=self.transactions, errors=self.errors,
                               rows=self.rows, balance=self.balance)


def balance_at(currency: str, amount: Decimal, day: date | None) -> BalanceRecord:
    from django.utils import timezone

    as_of = timezone.make_aware(datetime.combine(day, datetime.max.time().replace(microsecond=0))) if day else None
    return BalanceRecord(currency=currency, current=amount, as_of=as_of)
