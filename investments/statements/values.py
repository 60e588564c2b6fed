"""Strict cell values: Decimal amounts and dates exactly as the file writes them.

Amounts accept what UK platforms write: "1234.56", "1,234.56", "£1,234.56", "-£12.30", "£-12.30",
"(12.30)" (negative), "+5". They refuse what could be misread: exponents ("1.2e3"), NaN and
infinities, badly grouped thousands ("1,23.4"), stray text. Never float."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

_NUMBER = re.compile(
    r"""^(?P<sign>[-+])?\s*(?P<symbol>[£$€])?\s*(?P<sign2>[-+])?
        (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?|\.\d+)$""",
    re.VERBOSE,
)

DAY_FIRST = ("%d/%m/%Y", "%d/%m/%y", "%d-%m-%Y")  # UK: 09/03/2026
ISO_DATE = ("%Y-%m-%d",)
ISO_DATETIME = ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S")


class BadValue(ValueError):
    """A cell that is not what its column needs; the message is for the person."""


def parse_decimal(text: str) -> Decimal:
    """The exact Decimal a cell writes (see the module docstring). Raises BadValue."""
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1]
    match = _NUMBER.match(value)
    if not match or (match["sign"] and match["sign2"]) or (negative and (match["sign"] or match["sign2"])):
        raise BadValue(f"{text.strip()!r} is not a number")
    try:
        number = Decimal(match["number"].replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        raise BadValue(f"{text.strip()!r} is not a number") from None
    if negative or "-" in (match["sign"] or "", match["sign2"] or ""):
        number = -number
    return number


def parse_date(text: str, formats: tuple[str, ...]) -> date:
    """A date in one of the file's own formats (UK day-first or ISO, never guessed). BadValue."""
    value = text.strip()
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise BadValue(f"{value!r} is not a date ({_shown(formats)})")


def parse_datetime(text: str, formats: tuple[str, ...], tz=UTC) -> datetime:
    """An aware datetime: ISO 8601 with an offset or "Z" as written, else one of `formats` in `tz`."""
    value = text.strip()
    if value.endswith(("Z", "z")) or re.search(r"[+-]\d\d:\d\d$", value):
        try:
            parsed = datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "Zz" else value)
            return parsed.astimezone(UTC)
        except ValueError:
            pass
    for fmt in formats:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    raise BadValue(f"{value!r} is not a date and time ({_shown(formats)})")


def _shown(formats: tuple[str, ...]) -> str:
    examples = {"%d/%m/%Y": "dd/mm/yyyy", "%d/%m/%y": "dd/mm/yy", "%d-%m-%Y": "dd-mm-yyyy",
                "%Y-%m-%d": "yyyy-mm-dd", "%Y-%m-%d %H:%M:%S": "yyyy-mm-dd hh:mm:ss",
                "%d/%m/%y %H:%M:%S": "dd/mm/yy hh:mm:ss", "%Y-%m-%dT%H:%M:%S": "yyyy-mm-ddThh:mm:ssZ"}
    shown = [examples[f] for f in formats if f in examples]
    return "expected " + " or ".join(dict.fromkeys(shown)) if shown else "unexpected format"
