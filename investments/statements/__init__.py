"""Shared pieces of the statement-file importers (`investments/providers/<slug>/`): encoding
sniffing, header rows found by name, strict values, stable row ids, the never-raise parse."""

from .base import Collector, StatementProvider, convert, invert_rate, security_id, signed, wrapper_from_text
from .decoding import NotText, decode
from .ids import RowIds
from .tables import (
    Cells,
    Column,
    Header,
    Line,
    find_header,
    normalise_header,
    read_lines,
    read_table,
    table_rows,
)
from .values import (
    DAY_FIRST,
    ISO_DATE,
    ISO_DATETIME,
    LONDON,
    BadValue,
    parse_date,
    parse_datetime,
    parse_decimal,
)

__all__ = [
    "DAY_FIRST", "ISO_DATE", "ISO_DATETIME", "LONDON", "BadValue", "Cells", "Collector", "Column", "Header",
    "Line", "NotText", "RowIds", "StatementProvider", "convert", "decode", "find_header", "invert_rate",
    "normalise_header", "parse_date", "parse_datetime", "parse_decimal", "read_lines", "read_table", "security_id", "signed",
    "table_rows", "wrapper_from_text",
]
