"""Bank statement imports (docs/bank-imports.md): the person's choices (bank, account, CSV
columns, date order) around the core's preview/confirm (integrations_core/services/statements.py)
and its cash-statement writer. Views call these; nothing here renders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404

from integrations_core.models import ConnectionStatus, StatementImport
from integrations_core.providers.base import AuthType, Family
from integrations_core.providers.registry import registry
from integrations_core.selectors import provider_is_enabled
from integrations_core.services.imports.cash_statements import statement_duplicates, statement_keyed
from integrations_core.services.statements import (
    StatementError,
    statement_confirm,
    statement_options,
    statement_parsed,
    statement_preview,
    statement_reparse,
    statement_size_check,
)
from open_banking.models import BankAccount, BankStatementMapping
from open_banking.statements import FORMATS
from open_banking.statements.csv_format import ROLES

MAPPING_KEYS = (*ROLES, "date_order", "decimal_comma")


def bank_file_provider():
    """The registered provider that reads bank statement files (found by what it is, never by
    name), or None when none is registered or it is switched off."""
    for provider in registry.all():
        if (provider.family == Family.BANKING and provider.auth_type == AuthType.FILE_UPLOAD
                and provider_is_enabled(provider.slug) and provider.is_configured()):
            return provider
    return None


def _provider():
    provider = bank_file_provider()
    if provider is None:
        raise StatementError("provider_unavailable", "Bank statement imports are not available right now.",
                             field="file", status=503)
    return provider


def importable_accounts(user):
    """The person's bank accounts a file may go into (any connection not disconnected)."""
    return (BankAccount.objects.filter(connection__user=user, is_active=True)
            .exclude(connection__status=ConnectionStatus.REVOKED).select_related("connection")
            .order_by("connection__institution_name", "name"))


