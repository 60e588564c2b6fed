"""Xero's JSON -> records: /Date()/ dates, invoice kinds, payments, bank transaction lines and
versions, amounts exact per currency (JPY has no minor unit), bad values refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accounting.providers.xero import mapper
from integrations_core.providers.errors import BadProviderResponse

INVOICE = {
    "Type": "ACCREC", "InvoiceID": "inv-1", "InvoiceNumber": "INV-0042", "Reference": "PO 7",
    "Contact": {"ContactID": "c-1", "Name": "Giles LLC"}, "Date": "/Date(1772668800000+0000)/",
    "DueDate": "/Date(1775260800000+0000)/", "Status": "PAID", "CurrencyCode": "GBP", "Total": Decimal("1314.54"),
    "AmountDue": Decimal("0.00"), "AmountPaid": Decimal("1314.54"), "UpdatedDateUTC": "/Date(1772712000000+0000)/",
    "Payments": [{"PaymentID": "p-1", "Date": "/Date(1773014400000+0000)/", "Amount": Decimal("1314.54"),
                  "Reference": "INV-0042", "Account": {"AccountID": "bank-1"}}],
}


def test_wcf_dates_and_iso_dates_are_read():
    assert mapper.xero_datetime("/Date(1518685950940+0000)/") == datetime(2018, 2, 15, 9, 12, 30, 940000, tzinfo=UTC)
    assert mapper.xero_date("/Date(1772668800000+0000)/") == date(2026, 3, 5)
    assert mapper.xero_date("2026-03-05T00:00:00") == date(2026, 3, 5)
    with pytest.raises(BadProviderResponse):
        mapper.xero_datetime("yesterday")


def test_a_sales_invoice_with_its_payment():
    record = mapper.invoice_record(INVOICE)
    assert (record.kind, record.number, record.status, record.total) == ("invoice", "INV-0042", "paid",
                                                                       Decimal("1314.54"))
    assert record.issue_date == date(2026, 3, 5) and record.contact_name == "Giles LLC"
    [payment] = record.payments
    assert (payment.paid_on, payment.amount, payment.bank_account_external_id) == (date(2026, 3, 9),
                                                                                Decimal("1314.54"), "bank-1")
    assert record.raw["Total"] == "1314.54"  # stored as exact text


def test_a_bill_and_other_types():
    assert mapper.invoice_record({**INVOICE, "Type": "ACCPAY"}).kind == "bill"
    assert mapper.invoice_record({**INVOICE, "Type": "ACCRECCREDIT"}) is None


def test_amounts_must_fit_the_currency():
    yen = {**INVOICE, "CurrencyCode": "JPY", "Total": Decimal("1000.00"), "AmountPaid": Decimal("1000.00"),
           "Payments": []}
    assert mapper.invoice_record(yen).total == Decimal("1000")
    with pytest.raises(BadProviderResponse):
        mapper.invoice_record({**yen, "Total": Decimal("1000.50")})
    with pytest.raises(BadProviderResponse):
        mapper.invoice_record({**INVOICE, "Total": Decimal("12.345")})


def test_a_bank_transaction_with_its_version_and_lines():
    item = {"BankTransactionID": "bt-1", "Type": "SPEND", "Contact": {"Name": "Shell"},
            "Date": "/Date(1772668800000+0000)/", "Reference": "our-id", "CurrencyCode": "GBP", "Status": "AUTHORISED",
            "Total": Decimal("42.50"), "BankAccount": {"AccountID": "bank-1"},
            "UpdatedDateUTC": "/Date(1772712000000+0000)/",
            "LineItems": [{"Description": "Fuel", "LineAmount": Decimal("42.50"), "AccountCode": "449",
                           "AccountID": "la-449", "Tracking": [{"TrackingCategoryID": "t", "TrackingOptionID": "o"}]}]}
    record = mapper.bank_transaction_record(item)
    assert (record.kind, record.amount, record.reference, record.version) == (
        "spend", Decimal("42.50"), "our-id", "/Date(1772712000000+0000)/")
    assert record.lines[0].ledger_account_external_id == "la-449" and record.lines[0].tracking == (("t", "o"),)
    assert mapper.bank_transaction_record({**item, "Status": "DELETED"}).status == "deleted"
    assert mapper.bank_transaction_record({**item, "Type": "RECEIVE-TRANSFER"}).kind == "receive"


def test_the_chart_classifies_accounts():
    bank = mapper.ledger_account_record({"AccountID": "a", "Code": "090", "Name": "Bank", "Type": "BANK",
                                         "Class": "ASSET", "Status": "ACTIVE"})
    fees = mapper.ledger_account_record({"AccountID": "b", "Code": "404", "Name": "Bank Fees", "Type": "OVERHEADS",
                                         "Class": "EXPENSE", "Status": "ARCHIVED"})
    assert (bank.is_bank, bank.classification) == (True, "asset")
    assert (fees.is_bank, fees.classification, fees.status) == (False, "expense", "archived")


def test_a_push_answer_with_validation_errors_is_a_failure():
    result = mapper.push_result("ref", {"StatusAttributeString": "ERROR",
                                        "ValidationErrors": [{"Message": "Account code '999' is not valid"}]},
                                status="created")
    assert result.status == "failed" and "999" in result.message
    ok = mapper.push_result("ref", {"BankTransactionID": "bt", "UpdatedDateUTC": "/Date(1)/"}, status="created")
    assert (ok.status, ok.external_id, ok.version) == ("created", "bt", "/Date(1)/")
