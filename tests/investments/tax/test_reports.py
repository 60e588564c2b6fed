"""The reports from stored trades: which accounts count, per-person pooling across accounts and
platforms, sterling conversion on the trade date, the year's totals and allowances, the
2024-25 rate change, the income report, and the command (person and file)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from investments.tax.rules import TaxYear, TaxYearError, annual_exempt_amount, dividend_allowance
from investments.tax.selectors import cgt_report_for_user, income_report_for_user

from .conftest import trade

D = Decimal
Y2024 = TaxYear(2024)
HS284 = Path(__file__).parent / "data" / "hs284_example3.csv"


def test_tax_years_run_6_april_to_5_april():
    assert TaxYear.of(date(2025, 4, 5)) == TaxYear(2024) and TaxYear.of(date(2025, 4, 6)) == TaxYear(2025)
    assert TaxYear.parse("2024") == TaxYear.parse("2024-25") == TaxYear.parse("2024/2025") == Y2024
    assert Y2024.label == "2024-25" and date(2024, 4, 6) in Y2024 and date(2024, 4, 5) not in Y2024
    for bad in ("24", "2024-27", "1999", "next"):
        with pytest.raises(TaxYearError):
            TaxYear.parse(bad)


def test_allowances_by_year_with_their_sources():
    assert [annual_exempt_amount(TaxYear(y)).amount for y in (2022, 2023, 2024)] == [D(12300), D(6000), D(3000)]
    assert "Finance Act 2023 s8" in annual_exempt_amount(Y2024).source
    assert [dividend_allowance(TaxYear(y)).amount for y in (2018, 2022, 2023, 2024)] == [
        D(2000), D(2000), D(1000), D(500)]
    future = annual_exempt_amount(TaxYear(2031))
    assert future.amount == D(3000) and future.known  # FA 2023 s8(5): 2024-25 and subsequent years


def test_pools_across_accounts_and_platforms_and_leaves_out_wrappers(accounts, security, user, fx):
    trade(accounts["gia"], "buy", date(2023, 5, 2), security=security, quantity="100", amount="-1010", fees="10")
    # the same security bought in USD on another platform: one pool for the person
    trade(accounts["usd"], "buy", date(2023, 6, 1), security=security, quantity="100", amount="-1500")  # £1,200
    trade(accounts["isa"], "buy", date(2023, 6, 1), security=security, quantity="500", amount="-5000")
    trade(accounts["isa"], "sell", date(2024, 6, 1), security=security, quantity="500", amount="9000")
    trade(accounts["other"], "sell", date(2024, 6, 1), security=security, quantity="1", amount="9")
    trade(accounts["gia"], "sell", date(2024, 8, 1), security=security, quantity="50", amount="990", fees="10")
    report = cgt_report_for_user(user, Y2024, fx)
    assert report.accounts == ["Broker One GIA", "Broker Two USD"]
    excluded = {e.name: e.wrapper for e in report.excluded_accounts}
    assert excluded == {"Broker One ISA": "isa", "Broker Two unknown": "other"}
    (disposal,) = report.disposals
    line = disposal.matches[0]
    assert (line.rule, line.pool_quantity, line.pool_cost) == ("section 104", D(200), D(2210))
    assert disposal.allowable_cost == D("552.5") and disposal.gain == D("437.5")
    assert disposal.gross_proceeds == D(1000) and disposal.costs == D(10)
    assert report.totals.annual_exempt_amount.amount == D(3000)
    assert report.totals.taxable == D(0) and report.complete


def test_foreign_currency_is_converted_at_the_trade_dates_rate_and_said_so(accounts, security, user, fx):
    trade(accounts["usd"], "buy", date(2024, 5, 1), security=security, quantity="10", amount="-1000")  # at 0.80
    trade(accounts["usd"], "sell", date(2024, 9, 2), security=security, quantity="10", amount="1200")  # at 0.75
    (disposal,) = cgt_report_for_user(user, Y2024, fx).disposals
    assert disposal.allowable_cost == D(800) and disposal.proceeds == D(900) and disposal.gain == D(100)
    assert disposal.notes == ("USD at the ECB reference rate 0.75",)


def test_a_rate_that_is_missing_refuses_the_security(accounts, security, user):
    class NoFx:
        def rate(self, *_):
            return None

    trade(accounts["usd"], "buy", date(2024, 5, 1), security=security, quantity="10", amount="-1000")
    report = cgt_report_for_user(user, Y2024, NoFx())
    assert not report.complete and "No FX rate for USD to GBP on 2024-05-01" in report.problems[0].message


def test_2024_25_gains_split_at_the_30_october_rate_change_and_losses_net(accounts, security, user, fx):
    gia = accounts["gia"]
    trade(gia, "buy", date(2024, 4, 10), security=security, quantity="300", amount="-3000")
    trade(gia, "sell", date(2024, 10, 29), security=security, quantity="100", amount="1500")  # +500
    trade(gia, "sell", date(2024, 10, 30), security=security, quantity="100", amount="800")  # -200
    trade(gia, "sell", date(2025, 4, 5), security=security, quantity="100", amount="4000")  # +3,000, last day
    totals = cgt_report_for_user(user, Y2024, fx).totals
    assert (totals.gains, totals.losses, totals.net) == (D(3500), D(200), D(3300))
    assert (totals.net_before_rate_change, totals.net_from_rate_change) == (D(500), D(2800))
    assert totals.taxable == D(300)
    assert totals.for_return() == {"proceeds": D(6300), "allowable_costs": D(3000), "gains": D(3500),
                                   "losses": D(200)}
    assert cgt_report_for_user(user, TaxYear(2025), fx).totals.disposals == 0


def test_a_transfer_in_without_cost_refuses_the_security_with_a_reason(accounts, security, user, fx):
    trade(accounts["gia"], "transfer_in", date(2024, 5, 1), security=security, quantity="10")
    trade(accounts["gia"], "sell", date(2024, 6, 1), security=security, quantity="10", amount="100")
    report = cgt_report_for_user(user, Y2024, fx)
    assert report.disposals == [] and "transfer in without a cost" in report.problems[0].message


def test_a_transfer_in_with_its_cost_joins_the_pool(accounts, security, user, fx):
    trade(accounts["gia"], "transfer_in", date(2024, 5, 1), security=security, quantity="10", price="450",
          price_currency="GBX")
    trade(accounts["gia"], "sell", date(2024, 6, 1), security=security, quantity="10", amount="100")
    (disposal,) = cgt_report_for_user(user, Y2024, fx).disposals
    assert disposal.allowable_cost == D(45)


def test_another_persons_trades_never_count(accounts, security, user, other_user, fx):
    trade(accounts["gia"], "buy", date(2024, 5, 1), security=security, quantity="10", amount="-100")
    trade(accounts["gia"], "sell", date(2024, 6, 1), security=security, quantity="10", amount="150")
    assert cgt_report_for_user(other_user, Y2024, fx).disposals == []
    assert cgt_report_for_user(other_user, Y2024, fx).accounts == []


def test_income_report_gross_withheld_net_per_account_and_security(accounts, security, user, fx):
    trade(accounts["gia"], "dividend", date(2024, 6, 1), security=security, amount="85", taxes="15")
    trade(accounts["gia"], "dividend", date(2025, 1, 1), security=security, amount="100")
    trade(accounts["usd"], "dividend", date(2024, 9, 1), security=security, amount="100")  # IBKR style: gross
    trade(accounts["usd"], "tax", date(2024, 9, 1), security=security, amount="-15")  # its withholding
    trade(accounts["gia"], "interest", date(2024, 12, 1), amount="3.21")
    trade(accounts["isa"], "dividend", date(2024, 6, 1), security=security, amount="50")
    trade(accounts["gia"], "dividend", date(2025, 4, 6), security=security, amount="999")  # next tax year
    report = income_report_for_user(user, Y2024, fx)
    lines = {(line.account, line.security): line for line in report.dividends}
    gia = lines[("Broker One GIA", "Lobster plc")]
    assert (gia.payments, gia.gross, gia.withheld, gia.net) == (2, D(200), D(15), D(185))
    usd = lines[("Broker Two USD", "Lobster plc")]
    assert (usd.gross, usd.withheld, usd.net) == (D("75.00"), D("11.25"), D("63.75"))  # at 0.75 on 1 Sept
    assert report.dividend_totals.gross == D("275.00") and report.dividend_allowance.amount == D(500)
    assert report.dividends_over_allowance == D(0)
    assert [(i.account, i.gross) for i in report.interest] == [("Broker One GIA", D("3.21"))]
    assert report.personal_savings_allowance == {"basic rate": D(1000), "higher rate": D(500),
                                                 "additional rate": D(0)}
    assert [(e.account, e.kind, e.gross) for e in report.exempt] == [("Broker One ISA", "dividend", D(50))]
    assert [e.name for e in report.excluded] == ["Broker Two unknown"]


def test_command_prints_a_persons_report_as_text_and_json(accounts, security, user, fx, monkeypatch):
    monkeypatch.setattr("investments.tax.selectors.fx_source", lambda: fx)
    trade(accounts["gia"], "buy", date(2024, 5, 1), security=security, quantity="10", amount="-100")
    trade(accounts["gia"], "sell", date(2024, 6, 1), security=security, quantity="4", amount="60")
    out = StringIO()
    call_command("cgt_report", "--tax-year", "2024", "--user", user.email, "--income", stdout=out)
    text = out.getvalue()
    assert "tax year 2024-25" in text and "sold 4 Lobster plc" in text and "GAIN £20.00" in text
    assert "Left out: Broker One ISA (isa)" in text and "Dividends gross £0.00" in text
    out = StringIO()
    call_command("cgt_report", "--tax-year", "2024-25", "--user", user.email, "--format", "json", stdout=out)
    body = json.loads(out.getvalue())
    assert body["totals"]["net_gain"] == "20.00" and body["disposals"][0]["matches"][0]["rule"] == "section 104"


def test_command_reads_an_activities_file_hs284_example_3(db):
    out = StringIO()
    call_command("cgt_report", "--tax-year", "2023", "--file", str(HS284), "--format", "csv", stdout=out)
    rows = out.getvalue().splitlines()
    assert rows[0].startswith("tax_year,date,security")
    assert "2023-24,2023-05-01,Lobster plc,700,disposal,,,,,3360.00,100.00,3260.00,2930.67,329.33" in rows[1]
    assert rows[-1].endswith("5440.00,,,4810.33,629.67,")


def test_command_refuses_a_bad_tax_year_and_a_missing_user(db):
    with pytest.raises(CommandError, match="not a tax year"):
        call_command("cgt_report", "--tax-year", "soon", "--file", str(HS284))
    with pytest.raises(CommandError, match="no such user"):
        call_command("cgt_report", "--tax-year", "2024", "--user", "nobody@example.com")


def test_the_matching_is_cached_until_the_history_changes(accounts, security, user, fx, monkeypatch,
                                                          django_assert_max_num_queries):
    from django.utils import timezone

    from investments.tax import selectors

    monkeypatch.setattr(selectors, "fx_source", lambda: fx)
    calls = []
    real = selectors.cgt_match
    monkeypatch.setattr(selectors, "cgt_match", lambda *a: calls.append(1) or real(*a))
    trade(accounts["gia"], "buy", date(2024, 5, 1), security=security, quantity="10", amount="-100")
    trade(accounts["gia"], "sell", date(2024, 6, 1), security=security, quantity="4", amount="60")
    first = cgt_report_for_user(user, Y2024)
    with django_assert_max_num_queries(3):  # the accounts and the version: the trades are not read again
        again = cgt_report_for_user(user, TaxYear(2023))
    assert len(calls) == 1 and again.disposals == [] and first.totals.net == D(20)
    trade(accounts["gia"], "sell", date(2024, 7, 1), security=security, quantity="1", amount="20")  # a new trade
    assert cgt_report_for_user(user, Y2024).totals.disposals == 2 and len(calls) == 2
    accounts["usd"].connection.last_synced_at = timezone.now()  # a sync finished
    accounts["usd"].connection.save()
    cgt_report_for_user(user, Y2024)
    assert len(calls) == 3
    accounts["gia"].wrapper = "isa"  # the person says it is an ISA after all
    accounts["gia"].save()
    assert cgt_report_for_user(user, Y2024).disposals == [] and len(calls) == 4
