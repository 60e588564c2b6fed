"""Importing bank statement files: into an account of their own or into a synced account,
duplicates against the synced rows (both orders), re-imports that change nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.http import Http404

from integrations_core.models import ConnectionStatus, StatementImportStatus
from integrations_core.records import AccountData, AccountRecord, TransactionRecord
from integrations_core.services.imports.duplicates import descriptions_alike
from integrations_core.services.imports.transactions import transactions_import
from integrations_core.services.statements import StatementError
from open_banking.models import BankAccount, BankConnection, BankStatementMapping, BankTransaction
from open_banking.services import statement_imports as imports

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def frozen():
    with time_machine.travel("2024-04-20 12:00 +01:00", tick=False):
        yield


def upload(user, name, **kwargs):
    return imports.bank_statement_preview(user, upload=(FIXTURES / name).read_bytes(), filename=name,
                                          bank=kwargs.pop("bank", "Santander"), **kwargs)


def booked(day, amount, description, external_id):
    return TransactionRecord(external_id=external_id, booked_date=day, amount=Decimal(amount), currency="GBP",
                             description=description)


@pytest.fixture
def synced_account(user):
    """A TrueLayer account whose rows came from a sync (the sync's own writer)."""
    connection = BankConnection.objects.create(user=user, provider="truelayer", status=ConnectionStatus.ACTIVE,
                                               institution_name="Santander")
    account = BankAccount.objects.create(connection=connection, external_id="tl-acc-1", name="Everyday",
                                         type="current", currency="GBP")
    data = AccountData(account=AccountRecord("tl-acc-1", "Everyday", "current", "GBP"), booked=[
        booked(date(2024, 4, 2), "-61.86", "Tesco Stores", "tl-1"),      # the OFX's TESCO STORES 3297
        booked(date(2024, 4, 5), "2500.00", "ACME LTD SALARY", "tl-2"),  # 2 days after the OFX's 3rd
        booked(date(2024, 4, 4), "-1250.00", "Council tax", "tl-3"),     # same amount, another payment
    ], window_from=date(2024, 3, 25), window_to=date(2024, 4, 6))
    transactions_import(account, data)
    return account


def test_into_an_account_of_its_own_then_reimport_changes_nothing(user):
    preview = upload(user, "santander_v1.ofx")
    assert preview.status == StatementImportStatus.PREVIEWED and preview.errors == []
    assert [r.state for r in imports.bank_statement_rows(preview)] == ["new", "new", "new"]
    imported = imports.bank_statement_confirm(preview)
    assert (imported.added, imported.unchanged) == (3, 0)
    account = BankAccount.objects.get(connection__user=user, external_id="ofx:090128:12345678")
    assert account.connection.status == ConnectionStatus.ACTIVE and account.connection.next_sync_at is None
    assert account.current_balance == Decimal("3188.14")
    before = list(BankTransaction.objects.filter(account=account).order_by("external_id")
                  .values_list("external_id", "updated_at"))
    assert all(key.startswith("stmt:fitid:") for key, _ in before)

    again = upload(user, "santander_v1.ofx")
    assert {r.state for r in imports.bank_statement_rows(again)} == {"imported"}
    with pytest.raises(StatementError) as refused:
        imports.bank_statement_confirm(again)
    assert refused.value.status == 409

    # An overlapping file (same rows, one more, other line numbers) adds only the new row.
    text = (FIXTURES / "santander_v1.ofx").read_text().replace(
        "</BANKTRANLIST>", "<STMTTRN>\r\n<TRNTYPE>DEBIT\r\n<DTPOSTED>20240405\r\n<TRNAMT>-9.99\r\n"
                           "<FITID>202404050001\r\n<NAME>NETFLIX\r\n</STMTTRN>\r\n</BANKTRANLIST>")
    text = text.replace("<BANKTRANLIST>", "<BANKTRANLIST>\r\n\r\n")
    overlapping = imports.bank_statement_preview(user, upload=text.encode(), filename="april.ofx", bank="Santander")
    assert [r.state for r in imports.bank_statement_rows(overlapping)] == ["imported"] * 3 + ["new"]
    result = imports.bank_statement_confirm(overlapping)
    assert (result.added, result.unchanged) == (1, 3)
    after = dict(BankTransaction.objects.filter(account=account).values_list("external_id", "updated_at"))
    assert all(after[key] == stamp for key, stamp in before)  # no stored row rewritten


def test_into_a_synced_account_the_banks_rows_are_not_imported_twice(user, synced_account):
    preview = upload(user, "santander_v1.ofx", account=synced_account)
    states = [(r.description, r.state) for r in imports.bank_statement_rows(preview)]
    assert states == [("TESCO STORES 3297 CARD PAYMENT", "duplicate"), ("ACME LTD SALARY", "duplicate"),
                      ("LANDLORD RENT", "new")]
    result = imports.bank_statement_confirm(preview)
    assert (result.added, result.unchanged) == (1, 2)
    rows = BankTransaction.objects.filter(account=synced_account)
    assert rows.count() == 4
    assert rows.filter(amount=Decimal("-1250.00")).count() == 2  # rent and council tax: two payments
    assert not BankAccount.objects.filter(connection__user=user, external_id="ofx:090128:12345678").exists()
    assert synced_account.connection.provider == "truelayer"


def test_a_sync_after_the_import_takes_the_imported_row_over(user, synced_account):
    imports.bank_statement_confirm(upload(user, "santander_v1.ofx", account=synced_account))
    rent = BankTransaction.objects.get(account=synced_account, description="LANDLORD RENT")
    rent.notes, rent.locked_fields = "April rent", ["notes"]
    rent.save()
    data = AccountData(account=AccountRecord("tl-acc-1", "Everyday", "current", "GBP"), booked=[
        booked(date(2024, 4, 2), "-61.86", "Tesco Stores", "tl-1"),
        booked(date(2024, 4, 5), "2500.00", "ACME LTD SALARY", "tl-2"),
        booked(date(2024, 4, 4), "-1250.00", "Council tax", "tl-3"),
        booked(date(2024, 4, 5), "-1250.00", "Landlord Rent Ltd", "tl-4"),  # the file's rent, a day later
    ], window_from=date(2024, 3, 25), window_to=date(2024, 4, 19))
    result = transactions_import(synced_account, data)
    assert result.added == 0
    taken = BankTransaction.objects.get(pk=rent.pk)
    assert (taken.external_id, taken.description, taken.notes) == ("tl-4", "Landlord Rent Ltd", "April rent")
    assert BankTransaction.objects.filter(account=synced_account).count() == 4


def test_a_window_sync_never_removes_imported_rows(user, synced_account):
    imports.bank_statement_confirm(upload(user, "santander_v1.ofx", account=synced_account))
    data = AccountData(account=AccountRecord("tl-acc-1", "Everyday", "current", "GBP"), booked=[
        booked(date(2024, 4, 2), "-61.86", "Tesco Stores", "tl-1"),
        booked(date(2024, 4, 5), "2500.00", "ACME LTD SALARY", "tl-2"),
        booked(date(2024, 4, 4), "-1250.00", "Council tax", "tl-3"),
    ], window_from=date(2024, 3, 25), window_to=date(2024, 4, 19))
    transactions_import(synced_account, data)
    assert BankTransaction.objects.filter(account=synced_account, description="LANDLORD RENT").exists()


def test_csv_mapping_saved_per_bank_and_remap(user):
    preview = upload(user, "nationwide_debit_credit.csv", bank="Nationwide", account_name="FlexAccount")
    assert preview.errors == []
    saved = BankStatementMapping.objects.get(user=user, bank_key="nationwide")
    assert saved.columns["debit"] == "Paid out" and saved.columns["credit"] == "Paid in"

    # A wrong mapping: a row error per problem, and the file can be read again without uploading.
    wrong = imports.bank_statement_remap(preview, mapping={"date": "Date", "description": "Transaction type",
                                                           "amount": "Balance"})
    assert wrong.errors == [] and imports.bank_statement_rows(wrong)[0].amount == Decimal("4438.14")
    missing = imports.bank_statement_remap(wrong, mapping={"date": "Date"})
    assert missing.status == StatementImportStatus.REJECTED
    assert {e["message"] for e in missing.errors} >= {"Choose the description column."}
    fixed = imports.bank_statement_remap(missing, mapping={"date": "Date", "description": "Description",
                                                           "debit": "Paid out", "credit": "Paid in"})
    assert fixed.errors == [] and imports.bank_statement_confirm(fixed).added == 4
    assert imports.mapping_for(user, " nationwide ")["description"] == "Description"


def test_a_file_with_errors_cannot_be_imported(user):
    preview = upload(user, "bad_rows.csv")
    assert preview.status == StatementImportStatus.REJECTED
    assert [(e["line"], e["column"]) for e in preview.errors] == [(3, "Date"), (4, "Amount"), (5, "Description")]
    with pytest.raises(StatementError):
        imports.bank_statement_confirm(preview)
    assert not BankTransaction.objects.exists()


def test_another_persons_account_is_not_found(user, other_user, synced_account):
    with pytest.raises(Http404):
        imports.importable_account_get(other_user, synced_account.pk)
    assert imports.importable_account_get(user, synced_account.pk) == synced_account


@pytest.mark.parametrize(("a", "b", "alike"), [
    ("TESCO STORES 3297 CARD PAYMENT", "Tesco Stores", True),
    ("CARD PAYMENT TO AMAZON.CO.UK", "Amazon", True),
    ("LANDLORD RENT", "Council tax", False),
    ("", "Tesco", False),
])
def test_description_rule(a, b, alike):
    assert descriptions_alike(a, b) is alike


def test_the_generic_confirm_never_adds_an_account_to_a_synced_connection(user, synced_account):
    from integrations_core.services.statements import statement_confirm

    preview = upload(user, "santander_v1.ofx")  # no account chosen: the file's own
    with pytest.raises(StatementError) as refused:
        statement_confirm(preview, connection=synced_account.connection)
    assert refused.value.field == "connection"
    assert BankAccount.objects.filter(connection=synced_account.connection).count() == 1


def test_a_cursor_sync_after_the_import_takes_the_imported_row_over(user, synced_account):
    """Plaid's /transactions/sync answer (explicit removals) takes over an imported row too."""
    from integrations_core.services.imports.keys import keyed_records
    from integrations_core.services.imports.rows import transaction_rows_write
    from integrations_core.services.imports.transactions import explicit_removals

    imports.bank_statement_confirm(upload(user, "santander_v1.ofx", account=synced_account))
    rent = [booked(date(2024, 4, 4), "-1250.00", "LANDLORD RENT LTD", "plaid-9")]
    spec = BankTransaction.row_spec
    result = transaction_rows_write(synced_account, keyed_records(rent, spec.fingerprint_fields), spec=spec,
                                    removals=explicit_removals(synced_account, [], booked=rent))
    assert result.added == 0
    assert BankTransaction.objects.filter(account=synced_account, external_id="plaid-9").count() == 1
    assert BankTransaction.objects.filter(account=synced_account).count() == 4
