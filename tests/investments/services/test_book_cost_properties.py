"""Property: whatever the history, cost is conserved exactly (added == removed + remaining,
before rounding), and neither the pool's quantity nor its cost ever goes negative. (A holding
emptied by a split keeps its cost: a provider may book the "open" leg of a split days after the
"close" leg.)"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from integrations_core.money import to_minor
from investments.services.book_cost import positions_from_trades
from tests.investments.services.builders import trade

START = date(2020, 1, 1)

quantities = st.decimals(min_value=Decimal("0.00000001"), max_value=Decimal("100000"), places=8)
prices = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("5000"), places=4)
fees = st.decimals(min_value=Decimal("0"), max_value=Decimal("20"), places=2)

events = st.one_of(
    st.tuples(st.just("buy"), quantities, prices, fees, st.sampled_from(["GBP", "GBX"])),
    st.tuples(st.just("sell"), quantities, prices, fees, st.just("GBP")),
    st.tuples(st.just("transfer_out"), quantities, prices, fees, st.just("GBP")),
    st.tuples(st.just("split"), quantities, prices, fees, st.just("GBP")),
)


@settings(max_examples=200, deadline=None)
@given(history=st.lists(st.tuples(events, st.integers(0, 30)), min_size=1, max_size=30))
def test_cost_is_conserved_exactly_and_never_negative(history):
    records = []
    day = START
    for index, ((kind, quantity, price, fee, currency), gap) in enumerate(history):
        day += timedelta(days=gap)
        if kind == "split":
            # a split's quantity is the signed change; alternate splits and consolidations
            records.append(trade("split", day, quantity if index % 2 else -quantity, external_id=str(index)))
        else:
            records.append(trade(kind, day, quantity, price, price_currency=currency, fees=str(fee),
                                 external_id=str(index)))
    position = positions_from_trades(records, account_currency="GBP")["VWRL"]

    assert position.exact_book_cost is not None
    assert position.cost_added == position.cost_removed + position.exact_book_cost
    assert position.exact_book_cost >= 0
    assert position.quantity >= 0
    assert position.book_cost == to_minor(position.exact_book_cost, "GBP")
