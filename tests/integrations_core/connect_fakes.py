"""Fake providers for the API-key and file-upload connect flows, and a fake portfolio writer
standing in for integrations_core.services.imports.portfolio while it is being written."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal, InvalidOperation

from integrations_core.providers.base import (
    AuthType,
    Capability,
    CredentialCheck,
    CredentialField,
    Family,
    Provider,
)
from integrations_core.providers.errors import ProviderAuthError
from integrations_core.providers.sources import ParsedStatement, RowError
from integrations_core.records import AccountRecord, InvestmentTransactionRecord, SecurityRecord

VALID_SECRET = "t212-secret-KEY-must-never-leak-0042"
BAD_SECRET = "t212-wrong-KEY-must-never-leak-0043"


class FakeKeySource:
    def __init__(self, provider: FakeKeyProvider, connection):
        self.provider, self.connection, self.calls = provider, connection, 0

    def list_accounts(self):
        self.calls += 1
        self.provider.synced_with.append(dict(self.connection.credentials))
        return []

    def fetch_account(self, account, *, since):  # pragma: no cover - no accounts
        raise AssertionError("no accounts")


class FakeKeyProvider(Provider):
    slug = "fakekey"
    name = "Fake Broker"
    family = Family.INVESTMENTS
    auth_type = AuthType.API_KEY
    capabilities = frozenset({Capability.ACCOUNTS, Capability.HOLDINGS})
    default_retry_after = 45
    # The only concrete Connection model installed today; the real one is the family's.
    connection_model = "open_banking.BankConnection"
    credential_fields = (
        CredentialField("key_id", "Key id", secret=False),
        CredentialField("secret", "Secret"),
        CredentialField("environment", "Environment", secret=False, choices=(("demo", "Practice"), ("live", "Live"))),
    )

    def __init__(self):
        self.check_error: Exception | None = None
        self.checks = 0
        self.synced_with: list[dict] = []

    def credentials_check(self, credentials):
        self.checks += 1
        if self.check_error is not None:
            raise self.check_error
        if credentials["secret"] != VALID_SECRET:
            raise ProviderAuthError(status=401)
        return CredentialCheck(external_id=f"acct-{credentials['key_id']}", institution_name="Fake Broker ISA",
                               scopes=frozenset({"account", "portfolio"}))

    def bind(self, connection):
        return FakeKeySource(self, connection)


class FakeStatementProvider(Provider):
    """CSV: date,action,ticker,quantity,amount. A bad cell is a RowError; bytes that are not
    UTF-8 give no rows (the file is unreadable)."""

    slug = "fakestatements"
    name = "Fake Platform (CSV)"
    family = Family.INVESTMENTS
    auth_type = AuthType.FILE_UPLOAD
    capabilities = frozenset({Capability.INVESTMENT_TRANSACTIONS})
    connection_model = "open_banking.BankConnection"
    max_bytes = 4000

    def parse(self, data: bytes, filename: str) -> ParsedStatement:
        account = AccountRecord(external_id="fake-isa", name="Fake ISA", type="investment", currency="GBP")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return ParsedStatement(account=account, errors=[RowError(1, "", "The file is not UTF-8 text.")])
        parsed = ParsedStatement(account=account)
        securities = {}
        for line, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            parsed.rows += 1
            try:
                day = date.fromisoformat(row["date"])
            except (TypeError, ValueError):
                parsed.errors.append(RowError(line, "date", "Not a date (YYYY-MM-DD)."))
                continue
            try:
                quantity, amount = Decimal(row["quantity"]), Decimal(row["amount"])
            except (TypeError, InvalidOperation):
                parsed.errors.append(RowError(line, "quantity", "Not a number."))
                continue
            ticker = row["ticker"]
            securities.setdefault(ticker, SecurityRecord(external_id=ticker, name=ticker, ticker=ticker))
            parsed.transactions.append(InvestmentTransactionRecord(
                external_id=None, type=row["action"], booked_date=day, amount=amount, currency="GBP",
                security_external_id=ticker, quantity=quantity, raw=dict(row)))
        parsed.securities = list(securities.values())
        return parsed


GOOD_CSV = (b"date,action,ticker,quantity,amount\n"
            b"2024-03-01,buy,VWRL,1.12345678,-100.50\n"
            b"2024-03-15,buy,ISF,10,-81.20\n")
BAD_CSV = (b"date,action,ticker,quantity,amount\n"
           b"2024-03-01,buy,VWRL,1,-100.50\n"
           b"yesterday,buy,VWRL,1,-100.50\n"
           b"2024-03-15,buy,ISF,ten,-81.20\n")


class FakePortfolioWriter:
    """statement_import_write(connection, parsed): idempotent by (connection, row content)."""

    def __init__(self):
        self.rows: set = set()
        self.calls: list = []
        self.error: Exception | None = None

    def __call__(self, connection, parsed: ParsedStatement) -> dict:
        self.calls.append((connection.pk, parsed))
        if self.error is not None:
            raise self.error
        added = 0
        for txn in parsed.transactions:
            key = (connection.pk, txn.booked_date, txn.security_external_id, txn.quantity, txn.amount)
            if key not in self.rows:
                self.rows.add(key)
                added += 1
        return {"added": added, "unchanged": len(parsed.transactions) - added}
