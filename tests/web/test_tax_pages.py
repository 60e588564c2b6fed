"""The capital gains and income pages: the computation line by line, the CSV, a bad tax year,
the print stylesheet, and only the person's own trades (tax dates frozen where today matters)."""

from __future__ import annotations

import csv
import io
from datetime import date

import time_machine

from tests.investments.tax.conftest import FixedFx, accounts, security, trade  # noqa: F401 (fixtures)


def _sold(accounts, security):  # noqa: F811
    trade(accounts["gia"], "buy", date(2024, 5, 1), security=security, quantity="10", amount="-100", fees="5")
    trade(accounts["gia"], "sell", date(2024, 11, 4), security=security, quantity="4", amount="58", fees="2")
    trade(accounts["gia"], "dividend", date(2024, 12, 1), security=security, amount="8.50", taxes="1.50")


def test_cgt_page_shows_each_disposals_computation(client, user, accounts, security, monkeypatch):  # noqa: F811
    monkeypatch.setattr("investments.tax.selectors.fx_source", FixedFx)
    _sold(accounts, security)
    client.force_login(user)
    page = client.get("/portfolio/capital-gains/", {"tax_year": "2024-25"}).content.decode()
    assert "Capital gains 2024-25" in page and "sold 4 Lobster plc" in page
    assert "Section 104 pool (10 held at £100.00)" in page and "−£40.00" in page
    assert 'data-figure="gain">+£18.00' in page
    assert "of which from 30 October 2024" in page and "Annual exempt amount" in page and "£3,000.00" in page
    assert "Broker One ISA</strong> (ISA)" in page  # named as not counted
    assert "web/tax.css" in page and "Download CSV" in page


def test_cgt_page_defaults_to_the_current_tax_year(client, user, db):
    client.force_login(user)
    with time_machine.travel("2026-04-05 23:30:00+01:00", tick=False):  # BST: still 2025-26
        assert "Capital gains 2025-26" in client.get("/portfolio/capital-gains/").content.decode()
    with time_machine.travel("2026-04-06 00:30:00+01:00", tick=False):
        assert "Capital gains 2026-27" in client.get("/portfolio/capital-gains/").content.decode()


def test_cgt_csv_download(client, user, accounts, security, monkeypatch):  # noqa: F811
    monkeypatch.setattr("investments.tax.selectors.fx_source", FixedFx)
    _sold(accounts, security)
    client.force_login(user)
    response = client.get("/portfolio/capital-gains.csv", {"tax_year": "2024"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="capital-gains-2024-25.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][:5] == ["2024-25", "2024-11-04", "Lobster plc", "4", "disposal"] and rows[1][13] == "18.00"
    assert rows[2][4:9] == ["match", "section 104", "4", "", "40.00"]


def test_a_bad_tax_year_is_a_400_with_the_reason(client, user, db):
    client.force_login(user)
    response = client.get("/portfolio/capital-gains/", {"tax_year": "2024-99"})
    assert response.status_code == 400 and "a tax year ends the year after it starts" in response.content.decode()
    assert client.get("/portfolio/capital-gains.csv", {"tax_year": "x"}).status_code == 400
    assert client.get("/portfolio/income/", {"tax_year": "x"}).status_code == 400


def test_income_page(client, user, accounts, security, monkeypatch):  # noqa: F811
    monkeypatch.setattr("investments.tax.selectors.fx_source", FixedFx)
    _sold(accounts, security)
    client.force_login(user)
    page = client.get("/portfolio/income/", {"tax_year": "2024"}).content.decode()
    assert "Dividends and interest 2024-25" in page and 'data-figure="gross">£10.00' in page
    assert "Dividend allowance for 2024-25: <strong>£500.00" in page and "Personal savings allowance" in page


def test_pages_need_a_login_and_show_only_ones_own(client, other_user, accounts, security, monkeypatch):  # noqa: F811
    monkeypatch.setattr("investments.tax.selectors.fx_source", FixedFx)
    _sold(accounts, security)
    assert client.get("/portfolio/capital-gains/").status_code == 302
    client.force_login(other_user)
    page = client.get("/portfolio/capital-gains/", {"tax_year": "2024"}).content.decode()
    assert "Lobster" not in page and "No disposals in your taxable accounts" in page
    assert "Lobster" not in client.get("/portfolio/capital-gains.csv", {"tax_year": "2024"}).content.decode()
