"""CSV tables inside statement files: rows with their line numbers, the header row found by
name (after any preamble, and more than one table per file), and cells read into values with
every problem collected as a RowError instead of raised."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from integrations_core.providers.sources import RowError

from .values import BadValue, parse_date, parse_datetime, parse_decimal

csv.field_size_limit(1_000_000)


@dataclass(frozen=True)
class Line:
    """One CSV record: `number` is the 1-based line of the file where it starts."""

    number: int
    cells: list[str]

    @property
    def blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)


@dataclass(frozen=True)
class Column:
    """A column the parser wants: `field` is our name for it, `header` how the platform writes
    it (shown in errors), `aliases` other spellings seen in older or other exports."""

    field: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = True

    def names(self) -> set[str]:
        return {normalise_header(name) for name in (self.header, *self.aliases)}


def normalise_header(text: str) -> str:
    """Headers compare case- and space-insensitively: " No. of  Shares " == "no. of shares"."""
    return re.sub(r"\s+", " ", text.replace("\ufeff", "")).strip().casefold()


def read_lines(text: str) -> list[Line]:
    """Every CSV record of the text, with its starting line number. The delimiter is sniffed
    (comma, tab or semicolon: whichever the first lines use most). Never raises."""
    sample = text[:8192]
    delimiter = max((",", "\t", ";"), key=sample.count)
    lines: list[Line] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            # A malformed record (e.g. a NUL or an unclosed quote at the end): keep its text as
            # one cell so the parser reports the line instead of the reader failing.
            cells = ["\x00"]
        lines.append(Line(start, [cell.strip() for cell in cells]))
        start = reader.line_num + 1
    return lines


@dataclass
class Header:
    """The header row found, and where each wanted column sits in it."""

    line: int
    index: dict[str, int]  # field -> cell position
    headers: dict[str, str]  # field -> the header text as written in the file

    def has(self, name: str) -> bool:
        return name in self.index


def find_header(lines: Sequence[Line], columns: Sequence[Column], *, start: int = 0,
                stop: int | None = None) -> tuple[int, Header] | RowError:
    """The first line (from `start`) holding every required column, found by name. Returns its
    position in `lines` and the Header; or, when none does, a RowError naming what is missing
    from the line that came closest (or the whole file when nothing resembles a header)."""
    best: tuple[int, int, list[str]] | None = None  # (found, position, missing headers)
    for position in range(start, len(lines) if stop is None else stop):
        cells = [normalise_header(cell) for cell in lines[position].cells]
        index: dict[str, int] = {}
        for column in columns:
            names = column.names()
            for at, cell in enumerate(cells):
                if cell in names and at not in index.values():
                    index[column.field] = at
                    break
        missing = [c.header for c in columns if c.required and c.field not in index]
        if not missing:
            headers = {name: lines[position].cells[at] for name, at in index.items()}
            return position, Header(lines[position].number, index, headers)
        found = sum(1 for c in columns if c.required and c.field in index)
        if found >= 2 and (best is None or found > best[0]):
            best = (found, position, missing)
    if best is not None:
        _found, position, missing = best
        shown = ", ".join(f"'{name}'" for name in missing)
        return RowError(lines[position].number, missing[0],
                        f"The header row has no column {shown}")
    wanted = ", ".join(c.header for c in columns if c.required)
    return RowError(0, "", f"No header row found: expected the columns {wanted}")


@dataclass
class Cells:
    """One data row read through its Header. Each reader returns None and records a RowError
    (line, column header, message) when the cell is wrong; `ok` says whether the row was clean."""

    line: Line
    header: Header
    errors: list[RowError] = field(default_factory=list)
    blank_values: frozenset[str] = frozenset()  # cells that mean "nothing here" ("n/a")

    def __post_init__(self) -> None:
        self._first_error = len(self.errors)  # `errors` is the file's list, shared by its rows

    @property
    def number(self) -> int:
        return self.line.number

    @property
    def ok(self) -> bool:
        """No error recorded for this row."""
        return len(self.errors) == self._first_error

    def text(self, name: str) -> str:
        at = self.header.index.get(name)
        if at is None or at >= len(self.line.cells):
            return ""
        value = self.line.cells[at].strip()
        return "" if value.casefold() in self.blank_values else value

    def mapped(self) -> dict[str, str]:
        """Every wanted column's text by our field name (for raw payloads and row ids)."""
        return {name: self.text(name) for name in sorted(self.header.index)}

    def column(self, name: str) -> str:
        return self.header.headers.get(name, name)

    def error(self, name: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.column(name) if name else "", message))

    def _read(self, name: str, required: bool, parse: Callable[[str], object]):
        value = self.text(name)
        if not value:
            if required:
                self.error(name, "is empty" if self.header.has(name) else "is missing")
            return None
        try:
            return parse(value)
        except BadValue as problem:
            self.error(name, str(problem))
            return None

    def decimal(self, name: str, *, required: bool = False, positive: bool = False) -> Decimal | None:
        value = self._read(name, required, parse_decimal)
        if value is not None and positive and value < 0:
            self.error(name, f"{self.text(name)!r} must not be negative")
            return None
        return value

    def date(self, name: str, formats: tuple[str, ...], *, required: bool = True) -> date | None:
        return self._read(name, required, lambda text: parse_date(text, formats))

    def datetime(self, name: str, formats: tuple[str, ...], *, tz=None, required: bool = True) -> datetime | None:
        kwargs = {"tz": tz} if tz is not None else {}
        return self._read(name, required, lambda text: parse_datetime(text, formats, **kwargs))


def table_rows(lines: Sequence[Line], position: int, header: Header, errors: list[RowError], *,
               until: Callable[[Line], bool] | None = None, blank_values: frozenset[str] = frozenset(),
               ) -> tuple[list[Cells], int]:
    """The data rows under a header: from the line after it to the first line `until` says ends
    the table (default: the end of the file), skipping blank lines. Returns the rows and the
    position where the table stopped."""
    rows: list[Cells] = []
    at = position + 1
    while at < len(lines):
        line = lines[at]
        if until is not None and until(line):
            break
        at += 1
        if line.blank:
            continue
        rows.append(Cells(line, header, errors, blank_values))
    return rows, at


def read_table(text: str, columns: Sequence[Column], errors: list[RowError], *,
               blank_values: frozenset[str] = frozenset()) -> tuple[list[Line], Header | None, list[Cells]]:
    """A file holding one table (after any preamble): its lines, header and data rows. A missing
    header is recorded in `errors` and gives no rows."""
    lines = read_lines(text)
    found = find_header(lines, columns)
    if isinstance(found, RowError):
        errors.append(found)
        return lines, None, []
    position, header = found
    rows, _end = table_rows(lines, position, header, errors, blank_values=blank_values)
    return lines, header, rows
