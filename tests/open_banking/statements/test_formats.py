"""The bank statement formats, read from realistic exports with their quirks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from open_banking.statements import statement_read
from open_banking.statements.base import RowProblem, amount_parse, date_parse

FIXTURES = Path(__file__).parent / "fixtures"


def read(name: str, **options):
    return statement_read((FIXTURES / name).read_bytes(), name, {"bank": "Test Bank", **options})


def rows(parsed):
    return [(r.booked_date, r.amount, r.description) for r in parsed.cash_transactions]


class TestOfx:
    def test_sgml_v1_headers_and_unclosed_tags(self):
        parsed = read("santander_v1.ofx")
        assert parsed.errors == []
        assert parsed.account.external_id == "ofx:090128:12345678"
        assert parsed.account.type == "current" and parsed.account.currency == "GBP"
        assert rows(parsed) == [
            (date(2024, 4, 2), Decimal("-61.86"), "TESCO STORES 3297 CARD PAYMENT"),
            (date(2024, 4, 3), Decimal("2500.00"), "ACME LTD SALARY"),
            (date(2024, 4, 4), Decimal("-1250.00"), "LANDLORD RENT"),
        ]
        assert [r.external_id for r in parsed.cash_transactions][0] == "fitid:202404020001"
        assert parsed.balance.current == Decimal("3188.14")

    def test_xml_v2_credit_card_qfx_with_user_date(self):
        parsed = read("monzo_v2.qfx")
        assert parsed.errors == []
        assert parsed.account.type == "credit_card"
        first = parsed.cash_transactions[0]
        assert (first.booked_date, first.value_date, first.amount) == (date(2024, 4, 2), date(2024, 4, 1),
                                                                      Decimal("-4.50"))
        assert parsed.balance.current == Decimal("-245.10")

    def test_bst_posting_time_is_the_london_date(self):
        text = (FIXTURES / "santander_v1.ofx").read_text().replace(
            "<DTPOSTED>20240402000000[0:GMT]", "<DTPOSTED>20240402003000[+1:BST]")
        parsed = statement_read(text.encode(), "x.ofx", {"bank": "B"})
        assert parsed.cash_transactions[0].booked_date == date(2024, 4, 2)

    def test_a_bad_row_is_a_row_error_with_its_line(self):
        text = (FIXTURES / "santander_v1.ofx").read_text().replace("<TRNAMT>2500.00", "<TRNAMT>lots")
        parsed = statement_read(text.encode(), "x.ofx", {"bank": "B"})
        assert len(parsed.errors) == 1
        error = parsed.errors[0]
        lines = text.splitlines()
        assert error.line == lines.index("<TRNAMT>lots") - 2  # where its <STMTTRN> starts
        assert lines[error.line - 1] == "<STMTTRN>"
        assert (error.column, error.message) == ("TRNAMT", "'lots' is not a valid TRNAMT.")
        assert len(parsed.cash_transactions) == 2

    def test_not_ofx_at_all(self):
        parsed = statement_read(b"OFXHEADER:100\r\nDATA:OFXSGML\r\n\r\n<OFX><garbage", "x.ofx", {})
        assert parsed.errors and parsed.errors[0].line == 0


class TestQif:
    def test_us_month_first_with_apostrophe_years(self):
        parsed = read("quicken_us.qif")
        assert parsed.errors == [] and parsed.options["date_order"] == "mdy"
        assert rows(parsed) == [
            (date(2024, 4, 2), Decimal("-61.86"), "TESCO STORES 3297 Card payment"),
            (date(2024, 4, 13), Decimal("-4.50"), "PRET A MANGER"),
            (date(2024, 4, 3), Decimal("2500.00"), "ACME LTD SALARY"),  # "4/ 3'24": space-padded
        ]
        assert parsed.cash_transactions[2].provider_category == "Salary"

    def test_uk_day_first(self):
        parsed = read("uk_bank.qif")
        assert parsed.options["date_order"] == "dmy"
        assert [r.booked_date for r in parsed.cash_transactions] == [date(2024, 4, 2), date(2024, 4, 13),
                                                                     date(2024, 4, 3)]

    def test_the_persons_order_wins(self):
        parsed = read("uk_bank.qif", date_order="mdy")  # 13/04 cannot be month first
        assert [(e.line, e.column) for e in parsed.errors] == [(6, "D")]

    def test_bad_records(self):
        parsed = read("bad.qif")
        assert [(e.line, e.column) for e in parsed.errors] == [(6, "D"), (10, "T")]
        assert "45/04/2024" in parsed.errors[0].message

    def test_investment_qif_refused(self):
        parsed = statement_read(b"!Type:Invst\nD1/2/24\n^\n", "x.qif", {})
        assert parsed.errors and "not a bank account" in parsed.errors[0].message


class TestCamt053:
    def test_credit_debit_indicator_and_booking_vs_value_date(self):
        parsed = read("ing_camt053.xml")
        assert parsed.errors == []
        assert parsed.account.external_id == "iban:NL91ABNA0417164300" and parsed.account.currency == "EUR"
        debit, credit = parsed.cash_transactions  # the pending entry is not imported
        assert (debit.amount, debit.booked_date, debit.value_date) == (Decimal("-86.50"), date(2024, 4, 2),
                                                                       date(2024, 3, 30))
        assert debit.description == "ALBERT HEIJN 1234 Boodschappen" and debit.external_id == "ref:20240402-0001"
        assert (credit.amount, credit.booked_date) == (Decimal("2000.00"), date(2024, 4, 3))  # from DtTm
        assert parsed.balance.current == Decimal("2913.50")  # CLBD, not OPBD

    def test_bad_entries(self):
        parsed = read("bad_camt053.xml")
        assert [(e.line, e.column) for e in parsed.errors] == [(13, "Amt"), (19, "CdtDbtInd")]

    def test_entity_expansion_refused(self):
        bomb = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>'
                b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&b;'
                b'</BkToCstmrStmt></Document>')
        parsed = statement_read(bomb, "x.xml", {})
        assert parsed.errors and parsed.errors[0].line == 0


class TestCsv:
    def test_signed_amount_uk_dates_thousands(self):
        parsed = read("barclays_uk.csv")
        assert parsed.errors == []
        assert parsed.options["mapping"]["description"] == "Memo"
        assert rows(parsed)[2] == (date(2024, 4, 4), Decimal("-1250.00"), "LANDLORD RENT")
        assert rows(parsed)[3][0] == date(2024, 4, 13)

    def test_separate_debit_credit_columns_preamble_and_pound_signs(self):
        parsed = read("nationwide_debit_credit.csv")
        assert parsed.errors == []
        assert [r.amount for r in parsed.cash_transactions] == [Decimal("-61.86"), Decimal("2500.00"),
                                                                Decimal("-1250.00"), Decimal("-2500.00")]
        assert parsed.cash_transactions[0].raw["line"] == 6
        assert parsed.balance.current == Decimal("3188.14")

    def test_row_errors_line_and_column(self):
        parsed = read("bad_rows.csv")
        assert [(e.line, e.column) for e in parsed.errors] == [(3, "Date"), (4, "Amount"), (5, "Description")]

    def test_a_mapping_naming_a_missing_column(self):
        parsed = read("barclays_uk.csv", mapping={"date": "Date", "description": "Payee", "amount": "Amount"})
        assert parsed.errors and "no column 'Payee'" in parsed.errors[0].message

    def test_month_first_mapping(self):
        parsed = read("barclays_uk.csv", mapping={"date": "Date", "description": "Memo", "amount": "Amount",
                                                  "date_order": "mdy"})
        assert [(e.line, e.column) for e in parsed.errors] == [(5, "Date")]  # 13/04/2024

    def test_binary_and_empty(self):
        assert "not a text file" in statement_read(b"%PDF-1.4\x00\x00", "x.csv", {}).errors[0].message
        assert statement_read(b"   ", "x.csv", {}).errors[0].message == "The file is empty."


@pytest.mark.parametrize(("text", "expected"), [
    ("1,234.56", Decimal("1234.56")), ("-£61.86", Decimal("-61.86")), ("(61.86)", Decimal("-61.86")),
    ("61.86 DR", Decimal("-61.86")), ("61.86CR", Decimal("61.86")), ("61.86-", Decimal("-61.86")),
    ("+5", Decimal("5")),
])
def test_amounts(text, expected):
    assert amount_parse(text, "Amount") == expected


def test_decimal_comma():
    assert amount_parse("1.234,56", "Amount", decimal_comma=True) == Decimal("1234.56")
    with pytest.raises(RowProblem):
        amount_parse("12.34.56", "Amount")


@pytest.mark.parametrize(("text", "order", "expected"), [
    ("03/04/2024", "dmy", date(2024, 4, 3)), ("03/04/2024", "mdy", date(2024, 3, 4)),
    ("2024-04-03", "mdy", date(2024, 4, 3)), ("03 Apr 2024", "dmy", date(2024, 4, 3)),
    ("3/4'24", "dmy", date(2024, 4, 3)), ("05/04/24", "dmy", date(2024, 4, 5)),  # 5 April: tax year end
    ("20240406", "dmy", date(2024, 4, 6)),
])
def test_dates(text, order, expected):
    assert date_parse(text, "Date", order) == expected
