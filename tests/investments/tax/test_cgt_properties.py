"""What no trade history may break: the order trades arrive in changes nothing, the pool never
goes below zero, every unit sold is matched exactly once, and the costs add up; plus splits,
consolidations and a sale of more than is held."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Context, Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from investments.tax.cgt import ACQUISITION, DISPOSAL, SPLIT, TRANSFER_OUT, CgtTrade, match_disposals

D = Decimal
START = date(2023, 3, 1)


@st.composite
def histories(draw):
    """Buys and sells of two securities over ~80 days, never selling more than is held, with
    several trades on some days (the same-day and 30-day rules both get exercised)."""
    trades, held = [], {"A": D(0), "B": D(0)}
    for n in range(draw(st.integers(1, 40))):
        security = draw(st.sampled_from(["A", "B"]))
        day = START + timedelta(days=draw(st.integers(0, 80)))
        trades.append((day, security, n))
    trades.sort()
    out = []
    for day, security, n in trades:
        quantity = D(draw(st.integers(1, 50)))
        money = D(draw(st.integers(1, 100_000))) / 100
        if held[security] >= quantity and draw(st.booleans()):
            held[security] -= quantity
            out.append(CgtTrade(security, DISPOSAL, day, quantity, money, reference=f"t{n}"))
        else:
            held[security] += quantity
            out.append(CgtTrade(security, ACQUISITION, day, quantity, money, D("1.50"), reference=f"t{n}"))
    return out


def summary(result):
    return [(d.security, d.day, d.quantity, d.proceeds, d.allowable_cost, d.gain,
             [(m.rule, m.quantity, m.cost, m.acquired_on) for m in d.matches]) for d in result.disposals]


@settings(max_examples=60, deadline=None)
@given(histories(), st.randoms(use_true_random=False))
def test_totals_do_not_depend_on_the_order_trades_are_imported_in(trades, rng):
    shuffled = list(trades)
    rng.shuffle(shuffled)
    one, two = match_disposals(trades), match_disposals(shuffled)
    assert summary(one) == summary(two)
    assert sum((d.gain for d in one.disposals), D(0)) == sum((d.gain for d in two.disposals), D(0))


@settings(max_examples=60, deadline=None)
@given(histories())
def test_the_pool_never_goes_negative_and_every_unit_sold_is_matched_once(trades):
    result = match_disposals(trades)
    assert result.complete
    for lines in result.pools.values():
        assert all(line.quantity >= 0 and line.cost >= 0 for line in lines)
    for disposal in result.disposals:
        assert sum((m.quantity for m in disposal.matches), D(0)) == disposal.quantity
    # cost in = cost matched + cost left in the pools (nothing created or lost by the apportionment)
    with localcontext(Context(prec=60)):  # the engine's own precision, not the default 28 digits
        cost_in = sum((t.amount for t in trades if t.kind == ACQUISITION), D(0))
        matched = sum((d.allowable_cost for d in result.disposals), D(0))
        left = sum((lines[-1].cost for lines in result.pools.values() if lines), D(0))
        assert abs(cost_in - matched - left) < D("1e-40")


@settings(max_examples=40, deadline=None)
@given(histories(), st.integers(1, 30))
def test_selling_more_than_is_held_is_refused_with_a_reason_not_a_negative_pool(trades, extra):
    last = max(t.day for t in trades) + timedelta(days=1)
    held = sum((t.quantity if t.kind == ACQUISITION else -t.quantity for t in trades if t.security == "A"), D(0))
    oversold = [*trades, CgtTrade("A", DISPOSAL, last, held + extra, D(10), reference="too-many")]
    result = match_disposals(oversold)
    assert not result.complete
    (problem,) = [p for p in result.problems if p.security == "A"]
    assert "were held in your taxable accounts" in problem.message and problem.day == last
    assert all(d.security != "A" for d in result.disposals)  # no partial figures for A
    assert "A" not in result.pools
    assert summary(match_disposals([t for t in trades if t.security == "B"])) == summary(result)


def test_a_split_changes_the_pool_quantity_not_its_cost_and_matches_across_it():
    trades = [
        CgtTrade("S", ACQUISITION, date(2024, 1, 10), D(100), D(1000)),
        CgtTrade("S", DISPOSAL, date(2024, 6, 3), D(50), D(800)),
        CgtTrade("S", SPLIT, date(2024, 6, 10), D(150)),  # 4-for-1: the 50 left become 200
        CgtTrade("S", ACQUISITION, date(2024, 6, 20), D(40), D(170)),  # 40 new = 10 old, inside 30 days
        CgtTrade("S", DISPOSAL, date(2024, 9, 1), D(100), D(600)),
    ]
    result = match_disposals(trades)
    june, september = result.disposals
    assert june.quantity == D(50)
    assert [(m.rule, m.quantity, m.cost) for m in june.matches] == [
        ("30 days", D(10), D(170)), ("section 104", D(40), D(400))]
    pool = result.pools["S"]
    split = next(line for line in pool if line.event.startswith("split"))
    assert (split.quantity, split.cost, split.cost_change) == (D(240), D(600), D(0))
    assert split.quantity_change == D(180)
    assert september.matches[0].rule == "section 104" and september.allowable_cost == D(250)  # 600 x 100 / 240


def test_a_close_old_open_new_consolidation_is_one_change():
    trades = [CgtTrade("S", ACQUISITION, date(2024, 1, 10), D(1000), D(5000)),
              CgtTrade("S", SPLIT, date(2024, 3, 1), D(-1000)), CgtTrade("S", SPLIT, date(2024, 3, 1), D(100)),
              CgtTrade("S", DISPOSAL, date(2024, 5, 1), D(50), D(3000))]
    result = match_disposals(trades)
    assert result.complete and result.disposals[0].allowable_cost == D(2500)


def test_a_transfer_out_leaves_the_pool_at_average_cost_without_a_disposal():
    trades = [CgtTrade("S", ACQUISITION, date(2024, 1, 10), D(100), D(1000)),
              CgtTrade("S", TRANSFER_OUT, date(2024, 2, 1), D(40)),
              CgtTrade("S", DISPOSAL, date(2024, 5, 1), D(60), D(900))]
    result = match_disposals(trades)
    assert [d.allowable_cost for d in result.disposals] == [D(600)]
    assert "not a disposal" in result.pools["S"][1].event


def test_twenty_random_orders_of_one_history_agree():
    trades = [CgtTrade("S", ACQUISITION, date(2024, 1, 1) + timedelta(days=i * 3), D(10 + i), D(100 + 7 * i))
              for i in range(30)]
    trades += [CgtTrade("S", DISPOSAL, date(2024, 1, 2) + timedelta(days=i * 5), D(5), D(90)) for i in range(20)]
    expected = summary(match_disposals(trades))
    rng = random.Random(4)
    for _ in range(20):
        rng.shuffle(trades)
        assert summary(match_disposals(trades)) == expected
