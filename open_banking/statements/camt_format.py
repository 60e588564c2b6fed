"""ISO 20022 CAMT.053 (bank-to-customer statement) XML, read with defusedxml (no entity
expansion, no external entities). Any version (.001.02 to .001.08): namespaces are ignored.

Per entry (<Ntry>): the amount is always positive, its sign is CdtDbtInd (DBIT = money out,
CRDT = money in); BookgDt is the booking date and ValDt the value date (either as <Dt> or
<DtTm>); only booked entries (Sts BOOK) are imported (a pending entry is in the next statement
again, booked); AcctSvcrRef, the bank's reference, is the key. The closing booked balance (CLBD)
is the account's balance."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from defusedxml import ElementTree
from django.utils import timezone

from integrations_core.records import AccountRecord

from .base import BankCollector, RowProblem, balance_at


def looks_like(text: str) -> bool:
    head = text.lstrip()[:4096]
    return "camt.053" in head or "BkToCstmrStmt" in head


def _strip(element) -> None:
    for node in element.iter():
        if isinstance(node.tag, str) and "}" in node.tag:
            node.tag = node.tag.split("}", 1)[1]


def _text(element, path: str) -> str:
    found = element.find(path) if element is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


def _date(element, path: str, column: str) -> date | None:
    holder = element.find(path)
    if holder is None:
        return None
    day, moment = _text(holder, "Dt"), _text(holder, "DtTm")
    try:
        if day:
            return date.fromisoformat(day[:10])
        if moment:
            parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
            return timezone.localtime(parsed).date() if timezone.is_aware(parsed) else parsed.date()
    except ValueError:
        raise RowProblem(column, f"{day or moment!r} is not a date.") from None
    return None


def _amount(element, column: str) -> tuple[Decimal, str]:
    found = element.find("Amt")
    try:
        value = Decimal((found.text or "").strip())
    except (InvalidOperation, AttributeError):
        raise RowProblem(column, "The amount is missing or not a number.") from None
    indicator = _text(element, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise RowProblem("CdtDbtInd", f"The credit/debit indicator is {indicator!r}, not CRDT or DBIT.")
    return (-value if indicator == "DBIT" else value), (found.get("Ccy") or "").upper()


def parse(text: str, *, bank: str, account_hint: str = ""):
    fallback = AccountRecord(external_id=f"file:{bank.casefold()}:{(account_hint or 'camt').casefold()}",
                             name=account_hint or bank or "Imported account", type="current", currency="EUR")
    collector = BankCollector(currency="EUR")
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - defusedxml refuses entities with its own errors
        collector.error(0, "", f"This is not a readable CAMT.053 XML file ({str(exc)[:200]}).")
        return collector.statement(fallback)
    _strip(root)
    statements = root.findall(".//Stmt")
    if not statements:
        collector.error(0, "", "The XML holds no CAMT.053 statement (<Stmt>).")
        return collector.statement(fallback)
    if len(statements) > 1:
        collector.error(0, "", f"The file holds {len(statements)} statements: export one account per file.")
        return collector.statement(fallback)
    statement = statements[0]
    iban = _text(statement, "Acct/Id/IBAN") or _text(statement, "Acct/Id/Othr/Id")
    currency = _text(statement, "Acct/Ccy").upper() or "EUR"
    collector.currency = currency
    account = fallback
    if iban:
        account = AccountRecord(external_id=f"iban:{iban.replace(' ', '').upper()}", currency=currency,
                                name=account_hint or f"{bank or _text(statement, 'Acct/Nm') or 'Account'} ····{iban[-4:]}",
                                type="current", masked_number=iban[-4:],
                                extra={"iban_masked": f"{iban[:4]}····{iban[-4:]}"})
    starts = [m.start() for m in re.finditer(r"<(?:\w+:)?Ntry[\s>]", text)]
    for index, entry in enumerate(statement.findall("Ntry")):
        line = text.count("\n", 0, starts[index]) + 1 if index < len(starts) else 0
        status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
        if status and status != "BOOK":
            continue
        collector.rows += 1
        try:
            amount, row_currency = _amount(entry, "Amt")
            booked = _date(entry, "BookgDt", "BookgDt")
            value_date = _date(entry, "ValDt", "ValDt")
            if booked is None:
                booked = value_date
            if booked is None:
                raise RowProblem("BookgDt", "The entry has no booking date.")
        except RowProblem as problem:
            collector.error(line, problem.column, problem.message)
            continue
        details = entry.find("NtryDtls/TxDtls")
        party = ""
        if details is not None:
            party = _text(details, "RltdPties/Cdtr/Nm" if amount < 0 else "RltdPties/Dbtr/Nm") or \
                _text(details, "RltdPties/Cdtr/Pty/Nm" if amount < 0 else "RltdPties/Dbtr/Pty/Nm")
        remittance = _text(details, "RmtInf/Ustrd") if details is not None else ""
        description = " ".join(p for p in (party, remittance or _text(entry, "AddtlNtryInf")) if p)
        reference = _text(entry, "AcctSvcrRef") or (_text(details, "Refs/AcctSvcrRef") if details is not None else "")
        collector.add(line, booked=booked, amount=amount, description=description or "(no description)",
                      currency=row_currency or currency, value_date=value_date,
                      external_id=f"ref:{reference}" if reference else "",
                      raw={"bank_code": _text(entry, "BkTxCd/Domn/Cd")})
    for balance in statement.findall("Bal"):
        if _text(balance, "Tp/CdOrPrtry/Cd") == "CLBD":
            try:
                amount, _ = _amount(balance, "Amt")
                collector.balance = balance_at(currency, amount, _date(balance, "Dt", "Dt"))
            except RowProblem:
                pass
    return collector.statement(account)
