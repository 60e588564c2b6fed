"""Figures across currencies: a holding in another currency than its account's is converted at
the ECB fixing of its snapshot's date (a weekend takes Friday's), says so, and is None with a
reason beyond the shipped ECB history; GBX -> GBP is exact and uses no rate. The portfolio
total in the main currency keeps the unconverted per-currency totals beside it.

The rates are the ECB's published fixings of Friday 13 June 2025: 1 EUR = 1.1512 USD and
0.85050 GBP, so 1 USD = 0.85050 / 1.1512 GBP."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal, localcontext

import pytest
import time_machine

from integrations_core.records import BalanceRecord, HoldingSnapshotRecord
from integrations_core.services.imports.portfolio import portfolio_import
from investments import selectors
from investments.models import InvestmentAccount

from .conftest import AAPL, VUSA, holding, portfolio, snapshot

pytestmark = pytest.mark.django_db
D = Decimal
FRIDAY = date(2025, 6, 13)
with localcontext() as _context:
    _context.prec = 28
    USD_GBP = D("0.85050") / D("1.1512")  # the ECB cross rate, as currencyconverter computes it


def usd(record):
    """A holding valued in dollars (the conftest builder values in pounds)."""
    return replace(record, currency="USD")


def import_on(account, day: date, *holdings, cash: str = "100.00"):
    as_of = datetime(day.year, day.month, day.day, 16, 30, tzinfo=UTC)
    portfolio_import(account, portfolio(snap=snapshot(*holdings, cash=cash, as_of=as_of)))
    account.refresh_from_db()
    return account


# Nothing here may depend on today: the clock is somewhere else entirely.
@pytest.fixture(autouse=True)
def elsewhere_in_time():
    with time_machine.travel(datetime(2031, 1, 7, 9, 0, tzinfo=UTC), tick=False):
        yield


def test_a_usd_holding_in_a_gbp_account_is_valued_at_the_ecb_rate_of_the_snapshot_date(account):
    import_on(account, FRIDAY, usd(holding(AAPL, "10", price="200.00", price_currency="USD", value="2000.00")))
    [row] = selectors.account_holdings(account)
    assert (row.value, row.currency, row.price, row.price_currency) == (D("2000.00"), "USD", D("200.00"), "USD")
    assert row.fx_rate == USD_GBP and row.fx_date == FRIDAY and row.converted
    assert row.account_value == D("1477.59")  # 2000 x 0.73879430... = 1477.5886
    assert row.account_price == D("147.7588603197")  # to the stored price precision, once
    assert row.account_currency == "GBP" and row.fx_reason == ""
    figures = selectors.account_figures(account)
    assert (figures.cash, figures.holdings_value, figures.value) == (D("100.00"), D("1477.59"), D("1577.59"))
    assert figures.fx_dates == (FRIDAY,) and figures.converted
    assert figures.book_cost is None  # a dollar book cost is never converted at today's rate


def test_a_foreign_price_without_a_value_is_valued_quantity_times_price_converted_once(account):
    import_on(account, FRIDAY, holding(AAPL, "3", price="190.5", price_currency="USD"))
    [row] = selectors.account_holdings(account)
    assert row.value is None  # none was sent, and the write path never converts
    assert row.account_value == D("422.22")  # 571.5 x 0.73879430... = 422.2209
    assert selectors.account_figures(account).holdings_value == D("422.22")


def test_a_weekend_snapshot_uses_the_previous_fixing_and_says_which(account):
    import_on(account, date(2025, 6, 15), usd(holding(AAPL, "10", price="200.00", price_currency="USD",
                                                      value="2000.00")))
    [row] = selectors.account_holdings(account)
    assert account.current_snapshot.date == date(2025, 6, 15)  # a Sunday
    assert (row.fx_rate, row.fx_date, row.account_value) == (USD_GBP, FRIDAY, D("1477.59"))
    assert selectors.account_figures(account).fx_dates == (FRIDAY,)


def test_beyond_the_shipped_ecb_history_the_value_is_unknown_and_says_why(account):
    import_on(account, date(2026, 11, 16), usd(holding(AAPL, "10", price="200.00", price_currency="USD",
                                                       value="2000.00")))
    [row] = selectors.account_holdings(account)
    assert (row.account_value, row.account_price, row.fx_rate, row.fx_date) == (None, None, None, None)
    assert "2026-11-16" in row.fx_reason and "ends on 2026-10-30" in row.fx_reason
    figures = selectors.account_figures(account)
    assert (figures.holdings_value, figures.value, figures.fx_dates) == (None, None, ())
    assert figures.fx_reason == row.fx_reason


def test_gbx_in_a_gbp_account_is_exact_and_uses_no_rate(account):
    import_on(account, date(2026, 11, 16), holding(VUSA, "3", price="6500.5", price_currency="GBX"))
    [row] = selectors.account_holdings(account)
    assert row.account_price == D("65.005")  # the point moves, no digit changes
    assert row.value == D("195.02")  # 195.015, rounded once when written
    assert (row.account_value, row.fx_rate, row.fx_date, row.fx_reason, row.converted) == (
        D("195.02"), None, None, "", False)
    assert selectors.account_figures(account).fx_dates == ()


def test_portfolio_total_in_the_main_currency_keeps_the_per_currency_totals(account, connection, user):
    import_on(account, FRIDAY, usd(holding(AAPL, "10", price="200.00", price_currency="USD", value="2000.00")))
    dollars = InvestmentAccount.objects.create(connection=connection, external_id="gia-usd", name="US GIA",
                                               currency="USD", wrapper="gia")
    cash_only = HoldingSnapshotRecord(as_of=datetime(2025, 6, 14, 12, tzinfo=UTC), holdings=[],
                                      cash=BalanceRecord(currency="USD", current=D("1000.00")))
    portfolio_import(dollars, portfolio(securities=(), snap=cash_only))
    total = selectors.portfolio_total(user)  # no bank accounts: the main currency is GBP
    assert total.currency == "GBP"
    assert [(f.currency, f.value) for f in total.per_currency] == [("GBP", D("1577.59")), ("USD", D("1000.00"))]
    assert total.figures.value == D("1577.59") + D("738.79")  # 1000 USD at Friday's fixing (a Saturday snapshot)
    assert total.figures.fx_dates == (FRIDAY,)
    assert total.figures.book_cost is None
    in_dollars = selectors.portfolio_total(user, currency="USD")
    assert in_dollars.figures.value == D("1000.00") + D("2135.36")  # 1577.59 GBP x 1.1512 / 0.8505


def test_portfolio_total_beyond_the_ecb_history_is_unknown_not_guessed(account, connection, user):
    import_on(account, FRIDAY, holding(VUSA, "1", price="6500", price_currency="GBX", value="65.00"))
    dollars = InvestmentAccount.objects.create(connection=connection, external_id="gia-usd", name="US GIA",
                                               currency="USD", wrapper="gia", current_balance=D("10.00"))
    total = selectors.portfolio_total(user, currency="GBP")  # no snapshot: today, far past the data
    assert total.figures.value is None and "ends on 2026-10-30" in total.figures.fx_reason
    assert [(f.currency, f.value) for f in total.per_currency] == [("GBP", D("165.00")), ("USD", D("10.00"))]
    assert dollars.pk


def test_the_api_says_what_was_converted_and_at_which_fixing(api_client, account):
    import_on(account, date(2025, 6, 14), usd(holding(AAPL, "10", price="200.00", price_currency="USD",
                                                      value="2000.00")))
    [h] = api_client.get(f"/api/v1/investments/accounts/{account.pk}/holdings/").json()
    assert (h["value"], h["currency"], h["account_value"], h["account_currency"]) == (
        "2000.00", "USD", "1477.59", "GBP")
    assert (h["fx_date"], h["fx_reason"], D(h["fx_rate"])) == ("2025-06-13", "", USD_GBP.normalize())
    [a] = api_client.get("/api/v1/investments/accounts/").json()
    assert (a["holdings_value"], a["fx_dates"], a["fx_reason"]) == ("1477.59", ["2025-06-13"], "")
    total = api_client.get("/api/v1/investments/accounts/total/").json()
    assert (total["currency"], total["total"]["value"]) == ("GBP", "1577.59")
    assert [(f["currency"], f["value"]) for f in total["per_currency"]] == [("GBP", "1577.59")]
    assert api_client.get("/api/v1/investments/accounts/total/", {"currency": "US"}).status_code == 400
