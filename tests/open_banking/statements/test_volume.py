"""A year of a busy account (3,000 rows) into an account already holding the same year from a
sync: every row is found as the bank's, in one pass (rows are compared only with rows of the
same amount), and the counts are right. Prints the time (no timing assertion: shared CI)."""

from __future__ import annotations

import time
from datetime import date, timedelta
from decimal import Decimal

import pytest

from integrations_core.models import ConnectionStatus
from integrations_core.records import AccountData, AccountRecord, TransactionRecord
from integrations_core.services.imports.transactions import transactions_import
from open_banking.models import BankAccount, BankConnection, BankTransaction
from open_banking.services import statement_imports as imports

pytestmark = pytest.mark.django_db
ROWS = 3000
MERCHANTS = ["TESCO STORES", "SAINSBURYS", "PRET A MANGER", "TFL TRAVEL", "AMAZON UK", "COSTA COFFEE"]


def test_a_year_of_rows_against_a_synced_year(user):
    connection = BankConnection.objects.create(user=user, provider="truelayer", status=ConnectionStatus.ACTIVE)
    account = BankAccount.objects.create(connection=connection, external_id="tl", name="Busy", type="current",
                                         currency="GBP")
    start = date(2024, 1, 1)
    payments = [(start + timedelta(days=i * 365 // ROWS), Decimal(-((i * 37) % 5000 + 100)) / 100,
                 MERCHANTS[i % len(MERCHANTS)]) for i in range(ROWS)]
    transactions_import(account, AccountData(
        account=AccountRecord("tl", "Busy", "current", "GBP"),
        booked=[TransactionRecord(f"tl-{i}", day, amount, "GBP", name.title()) for i, (day, amount, name)
                in enumerate(payments)]))
    lines = ["Date,Description,Amount"] + [f"{(day + timedelta(days=1)).strftime('%d/%m/%Y')},{name} {i},{amount}"
                                          for i, (day, amount, name) in enumerate(payments)]
    began = time.perf_counter()
    preview = imports.bank_statement_preview(user, upload="\n".join(lines).encode(), filename="year.csv",
                                             bank="Busy Bank", account=account)
    previewed = time.perf_counter()
    result = imports.bank_statement_confirm(preview)
    done = time.perf_counter()
    print(f"\n{ROWS} rows vs {ROWS} synced: preview {previewed - began:.2f} s, confirm {done - previewed:.2f} s")
    assert (result.added, result.unchanged) == (0, ROWS)
    assert BankTransaction.objects.filter(account=account).count() == ROWS
