"""Pooled average book cost: worked examples, HMRC's figures, corporate actions, currencies and
the warnings for histories that do not add up."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from investments.services.book_cost import UNMATCHED_TRANSFER_IN, positions_from_trades
from tests.investments.services.builders import trade

D = Decimal
JAN, FEB, MAR, APR = date(2024, 1, 15), date(2024, 2, 15), date(2024, 3, 15), date(2024, 4, 15)


def pool(transactions, currency="GBP", **kwargs):
    return positions_from_trades(transactions, account_currency=currency, **kwargs)


def test_worked_example_two_buys_then_a_sale_removes_cost_pro_rata():
    # 100 @ £10 + £10 fees = £1,010; 50 @ £12 = £600; pool 150 for £1,610; selling 75 (half)
    # removes £805 whatever the sale price.
    positions = pool([
        trade("buy", JAN, 100, "10", amount="-1010", fees="10"),
        trade("buy", FEB, 50, "12", amount="-600"),
        trade("sell", MAR, 75, "13", amount="975"),
    ])
    position = positions["VWRL"]
    assert position.quantity == D(75)
    assert position.book_cost == D("805.00")
    assert position.cost_added == D(1610)
    assert position.cost_removed == D(805)
    assert position.warnings == []


def test_cost_from_price_fees_and_taxes_when_the_amount_is_absent():
    # 200 @ £5.125 = £1,025 + £11.95 commission + 0.5% stamp duty £5.13 (rounded by the broker).
    positions = pool([trade("buy", JAN, 200, "5.125", fees="11.95", taxes="5.13")])
    assert positions["VWRL"].book_cost == D("1042.08")


def test_amount_is_preferred_over_price_because_it_is_the_cash_paid():
    # The broker's fill price is shown rounded; the cash paid is the truth.
    positions = pool([trade("buy", JAN, 3, "33.33", amount="-100.00")])
    assert positions["VWRL"].book_cost == D("100.00")


def test_hmrc_cg51621_pool_of_qualifying_expenditure():
    # CG51621: 400 shares at £4.50 + £25 dealing costs = £1,825; then 500 at £6 + £25 = £3,025;
    # the pool of qualifying expenditure is 900 shares for £4,850.
    positions = pool([
        trade("buy", date(1984, 1, 10), 400, "4.50", fees="25"),
        trade("buy", date(1986, 12, 10), 500, "6", fees="25"),
    ])
    assert (positions["VWRL"].quantity, positions["VWRL"].book_cost) == (D(900), D("4850.00"))


def test_hmrc_cg51624_half_the_holding_sold_takes_half_the_pool():
    # CG51624: 10,000 shares for £100,000, 5,000 sold: pool £50,000 for the 5,000 left.
    positions = pool([
        trade("buy", date(2005, 1, 10), 10000, amount="-100000"),
        trade("sell", date(2013, 1, 10), 5000, amount="60000"),
    ])
    assert (positions["VWRL"].quantity, positions["VWRL"].book_cost) == (D(5000), D("50000.00"))


def test_hs284_example_3_sale_of_400_from_a_pool_of_800_costing_3349():
    # HS284 Example 3 (2023): before the sale of 400 Lobster plc shares the pool is 800 shares
    # for £3,349; the allowable cost is 3,349 x 400/800 = £1,674.50 (HMRC shows whole pounds).
    positions = pool([
        trade("buy", date(2017, 5, 1), 800, amount="-3349"),
        trade("sell", date(2018, 2, 1), 400, amount="2080"),
    ])
    assert positions["VWRL"].cost_removed == D("1674.5")
    assert positions["VWRL"].book_cost == D("1674.50")


def test_partial_fills_of_one_order_pool_like_one_trade():
    fills = [
        trade("buy", JAN, 30, "10.00", amount="-309.95", fees="9.95", external_id="o1-a"),
        trade("buy", JAN, 50, "10.02", amount="-501.00", external_id="o1-b"),
        trade("buy", JAN, 20, "10.05", amount="-201.00", external_id="o1-c"),
        trade("sell", FEB, 40, "11", amount="440", external_id="o2-a"),
        trade("sell", FEB, 10, "11", amount="110", external_id="o2-b"),
    ]
    whole = [trade("buy", JAN, 100, amount="-1011.95"), trade("sell", FEB, 50, amount="550")]
    assert pool(fills)["VWRL"].book_cost == pool(whole)["VWRL"].book_cost == D("505.98")  # 505.975


def test_same_day_buys_come_before_sells_whatever_the_input_order():
    positions = pool([
        trade("sell", JAN, 10, amount="101", external_id="a"),
        trade("buy", JAN, 10, amount="-100", external_id="b"),
    ])
    assert positions["VWRL"].quantity == 0
    assert positions["VWRL"].book_cost == D("0.00")
    assert positions["VWRL"].warnings == []


def test_four_for_one_split_changes_quantity_not_cost():
    positions = pool([
        trade("buy", JAN, 100, amount="-1000"),
        trade("split", FEB, 300),  # +300: 100 becomes 400
        trade("sell", MAR, 200, amount="700"),
    ])
    assert positions["VWRL"].quantity == D(200)
    assert positions["VWRL"].book_cost == D("500.00")


def test_split_as_close_and_open_pair_in_any_order():
    positions = pool([
        trade("buy", JAN, 100, amount="-1000"),
        trade("split", FEB, -100, external_id="close"),
        trade("split", FEB, 400, external_id="open"),
    ])
    assert (positions["VWRL"].quantity, positions["VWRL"].book_cost) == (D(400), D("1000.00"))
    assert positions["VWRL"].warnings == []


def test_split_close_and_open_on_different_days_keep_the_cost():
    positions = pool([
        trade("buy", JAN, 100, amount="-1000"),
        trade("split", FEB, -100),
        trade("split", MAR, 400),
    ])
    assert (positions["VWRL"].quantity, positions["VWRL"].book_cost) == (D(400), D("1000.00"))


def test_one_for_ten_consolidation():
    positions = pool([trade("buy", JAN, 1000, amount="-500"), trade("split", FEB, -900)])
    assert (positions["VWRL"].quantity, positions["VWRL"].book_cost) == (D(100), D("500.00"))


def test_gbx_prices_are_converted_exactly_and_rounded_once():
    # 100.5p is £1.005: each trade alone would round to £1.00 (half even); the pool keeps
    # £2.010 and reports £2.01.
    positions = pool([
        trade("buy", JAN, 1, "100.5", price_currency="GBX"),
        trade("buy", FEB, 1, "100.5", price_currency="GBX"),
    ])
    assert positions["VWRL"].exact_book_cost == D("2.010")
    assert positions["VWRL"].book_cost == D("2.01")
    assert pool([trade("buy", JAN, 333, "123.45", price_currency="GBp")])["VWRL"].exact_book_cost == D("411.0885")


def test_usd_buy_converted_with_the_record_fx_rate():
    # 10 @ $150 at 0.79 GBP per USD = £1,185 + £1.50 FX fee.
    positions = pool([trade("buy", JAN, 10, "150", price_currency="USD", fx_rate="0.79", fees="1.50",
                            original_currency="USD", security="AAPL")])
    assert positions["AAPL"].book_cost == D("1186.50")


def test_usd_buy_converted_with_an_fx_source_when_the_record_has_no_rate():
    class FixedFx:
        def rate(self, base, quote, on):
            return D("0.8") if (base, quote) == ("USD", "GBP") else None

    record = trade("buy", JAN, 3, "101.01", price_currency="USD", security="AAPL")
    assert pool([record], fx=FixedFx())["AAPL"].exact_book_cost == D("242.4240")
    without = pool([record])["AAPL"]
    assert without.book_cost is None
    assert "no FX rate from USD to GBP" in without.warnings[0]


def test_selling_more_than_held_warns_and_empties_the_pool():
    positions = pool([trade("buy", JAN, 10, amount="-100"), trade("sell", FEB, 15, amount="180")])
    position = positions["VWRL"]
    assert (position.quantity, position.book_cost) == (D(0), D("0.00"))
    assert position.cost_removed == D(100)
    assert "15 units disposed of but only 10 are held" in position.warnings[0]


def test_selling_with_nothing_held_is_a_warning_not_a_crash():
    positions = pool([trade("sell", FEB, 5, amount="50")])
    assert positions["VWRL"].quantity == 0
    assert "while none are held" in positions["VWRL"].warnings[0]


def test_transfer_in_without_cost_makes_the_cost_unknown_until_emptied():
    positions = pool([
        trade("transfer_in", JAN, 50),
        trade("buy", FEB, 10, amount="-100"),
    ])
    assert positions["VWRL"].quantity == D(60)
    assert positions["VWRL"].book_cost is None
    assert UNMATCHED_TRANSFER_IN in positions["VWRL"].warnings[0]
    emptied = pool([trade("transfer_in", JAN, 50), trade("sell", FEB, 50, amount="600"),
                    trade("buy", MAR, 5, amount="-60")])
    assert emptied["VWRL"].book_cost == D("60.00")


def test_transfer_in_with_cost_and_transfer_out_pro_rata():
    positions = pool([
        trade("transfer_in", JAN, 40, "12.5"),  # carried-over unit cost: £500
        trade("transfer_out", FEB, 10),
    ])
    assert (positions["VWRL"].quantity, positions["VWRL"].book_cost) == (D(30), D("375.00"))


def test_cash_movements_do_not_touch_the_pool():
    base = [trade("buy", JAN, 10, amount="-100")]
    cash = [
        trade("dividend", FEB, amount="3.20"),
        trade("interest", FEB, amount="0.40"),
        trade("fee", FEB, amount="-1.50"),
        trade("tax", FEB, amount="-0.48"),
        trade("deposit", FEB, amount="100", security=""),
    ]
    assert pool(base + cash) == pool(base)


def test_result_does_not_depend_on_input_order():
    history = [
        trade("buy", JAN, 7, amount="-70.07", external_id="1"),
        trade("buy", JAN, 3, amount="-33.33", external_id="2"),
        trade("sell", FEB, 4, amount="50", external_id="3"),
        trade("split", MAR, 12, external_id="4"),
        trade("sell", APR, 5, amount="20", external_id="5"),
        trade("sell", APR, 2, amount="8", external_id="6"),
    ]
    expected = pool(history)
    shuffled = history[:]
    random.Random(1).shuffle(shuffled)
    assert pool(shuffled) == expected


def test_model_rows_with_the_same_attribute_names_work():
    row = SimpleNamespace(
        external_id="r1", type="buy", booked_date=JAN, amount=D("-250.00"), currency="GBP",
        security_external_id="ISF", quantity=D("25"), price=D("1000"), price_currency="GBX",
        fees=D(0), taxes=D(0), original_currency="", fx_rate=None, booked_at=None,
    )
    assert pool([row])["ISF"].book_cost == D("250.00")


def test_unknown_type_is_reported():
    positions = pool([trade("buy", JAN, 1, amount="-1"), trade("other", FEB, 1)])
    assert "not understood" in positions["VWRL"].warnings[0]
