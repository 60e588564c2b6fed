"""Returns, value history and allocation from stored trades and prices, with "today" frozen:
the periods follow the person's local (Europe/London) day across month ends, year ends and BST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from integrations_core.models import ConnectionStatus
from integrations_core.person_cache import person_data_changed
from investments.allocation import UNKNOWN, allocation_compute, allocation_for
from investments.models import (
    Holding,
    HoldingSnapshot,
    InvestmentAccount,
    InvestmentConnection,
    InvestmentTransaction,
    Security,
    SecurityPrice,
)
from investments.performance import portfolio_series, returns_table, value_history

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def vusa():
    return Security.objects.create(name="Vanguard S&P 500", isin="IE00B3XXRP09", ticker="VUSA", type="etf",
                                   quote_currency="GBX")


@pytest.fixture
def isa(connection):
    return InvestmentAccount.objects.create(connection=connection, external_id="isa-1", name="Stocks ISA",
                                            currency="GBP", wrapper="isa")


def txn(account, type_, day, amount, security=None, quantity=None, price=None, n=[0], booked_at=None):  # noqa: B006
    n[0] += 1
    return InvestmentTransaction.objects.create(
        account=account, external_id=f"t{n[0]}", provider_transaction_id=f"t{n[0]}", fingerprint=f"f{n[0]}",
        type=type_, booked_date=day, booked_at=booked_at, amount=D(amount), currency="GBP", security=security,
        quantity=None if quantity is None else D(quantity), price=None if price is None else D(price),
        price_currency="GBX" if price else "")


def prices(security, first: date, days: int, start: Decimal, step: Decimal):
    SecurityPrice.objects.bulk_create([SecurityPrice(security=security, date=first + timedelta(days=i),
                                                     close=start + step * i, currency="GBX", source="test")
                                       for i in range(days)])


@pytest.fixture
def history(isa, vusa):
    """1,000 paid in on 1 Jan 2026, 10 units at 100p (GBX) bought, a dividend, a fee; the price
    rises 1p a day."""
    txn(isa, "deposit", date(2026, 1, 1), "1000.00")
    txn(isa, "buy", date(2026, 1, 1), "-10.00", vusa, "10", "100")
    txn(isa, "dividend", date(2026, 3, 1), "0.50", vusa)
    txn(isa, "fee", date(2026, 3, 2), "-1.00")
    prices(vusa, date(2026, 1, 1), 400, D(100), D(1))
    return isa


def _row(table, kind, period):
    scope = next(s for s in table if s.scope.kind == kind)
    return next(r for r in scope.returns if r.period == period)


@time_machine.travel(datetime(2026, 6, 30, 23, 30, tzinfo=UTC))  # 00:30 BST on 1 July
def test_periods_follow_the_local_day_in_bst(history, user):
    table = returns_table(user)
    one_month = _row(table, "holding", "1M")
    assert (one_month.start, one_month.end) == (date(2026, 6, 1), date(2026, 7, 1))
    ytd = _row(table, "holding", "YTD")
    assert ytd.start == date(2025, 12, 31)
    # Holding: 10 units from 100p to 281p (day 181), plus a 0.50 dividend paid out.
    assert ytd.end_value == D("28.1000")
    assert ytd.twr.value is not None and ytd.twr.value > D("1.8")
    account = _row(table, "account", "YTD")
    # The account: 1,000 in; ends with 990 cash + 0.50 - 1.00 + 28.10 = 1,017.60.
    assert account.end_value == D("1017.6000")
    assert account.net_flows == D("1000.00")
    assert account.twr.value == D("0.0176000000")
    assert account.mwr.value is not None and account.mwr.value > 0
    # Overall equals the only account.
    assert _row(table, "overall", "YTD").twr == account.twr


@time_machine.travel(datetime(2027, 1, 1, 0, 30, tzinfo=UTC))  # New Year's Day, GMT
def test_year_end_and_since_start(history, user):
    table = returns_table(user)
    ytd = _row(table, "account", "YTD")
    assert (ytd.start, ytd.end) == (date(2026, 12, 31), date(2027, 1, 1))
    since = _row(table, "account", "ALL")
    assert since.start == date(2025, 12, 31) and since.start_value == 0
    one_year = _row(table, "account", "1Y")
    assert one_year.start == date(2026, 1, 1) and one_year.twr_annualised.value is not None


@time_machine.travel(datetime(2026, 3, 29, 0, 30, tzinfo=UTC))  # BST begins at 01:00 UTC that day
def test_a_trade_booked_just_after_midnight_bst_counts_on_the_local_day(isa, vusa, user):
    txn(isa, "deposit", date(2026, 3, 1), "100.00")
    # 23:30 UTC on 31 March is 00:30 BST on 1 April.
    t = txn(isa, "withdrawal", date(2026, 3, 31), "-10.00", booked_at=datetime(2026, 3, 31, 23, 30, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 4, 2, 12, tzinfo=UTC)):
        built = portfolio_series(user)
        account = built.find("account", str(isa.pk)).base
        assert account.flows[(date(2026, 4, 1) - account.start).days] == D("-10.00")
        assert account.flows[(date(2026, 3, 31) - account.start).days] == 0
    assert t.booked_date == date(2026, 3, 31)


@time_machine.travel(datetime(2026, 6, 30, 12, tzinfo=UTC))
def test_a_price_gap_gives_the_reason_not_a_number(isa, vusa, user):
    txn(isa, "deposit", date(2026, 1, 1), "1000.00")
    txn(isa, "buy", date(2026, 1, 1), "-10.00", vusa, "10", "100")
    SecurityPrice.objects.create(security=vusa, date=date(2026, 6, 28), close=D(150), currency="GBX", source="t")
    table = returns_table(user)
    ytd = _row(table, "account", "YTD")
    assert ytd.twr.value is None and "no price for Vanguard S&P 500 on 2026-01-09" in ytd.twr.reason
    assert ytd.mwr.value is None
    # The last days have prices: the last week is measured.
    scope = next(s for s in portfolio_series(user).scopes if s.scope.kind == "account")
    assert scope.base.values[-1] == D("1000.0000") - D("10.00") + D("15.0000")


@time_machine.travel(datetime(2026, 6, 30, 12, tzinfo=UTC))
def test_an_unmatched_transfer_in_without_cost_has_no_money_weighted_return(isa, vusa, user):
    txn(isa, "transfer_in", date(2026, 1, 1), "0", vusa, "10")
    prices(vusa, date(2026, 1, 1), 181, D(100), D(1))
    holding = _row(returns_table(user), "holding", "YTD")
    assert holding.mwr.value is None and "no cost and no matching transfer-out" in holding.mwr.reason
    assert holding.twr.value is not None  # valued at the market on the day it arrived


@time_machine.travel(datetime(2026, 6, 30, 12, tzinfo=UTC))
def test_cached_until_a_sync_writes(history, user):
    first = returns_table(user)
    txn(history, "deposit", date(2026, 6, 1), "500.00")
    assert returns_table(user) == first  # cached
    person_data_changed(user.pk)
    assert _row(returns_table(user), "account", "YTD").net_flows == D("1500.00")


@time_machine.travel(datetime(2026, 6, 30, 12, tzinfo=UTC))
def test_value_history_has_invested_capital_beside_value(history, user):
    found = value_history(user)
    assert found.points[0].invested == D("1000.00") and found.points[-1].value == D("1017.50")  # 280p on 30 June
    assert value_history(user, kind="account", key="not-mine") is None


def test_another_persons_data_is_never_measured(history, django_user_model):
    other = django_user_model.objects.create_user("other", password="x")
    assert portfolio_series(other).scopes == []


def _hold(account, security, quantity, value, day=date(2026, 3, 2)):
    snap = HoldingSnapshot.objects.create(account=account, date=day, as_of=datetime(2026, 3, 2, 16, tzinfo=UTC))
    Holding.objects.create(snapshot=snap, security=security, quantity=D(quantity), value=D(value), currency="GBP")
    account.current_snapshot = snap
    account.save()


def test_allocation_one_line_per_security_across_platforms(isa, vusa, user):
    other = InvestmentConnection.objects.create(user=user, provider="other-broker", status=ConnectionStatus.ACTIVE)
    gia = InvestmentAccount.objects.create(connection=other, external_id="g", name="GIA", currency="GBP",
                                           wrapper="gia", current_balance=D("100.00"))
    apple = Security.objects.create(name="Apple", isin="US0378331005", type="equity", quote_currency="USD",
                                    sector="Technology", country="US")
    _hold(isa, vusa, "10", "600.00")
    _hold(gia, vusa, "5", "300.00")
    snap = gia.current_snapshot
    Holding.objects.create(snapshot=snap, security=apple, quantity=D(1), value=D("100.00"), currency="GBP")
    found = allocation_compute(user)
    assert found.total == D("1100.00")
    line = found.lines[0]
    assert line.name == "Vanguard S&P 500" and line.value == D("900.00") and line.percent == D("81.82")
    assert {loc.wrapper for loc in line.locations} == {"Stocks & Shares ISA", "General investment account"}
    assert line.attributes["platform"].count("+") == 1
    sectors = {s.label: s.value for s in found.by["sector"]}
    assert sectors == {"Technology": D("100.00"), UNKNOWN: D("1000.00")}
    classes = {s.label: s.value for s in found.by["asset_class"]}
    assert classes == {"Equity": D("100.00"), "Cash": D("100.00"), UNKNOWN: D("900.00")}
    wrappers = {s.label: s.value for s in found.by["wrapper"]}
    assert wrappers == {"Stocks & Shares ISA": D("600.00"), "General investment account": D("500.00")}
    # A revoked connection's holdings no longer count.
    other.status = ConnectionStatus.REVOKED
    other.save()
    assert allocation_compute(user).total == D("600.00")
    assert allocation_for(user).total == D("600.00")