def importable_account_get(user, pk) -> BankAccount:
    """One of the person's accounts, else 404 (another person's account is not found)."""
    try:
        return importable_accounts(user).get(pk=pk)
    except (BankAccount.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404("No such account.") from None


def bank_key(bank: str) -> str:
    return " ".join((bank or "").split()).casefold()[:100]


def mapping_for(user, bank: str) -> dict:
    found = BankStatementMapping.objects.filter(user=user, bank_key=bank_key(bank)).first()
    return dict(found.columns) if found else {}


def mapping_save(user, bank: str, columns: dict) -> BankStatementMapping | None:
    if not bank_key(bank):
        return None
    clean = {k: v for k, v in columns.items() if k in MAPPING_KEYS and v not in (None, "")}
    saved, _ = BankStatementMapping.objects.update_or_create(
        user=user, bank_key=bank_key(bank), defaults={"bank": " ".join(bank.split())[:100], "columns": clean})
    return saved


def mapping_list(user):
    return BankStatementMapping.objects.filter(user=user)


def bank_statement_preview(user, *, upload: bytes, filename: str, bank: str, account: BankAccount | None = None,
                           account_name: str = "", mapping: dict | None = None, date_order: str = "",
                           file_format: str = "", currency: str = "") -> StatementImport:
    """Preview a file for `account` (one of the person's, checked by the caller with
    importable_account_get) or for an account of its own. A CSV is read with `mapping`, else the
    bank's saved mapping, else a guess; a mapping that reads the file cleanly is saved for the bank."""
    if file_format and file_format not in FORMATS:
        raise StatementError("invalid_format", f"Choose one of: {', '.join(FORMATS)}.", field="format")
    if date_order and date_order not in ("auto", "dmy", "mdy", "ymd"):
        raise StatementError("invalid_date_order", "Choose auto, dmy, mdy or ymd.", field="date_order")
    options = {"bank": " ".join((bank or "").split())[:100], "account_name": account_name.strip()[:100],
               "mapping": _clean_mapping(mapping) if mapping else mapping_for(user, bank),
               "date_order": date_order, "format": file_format,
               "currency": (currency or (account.currency if account else "") or "GBP").upper()[:3]}
    if account is not None:
        options["account"] = str(account.pk)
        options["account_name"] = options["account_name"] or account.name
    preview = statement_preview(user=user, provider=_provider(), upload=upload, filename=filename, options=options)
    _remember_mapping(user, preview)
    return preview


def bank_statement_file_preview(user, *, file, **options) -> StatementImport:
    """An uploaded file (the web form's and the API's): refused by size before it is read, then
    previewed by `bank_statement_preview` with the same options."""
    provider = bank_file_provider()
    if provider is not None:
        statement_size_check(provider, file.size)
    return bank_statement_preview(user, upload=file.read(), filename=file.name, **options)


def bank_statement_remap(statement_import: StatementImport, *, mapping: dict | None = None,
                         date_order: str = "") -> StatementImport:
    """Read the same file again with other CSV columns or another date order."""
    changes: dict = {}
    if mapping is not None:
        changes["mapping"] = _clean_mapping(mapping)
    if date_order:
        if date_order not in ("auto", "dmy", "mdy", "ymd"):
            raise StatementError("invalid_date_order", "Choose auto, dmy, mdy or ymd.", field="date_order")
        changes["date_order"] = date_order
        if "mapping" in changes:
            changes["mapping"]["date_order"] = date_order if date_order != "auto" else "dmy"
    fresh = statement_reparse(statement_import, changes)
    _remember_mapping(fresh.user, fresh)
    return fresh


def _clean_mapping(mapping: dict) -> dict:
    clean = {k: str(v).strip() for k, v in (mapping or {}).items() if k in MAPPING_KEYS and k != "decimal_comma"
             and v not in (None, "")}
    if (mapping or {}).get("decimal_comma") in (True, "true", "on", "1", 1):
        clean["decimal_comma"] = True
    return clean


def _remember_mapping(user, preview: StatementImport) -> None:
    options = statement_options(preview)
    if options.get("format") == "csv" and not preview.errors and options.get("mapping"):
        mapping_save(user, options.get("bank", ""), options["mapping"])


def bank_statement_confirm(statement_import: StatementImport) -> StatementImport:
    """Import a preview into the account chosen at upload (its connection), or the file's own."""
    options = statement_options(statement_import)
    connection = None
    if options.get("account"):
        account = importable_accounts(statement_import.user).filter(pk=options["account"]).first()
        if account is None:
            raise StatementError("invalid_account", "That account is no longer available: upload the file again.",
                                 field="account")
        connection = account.connection
    return statement_confirm(statement_import, connection=connection)


@dataclass(frozen=True)
class PreviewRow:
    line: int
    booked_date: date
    value_date: date | None
    description: str
    amount: Decimal
    currency: str
    state: str  # new | duplicate (the bank already reported it) | imported (an earlier file brought it)


def bank_statement_rows(statement_import: StatementImport) -> list[PreviewRow]:
    """What confirming would do, row by row."""
    parsed = statement_parsed(statement_import)
    if parsed is None or not parsed.cash_transactions:
        return []
    account = _preview_account(statement_import, parsed)
    states: dict[str, str] = {}
    if account is not None:
        keyed = statement_keyed(account, parsed)
        stored = set(account.transactions.filter(external_id__in=[k for k, _, _ in keyed])
                     .values_list("external_id", flat=True))
        duplicates = statement_duplicates(account, keyed)
        states = {key: "imported" if key in stored else "duplicate" if key in duplicates else "new"
                  for key, _, _ in keyed}
        records = [(states[key], record) for key, _, record in keyed]
    else:
        records = [("new", record) for record in parsed.cash_transactions]
    return [PreviewRow(line=int(record.raw.get("line", 0)), booked_date=record.booked_date,
                       value_date=record.value_date, description=record.description, amount=record.amount,
                       currency=record.currency, state=state) for state, record in records]


def _preview_account(statement_import: StatementImport, parsed) -> BankAccount | None:
    chosen = (parsed.options or {}).get("account")
    accounts = BankAccount.objects.filter(connection__user=statement_import.user)
    if chosen:
        return accounts.filter(pk=chosen).first()
    return accounts.filter(connection__provider=statement_import.provider,
                           external_id=parsed.account.external_id).first()


def preview_summary(rows: list[PreviewRow]) -> dict:
    counts = {"new": 0, "duplicate": 0, "imported": 0}
    money_in = money_out = Decimal(0)
    for row in rows:
        counts[row.state] += 1
        if row.state == "new":
            if row.amount >= 0:
                money_in += row.amount
            else:
                money_out += -row.amount
    return {**counts, "money_in": money_in, "money_out": money_out}
