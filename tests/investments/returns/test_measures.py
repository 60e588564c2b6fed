"""TWR and XIRR over plain series: the properties the issue asks for, and the hand-worked cases."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from investments.returns.measures import annualise, money_weighted, time_weighted
from investments.returns.periods import Period, months_back, period_bounds
from investments.returns.series import Movement, PricePoint, Rates, Series, account_series, holding_series

D = Decimal
START = date(2025, 1, 1)


def series(values, flows=None, start=START) -> Series:
    s = Series.zeros(start, len(values), "GBP")
    s.values = [None if v is None else D(v) for v in values]
    s.flows = [D(f) for f in (flows or [0] * len(values))]
    return s


def test_twr_chains_daily_factors_and_ignores_the_size_of_a_deposit():
    # 100 -> 110 (+10 %), then 1,000 paid in at the start of day 2 and the whole grows 10 %.
    s = series(["100", "110", "1221"], ["100", "0", "1000"])
    assert time_weighted(s, START - timedelta(days=1), START + timedelta(days=2)).value == D("0.21")


def test_a_withdrawal_leaves_at_the_end_of_its_day():
    # Everything sold on day 1 for 120: the holding made 20 %, it did not lose 100 %.
    s = series(["100", "0"], ["100", "-120"])
    assert time_weighted(s, START - timedelta(days=1), START + timedelta(days=1)).value == D("0.2")


def test_a_gap_gives_no_number_but_the_reason():
    s = series(["100", None, "120"], ["100", "0", "0"])
    s.reasons[1] = "no price for VUSA on 2025-01-02"
    figure = time_weighted(s, START - timedelta(days=1), START + timedelta(days=2))
    assert figure.value is None and figure.reason == "no price for VUSA on 2025-01-02"
    assert money_weighted(s, START - timedelta(days=1), START + timedelta(days=2)).value is None
    # A period after the gap is measured.
    assert time_weighted(s, START + timedelta(days=2), START + timedelta(days=2)).value == D(0)


def test_mwr_says_why_a_transfer_has_no_cost():
    s = series(["100", "120"], ["100", "0"])
    s.flow_reasons[0] = "VUSA: a transfer-in on 2025-01-01 has no cost and no matching transfer-out"
    assert "no cost" in money_weighted(s, START - timedelta(days=1), START + timedelta(days=1)).reason


closes = st.lists(st.decimals(min_value=D("1"), max_value=D("1000"), places=2), min_size=3, max_size=40)


def _account(closes, extra: list[Movement]) -> Series:
    """A GBP account: 5 units bought on day 0 with the money paid in, valued at `closes`."""
    moves = [Movement("d", START, "deposit", 5 * closes[0]),
             Movement("b", START, "buy", -(5 * closes[0]), security="X", quantity=D(5), price=closes[0],
                      price_currency="GBP"), *extra]
    prices = [PricePoint(START + timedelta(days=i), c, "GBP") for i, c in enumerate(closes)]
    rates = Rates(fx=None)
    held = holding_series("X", [m for m in moves if m.security], prices, start=START, days=len(closes),
                          account_currency="GBP", rates=rates)
    return account_series(moves, [held], start=START, days=len(closes), currency="GBP")


@settings(max_examples=60, deadline=None)
@given(closes=closes, day=st.integers(min_value=0, max_value=39),
       amount=st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2))
def test_twr_is_unchanged_by_a_same_day_deposit_and_withdrawal(closes, day, amount):
    on = START + timedelta(days=day % len(closes))
    end = START + timedelta(days=len(closes) - 1)
    plain = _account(closes, [])
    both = _account(closes, [Movement("in", on, "deposit", amount), Movement("out", on, "withdrawal", -amount)])
    before = time_weighted(plain, START - timedelta(days=1), end)
    assert before.value is not None
    assert time_weighted(both, START - timedelta(days=1), end) == before
    # ...whereas the same deposit left in does change what the account holds
    kept = _account(closes, [Movement("in", on, "deposit", amount)])
    assert kept.values[-1] == plain.values[-1] + amount


@settings(max_examples=60, deadline=None)
@given(paid=st.decimals(min_value=D("10"), max_value=D("100000"), places=2),
       growth=st.decimals(min_value=D("0.2"), max_value=D("5"), places=3),
       days=st.integers(min_value=30, max_value=3650))
def test_xirr_of_one_flow_is_the_simple_annualised_return(paid, growth, days):
    end_value = (paid * growth).quantize(D("0.01"))
    s = Series.zeros(START, days + 1, "GBP")
    s.values = [paid] * days + [end_value]
    s.flows[0] = paid
    figure = money_weighted(s, START - timedelta(days=1), START + timedelta(days=days))
    # paid on its own day (START), valued `days` later
    expected = annualise(end_value / paid - 1, days)
    assert figure.value is not None
    assert abs(figure.value - expected) < D("0.000001")


def test_annualise():
    assert annualise(D("0.21"), 730) == D("0.1000000000")


def test_months_back_clamps_to_month_end():
    assert months_back(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_back(date(2024, 5, 31), 3) == date(2024, 2, 29)
    assert months_back(date(2026, 1, 15), 1) == date(2025, 12, 15)


def test_period_bounds():
    today = date(2027, 1, 1)
    assert period_bounds(Period.YTD, today, date(2020, 1, 1)) == (date(2026, 12, 31), today)
    assert period_bounds(Period.ALL, today, date(2020, 3, 4)) == (date(2020, 3, 3), today)
    assert period_bounds(Period.Y5, today, None) == (date(2022, 1, 1), today)
    assert period_bounds(Period.CUSTOM, today, None, date_from=date(2026, 4, 6), date_to=date(2027, 4, 5)) == \
        (date(2026, 4, 5), date(2027, 4, 5))
