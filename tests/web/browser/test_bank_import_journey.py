"""Importing bank statements in a real browser: an OFX file into an account that is also
synced (the payments the bank already shared are marked and not added twice), a Nationwide CSV
with money-out and money-in columns into a new account (its columns chosen, a wrong choice shown
as row errors, then fixed and saved for the bank), the same file again (nothing changes), on a
desktop and a phone.

Screenshots land in test-artifacts/screenshots/; with UPDATE_DOCS_SCREENSHOTS=1 the README's
docs/screenshots/bank-import*.png are refreshed."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from integrations_core.models import ConnectionStatus
from integrations_core.records import AccountData, AccountRecord, TransactionRecord
from integrations_core.services.imports.transactions import transactions_import
from open_banking.models import BankAccount, BankConnection, BankStatementMapping, BankTransaction

from .conftest import DESKTOP

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect
Page = sync_api.Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parents[2] / "open_banking" / "statements" / "fixtures"
PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def synced_account(logged_in):
    connection = BankConnection.objects.create(user=logged_in, provider="truelayer", status=ConnectionStatus.ACTIVE,
                                               institution_name="Santander")
    account = BankAccount.objects.create(connection=connection, external_id="tl-1", name="Everyday", type="current",
                                         currency="GBP", current_balance=Decimal("3188.14"))
    transactions_import(account, AccountData(account=AccountRecord("tl-1", "Everyday", "current", "GBP"), booked=[
        TransactionRecord("tl-a", date(2024, 4, 2), Decimal("-61.86"), "GBP", "Tesco Stores"),
        TransactionRecord("tl-b", date(2024, 4, 4), Decimal("2500.00"), "GBP", "ACME LTD SALARY"),
    ], window_from=date(2024, 3, 25), window_to=date(2024, 4, 6)))
    return account


def test_import_ofx_into_a_synced_account_and_a_csv_with_its_columns(page: Page, logged_in, synced_account, shot):
    page.goto("/my-accounts/")
    page.get_by_role("link", name="Import a bank statement").click()
    expect(page.get_by_role("heading", name="Import a bank statement")).to_be_visible()

    # 1. OFX (SGML v1) into the synced Santander account: two of its three rows are the bank's.
    page.get_by_label("Statement file").set_input_files(str(FIXTURES / "santander_v1.ofx"))
    page.get_by_label("Bank", exact=True).fill("Santander")
    page.get_by_label("Import into").select_option(label="Santander: Everyday")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Check your statement")).to_be_visible()
    rows = page.locator("table.bank-preview-rows tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("tr[data-state=duplicate]")).to_have_count(2)
    expect(page.locator("tr[data-state=new]")).to_contain_text("LANDLORD RENT")
    shot("40-bank-import-preview", docs="bank-import")
    page.set_viewport_size(PHONE_390)
    shot("41-bank-import-preview-phone", docs="bank-import-phone")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Import 1 transaction").click()
    expect(page.get_by_role("status").first).to_contain_text("1 new, 2 already here")
    assert BankTransaction.objects.filter(account=synced_account).count() == 3

    # 2. A Nationwide CSV (preamble lines, £ signs, money out / money in) as a new account.
    page.get_by_role("link", name="Import another file").click()
    page.get_by_label("Statement file").set_input_files(str(FIXTURES / "nationwide_debit_credit.csv"))
    page.get_by_label("Bank", exact=True).fill("Nationwide")
    page.get_by_label("Account name (new account)").fill("FlexAccount")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Columns")).to_be_visible()
    expect(page.get_by_label("Money out (debit)")).to_have_value("Paid out")  # guessed from the headers
    # A wrong choice (the transaction-type column as the date): every row says why, by line and column.
    page.get_by_label("Date", exact=True).select_option("Transaction type")
    page.get_by_role("button", name="Read again with these columns").click()
    expect(page.get_by_role("heading", name=re.compile(r"\d+ problems? in the file"))).to_be_visible()
    expect(page.locator("table.row-errors")).to_contain_text("is not a date")
    shot("42-bank-import-columns", docs="bank-import-columns")
    page.get_by_label("Date", exact=True).select_option("Date")
    page.get_by_role("button", name="Read again with these columns").click()
    expect(page.locator("table.bank-preview-rows tbody tr")).to_have_count(4)
    expect(page.locator("table.bank-preview-rows")).to_contain_text("−£1,250.00")
    page.get_by_role("button", name="Import 4 transactions").click()
    expect(page.get_by_role("status").first).to_contain_text("4 new")
    assert BankStatementMapping.objects.get(user=logged_in).columns["credit"] == "Paid in"

    # 3. The same file again: every row is already there, and importing it changes nothing.
    page.get_by_role("link", name="Import another file").click()
    page.get_by_label("Statement file").set_input_files(str(FIXTURES / "nationwide_debit_credit.csv"))
    page.get_by_label("Bank", exact=True).fill("nationwide")
    page.get_by_label("Import into").select_option(label="Bank statement file: FlexAccount")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("tr[data-state=imported]")).to_have_count(4)
    page.get_by_role("button", name="Import 0 transactions").click()
    expect(page.get_by_text("already been imported: nothing changed")).to_be_visible()
    assert BankTransaction.objects.filter(account__connection__user=logged_in).count() == 7
