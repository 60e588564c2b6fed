"""Bank statement files (docs/bank-imports.md): a registry of formats, each a module with
`looks_like(text)` and a reader, behind the one bank-file provider
(open_banking/providers/bank_file/). A new format is one module and one FORMATS entry.

`statement_read(data, filename, options)` never raises: every problem is a RowError. What the
reader settled (the format, a CSV's headers and mapping, a QIF's date order) goes back in
`ParsedStatement.options`, so the preview can show it and the person can change it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from integrations_core.providers.sources import ParsedStatement, RowError
from integrations_core.records import AccountRecord

from . import camt_format, csv_format, ofx_format, qif_format
from .base import NotText, decode

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StatementFormat:
    slug: str
    name: str
    extensions: tuple[str, ...]
    looks_like: Callable[[str], bool]
    read: Callable[[str, dict, str], ParsedStatement]


def _read_csv(text: str, options: dict, filename: str) -> ParsedStatement:
    account = _file_account(options, "csv")
    table = csv_format.table_read(text)
    mapping = dict(options.get("mapping") or {})
    if table is not None and not any(mapping.get(role) for role in csv_format.ROLES):
        mapping = {**csv_format.mapping_guess(table.headers), **{k: v for k, v in mapping.items() if v}}
    mapping.setdefault("date_order", options.get("date_order") if options.get("date_order") in
                       ("dmy", "mdy", "ymd") else "dmy")
    parsed, table = csv_format.parse(text, mapping=mapping, account=account, currency=options.get("currency") or "GBP")
    if not parsed.errors:
        newest = csv_format.newest_balance(parsed)
        if newest is not None:
            from .base import balance_at

            parsed.balance = balance_at(parsed.account.currency, newest[0], newest[1])
    parsed.options = {"headers": table.headers if table else [], "mapping": mapping}
    return parsed


def _read_ofx(text: str, options: dict, filename: str) -> ParsedStatement:
    return ofx_format.parse(text, bank=options.get("bank", ""), account_hint=options.get("account_name", ""))


def _read_qif(text: str, options: dict, filename: str) -> ParsedStatement:
    parsed, order = qif_format.parse(text, bank=options.get("bank", ""), account_hint=options.get("account_name", ""),
                                     date_order=options.get("date_order") or "auto")
    parsed.options = {"date_order": order or ""}
    return parsed


def _read_camt(text: str, options: dict, filename: str) -> ParsedStatement:
    return camt_format.parse(text, bank=options.get("bank", ""), account_hint=options.get("account_name", ""))


# Sniffed in this order (the text decides; the extension only breaks a tie with CSV).
FORMATS: dict[str, StatementFormat] = {f.slug: f for f in (
    StatementFormat("ofx", "OFX / QFX", (".ofx", ".qfx"), ofx_format.looks_like, _read_ofx),
    StatementFormat("camt053", "CAMT.053 XML", (".xml", ".053"), camt_format.looks_like, _read_camt),
    StatementFormat("qif", "QIF", (".qif",), qif_format.looks_like, _read_qif),
    StatementFormat("csv", "CSV", (".csv", ".txt"), lambda text: True, _read_csv),
)}


def format_for(text: str, filename: str, chosen: str = "") -> StatementFormat:
    if chosen in FORMATS:
        return FORMATS[chosen]
    for statement_format in FORMATS.values():
        if statement_format.slug != "csv" and statement_format.looks_like(text):
            return statement_format
    return FORMATS["csv"]


def _file_account(options: dict, kind: str) -> AccountRecord:
    bank = (options.get("bank") or "").strip()
    name = (options.get("account_name") or "").strip()
    return AccountRecord(external_id=f"file:{bank.casefold()}:{(name or kind).casefold()}",
                         name=name or bank or "Imported account", type=options.get("account_type") or "current",
                         currency=(options.get("currency") or "GBP").upper())


def statement_read(data: bytes, filename: str, options: dict | None = None) -> ParsedStatement:
    options = dict(options or {})
    fallback = _file_account(options, "file")
    try:
        if not bytes(data).strip():
            return ParsedStatement(account=fallback, errors=[RowError(0, "", "The file is empty.")])
        text = decode(bytes(data))
        statement_format = format_for(text, filename, options.get("format", ""))
        parsed = statement_format.read(text, options, filename)
    except NotText as problem:
        return ParsedStatement(account=fallback, errors=[RowError(0, "", str(problem))])
    except Exception:  # the contract: bad input never raises; a bug is logged, not shown
        logger.exception("bank statement parse failed")
        return ParsedStatement(account=fallback, errors=[RowError(0, "", "The file could not be read.")])
    parsed.options = {**parsed.options, "format": statement_format.slug,
                      **{k: v for k, v in options.items() if k in ("bank", "account", "account_name")}}
    if parsed.rows == 0 and not parsed.errors:
        parsed.errors = [RowError(0, "", "The file holds no transactions.")]
    return parsed
