"""Rebuilt holdings against the platform's: every kind of difference is reported, with a message."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from integrations_core.records import HoldingRecord, HoldingSnapshotRecord
from investments.services.book_cost import PooledPosition, positions_from_trades
from investments.services.reconciliation import holdings_reconcile
from tests.investments.services.builders import trade

D = Decimal
AS_OF = datetime(2024, 6, 28, 21, 0, tzinfo=UTC)


def ours(security, quantity, cost, currency="GBP"):
    return PooledPosition(security, D(quantity), None if cost is None else D(cost), currency)


def theirs(security, quantity, cost=None, currency="GBP"):
    return HoldingRecord(security_external_id=security, quantity=D(quantity),
                         book_cost=None if cost is None else D(cost), currency=currency)


def test_matching_holdings_give_no_difference():
    rebuilt = positions_from_trades(
        [trade("buy", date(2024, 1, 2), 10, amount="-100.00"), trade("sell", date(2024, 2, 2), 3, amount="40")],
        account_currency="GBP",
    )
    snapshot = HoldingSnapshotRecord(as_of=AS_OF, holdings=[theirs("VWRL", 7, "70.00")])
    assert holdings_reconcile(rebuilt, snapshot) == []


def test_each_kind_of_difference_is_reported():
    rebuilt = {
        "QTY": ours("QTY", 10, "100.00"),
        "COST": ours("COST", 5, "50.00"),
        "OURS": ours("OURS", 2, "20.00"),
        "SOLD": ours("SOLD", 0, "0.00"),  # fully sold: not held, so not missing anywhere
    }
    reported = [theirs("QTY", 12, "100.00"), theirs("COST", 5, "52.50"), theirs("THEIRS", 4, "40.00")]
    differences = holdings_reconcile(rebuilt, reported)
    found = {(d.security_external_id, d.field, d.ours, d.theirs) for d in differences}
    assert found == {
        ("QTY", "quantity", D(10), D(12)),
        ("COST", "book_cost", D("50.00"), D("52.50")),
        ("OURS", "missing_on_platform", D(2), None),
        ("THEIRS", "missing_in_history", None, D(4)),
    }
    messages = {d.field: d.message for d in differences}
    assert messages["quantity"] == "QTY: the transaction history holds 10 units, the platform reports 12 (difference -2)"
    assert "book cost from the history is 50.00 GBP, the platform reports 52.50 GBP (difference -2.50)" in (
        messages["book_cost"]
    )
    assert "platform reports no position" in messages["missing_on_platform"]
    assert "history holds none" in messages["missing_in_history"]


def test_quantity_and_cost_differences_on_one_security_are_both_reported():
    differences = holdings_reconcile({"X": ours("X", 10, "100.00")}, [theirs("X", 9, "90.00")])
    assert [d.field for d in differences] == ["quantity", "book_cost"]


def test_cost_within_one_minor_unit_is_accepted_by_default_and_tolerances_are_adjustable():
    rebuilt = {"X": ours("X", 10, "100.00")}
    assert holdings_reconcile(rebuilt, [theirs("X", 10, "100.01")]) == []
    assert len(holdings_reconcile(rebuilt, [theirs("X", 10, "100.02")])) == 1
    assert len(holdings_reconcile(rebuilt, [theirs("X", 10, "100.01")], cost_tolerance=D(0))) == 1
    fractional = [theirs("X", "10.00000001", "100.00")]
    assert len(holdings_reconcile(rebuilt, fractional)) == 1
    assert holdings_reconcile(rebuilt, fractional, quantity_tolerance=D("0.0000001")) == []


def test_unknown_cost_on_our_side_is_a_difference_when_the_platform_knows_it():
    rebuilt = positions_from_trades([trade("transfer_in", date(2024, 1, 2), 10)], account_currency="GBP")
    [difference] = holdings_reconcile(rebuilt, [theirs("VWRL", 10, "123.45")])
    assert (difference.field, difference.ours, difference.theirs) == ("book_cost", None, D("123.45"))
    assert "cannot work it out" in difference.message


def test_no_reported_cost_means_nothing_to_compare():
    assert holdings_reconcile({"X": ours("X", 10, "100.00")}, [theirs("X", 10)]) == []


def test_cost_in_another_currency_is_reported_not_compared():
    [difference] = holdings_reconcile({"X": ours("X", 10, "100.00")}, [theirs("X", 10, "125.00", "USD")])
    assert difference.field == "book_cost"
    assert "not compared" in difference.message


def test_several_reported_lines_for_one_security_are_added_up():
    reported = [theirs("X", 6, "60.00"), theirs("X", 4, "40.00")]
    assert holdings_reconcile({"X": ours("X", 10, "100.00")}, reported) == []


def test_an_incomplete_snapshot_says_so():
    snapshot = HoldingSnapshotRecord(as_of=AS_OF, holdings=[], complete=False)
    [difference] = holdings_reconcile({"X": ours("X", 1, "1.00")}, snapshot)
    assert difference.field == "missing_on_platform"
    assert "incomplete" in difference.message
