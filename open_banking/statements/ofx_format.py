"""OFX and QFX (Quicken's OFX): version 1 (SGML, "OFXHEADER:100" headers, unclosed tags) and
version 2 (XML), both read by ofxtools. Each transaction is converted on its own, so one bad row
is one RowError (its line: where its <STMTTRN> starts) and the rest still preview. FITID is the
bank's own id: the key. DTPOSTED is the booking date (in London time: "20240402000000[+1:BST]"
is the 2nd), DTUSER the value date; LEDGERBAL the balance."""

from __future__ import annotations

import io
import logging
import re

from django.utils import timezone
from ofxtools.models.base import Aggregate
from ofxtools.Parser import OFXTree

from integrations_core.records import AccountRecord

from .base import BankCollector, balance_at

logger = logging.getLogger(__name__)
logging.getLogger("ofxtools").setLevel(logging.WARNING)  # it logs every element it converts at INFO

_STATEMENTS = {"STMTRS": ("BANKACCTFROM", "current"), "CCSTMTRS": ("CCACCTFROM", "credit_card")}
_ACCOUNT_TYPES = {"SAVINGS": "savings", "MONEYMRKT": "savings", "CREDITLINE": "credit_card", "CHECKING": "current"}


def looks_like(text: str) -> bool:
    head = text.lstrip()[:2048].upper()
    return head.startswith("OFXHEADER") or "<OFX>" in head or "<?OFX" in head


def _local_date(value):
    return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()


def _problem(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return text[:300]


def parse(text: str, *, bank: str, account_hint: str = ""):
    fallback = AccountRecord(external_id=f"file:{bank.casefold()}:{account_hint.casefold() or 'ofx'}",
                             name=account_hint or bank or "Imported account", type="current", currency="GBP")
    collector = BankCollector()
    tree = OFXTree()
    try:
        # ofxtools decodes by the file's own header (v1 "CHARSET:1252"); give it those bytes.
        charset = "windows-1252" if re.search(r"CHARSET:\s*1252", text[:1024]) else "utf-8"
        tree.parse(io.BytesIO(text.encode(charset, errors="replace")))
    except Exception as exc:  # noqa: BLE001 - ofxtools raises its own and stdlib errors alike
        collector.error(0, "", f"This is not a readable OFX file ({_problem(exc)}).")
        return collector.statement(fallback)
    statements = [element for element in tree._root.iter() if element.tag in _STATEMENTS]
    if not statements:
        collector.error(0, "", "The OFX file holds no bank or credit card statement.")
        return collector.statement(fallback)
    if len(statements) > 1:
        collector.error(0, "", f"The file holds {len(statements)} accounts: export one account per file.")
        return collector.statement(fallback)
    statement = statements[0]
    account_tag, account_type = _STATEMENTS[statement.tag]
    currency = (statement.findtext("CURDEF") or "GBP").strip().upper()
    collector.currency = currency
    account = fallback
    found = statement.find(account_tag)
    if found is not None:
        try:
            details = Aggregate.from_etree(found)
            number = str(details.acctid)
            bank_id = str(getattr(details, "bankid", "") or "")
            account_type = _ACCOUNT_TYPES.get(str(getattr(details, "accttype", "") or ""), account_type)
            account = AccountRecord(
                external_id=f"ofx:{bank_id}:{number}", name=account_hint or f"{bank or 'Account'} ····{number[-4:]}",
                type=account_type, currency=currency, masked_number=number[-4:],
                extra={"sort_code_masked": f"··-··-{bank_id[-2:]}"} if len(bank_id) == 6 else {})
        except Exception as exc:  # noqa: BLE001
            collector.error(_line_of(text, f"<{account_tag}>", 0), account_tag, f"The account is unreadable: {_problem(exc)}")
    starts = [m.start() for m in re.finditer(r"<STMTTRN>", text, re.I)]
    transactions = statement.find("BANKTRANLIST")
    for index, element in enumerate(transactions.findall("STMTTRN") if transactions is not None else []):
        line = text.count("\n", 0, starts[index]) + 1 if index < len(starts) else 0
        collector.rows += 1
        try:
            row = Aggregate.from_etree(element)
        except Exception as exc:  # noqa: BLE001 - one bad row, the rest still read
            field, message = _bad_field(element, exc)
            collector.error(line, field, message)
            continue
        name, memo = (row.name or "").strip(), (row.memo or "").strip()
        description = name if not memo or memo.casefold() in name.casefold() else f"{name} {memo}".strip()
        collector.add(line, booked=_local_date(row.dtposted), amount=row.trnamt, description=description or memo,
                      external_id=f"fitid:{row.fitid}" if row.fitid else "",
                      value_date=_local_date(row.dtuser) if row.dtuser else None,
                      raw={"trntype": row.trntype or "", "fitid": row.fitid or ""})
    ledger = statement.find("LEDGERBAL")
    if ledger is not None:
        try:
            balance = Aggregate.from_etree(ledger)
            collector.balance = balance_at(currency, balance.balamt, _local_date(balance.dtasof))
        except Exception:  # noqa: BLE001 - a statement without a readable balance still imports
            logger.info("OFX ledger balance unreadable; imported without a balance")
    return collector.statement(account)


def _line_of(text: str, tag: str, default: int) -> int:
    position = text.upper().find(tag)
    return text.count("\n", 0, position) + 1 if position >= 0 else default


def _bad_field(element, exc: Exception) -> tuple[str, str]:
    """Which element of a transaction ofxtools refused, said plainly ("TRNAMT", "'lots' is not
    valid"); the whole row when no single element is at fault (a missing required one)."""
    from ofxtools.models.bank.stmt import STMTTRN

    for child in element:
        converter = getattr(STMTTRN, child.tag.lower(), None)
        if converter is None or not hasattr(converter, "convert"):
            continue
        try:
            converter.convert(child.text)
        except Exception:  # noqa: BLE001
            return child.tag, f"{(child.text or '').strip()!r} is not a valid {child.tag}."
    return "STMTTRN", f"This transaction is unreadable: {_problem(exc)}"
