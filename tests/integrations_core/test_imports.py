"""The one write path: idempotent, pending claimed by its booked twin, twins kept, drops removed,
user edits locked."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from open_banking.models import BankTransaction

from .fakes import run_import as run
from .fakes import txn

pytestmark = pytest.mark.django_db
D1, D2, D3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)


def rows(account):
    return list(BankTransaction.objects.filter(account=account).order_by("booked_date", "amount")
                .values_list("status", "amount", "description"))


def test_second_import_of_same_data_changes_nothing(account):
    booked = [txn("t1", D1, "-3.00"), txn(None, D2, "-4.50", "CORNER SHOP")]
    pending = [txn(None, D3, "-9.99", "NETFLIX", status="pending")]
    first = run(account, booked, pending, window_from=D1, window_to=D3)
    assert (first.added, first.updated, first.removed) == (3, 0, 0)
    snapshot = list(BankTransaction.objects.order_by("pk").values())
    second = run(account, booked, pending, window_from=D1, window_to=D3)
    assert (second.added, second.updated, second.removed) == (0, 0, 0)
    assert list(BankTransaction.objects.order_by("pk").values()) == snapshot


def test_pending_booked_under_new_id_and_amount_leaves_one_row(account):
    run(account, pending=[txn("p-1", D1, "-20.00", "PIZZA EXPRESS LONDON", status="pending")])
    pending_row = BankTransaction.objects.get()
    pending_row.category = "FOOD_AND_DRINK_RESTAURANT"
    pending_row.locked_fields = ["category"]
    pending_row.save()
    result = run(account, booked=[txn("b-77", D3, "-23.00", "PIZZA EXPRESS")], pending=[])
    assert (result.added, result.claimed, result.removed) == (0, 1, 0)
    row = BankTransaction.objects.get()
    assert row.pk == pending_row.pk  # same row: the user's edits survive booking
    assert (row.status, row.external_id, row.amount, row.booked_date) == ("booked", "b-77", Decimal("-23.00"), D3)
    assert row.category == "FOOD_AND_DRINK_RESTAURANT"


def test_pending_not_claimed_by_unrelated_booked(account):
    run(account, pending=[txn("p-1", D1, "-20.00", "PIZZA EXPRESS", status="pending")])
    result = run(account, booked=[txn("b-1", D2, "-250.00", "COUNCIL TAX")], pending=[],
                 window_from=D1 - timedelta(days=2), window_to=D3)
    assert result.claimed == 0 and result.removed == 1  # the pending one vanished (cancelled)
    assert rows(account) == [("booked", Decimal("-250.00"), "COUNCIL TAX")]


def test_pending_without_ids_booked_without_ids(account):
    run(account, pending=[txn(None, D1, "-5.00", "COSTA COFFEE", status="pending")])
    run(account, booked=[txn(None, D2, "-5.00", "COSTA COFFEE 1234")], pending=[])
    assert rows(account) == [("booked", Decimal("-5.00"), "COSTA COFFEE 1234")]


def test_identical_twins_in_one_payload_are_both_kept(account):
    twins = [txn(None, D1, "-12.00", "GYM MEMBERSHIP"), txn(None, D1, "-12.00", "GYM MEMBERSHIP")]
    assert run(account, twins).added == 2
    assert run(account, twins).added == 0
    assert BankTransaction.objects.count() == 2


def test_duplicate_provider_ids_in_one_payload_are_kept_apart(account):
    dupes = [txn("same", D1, "-1.00", "A"), txn("same", D1, "-2.00", "B")]
    assert run(account, dupes).added == 2
    assert run(account, dupes).added == 0


def test_dropped_booked_transaction_is_removed_only_inside_the_window(account):
    run(account, [txn("old", D1, "-1.00"), txn("t2", D2, "-2.00"), txn("t3", D3, "-3.00")])
    result = run(account, [txn("t3", D3, "-3.00")], window_from=D1, window_to=D3)
    # t2 dropped by the bank; `old` is on the window's first day, which is never trusted to be
    # complete (a provider's from= date is in its own time zone).
    assert result.removed == 1
    assert set(BankTransaction.objects.values_list("external_id", flat=True)) == {"old", "t3"}


def test_user_locked_fields_survive_resync(account):
    run(account, [txn("t1", D1, "-3.00", "TESCO STORES 123", merchant_name="Tesco")])
    row = BankTransaction.objects.get()
    row.merchant_name, row.locked_fields = "My corner Tesco", ["merchant_name"]
    row.save()
    result = run(account, [txn("t1", D1, "-3.50", "TESCO STORES 123", merchant_name="Tesco")])
    row.refresh_from_db()
    assert result.updated == 1 and row.amount == Decimal("-3.50") and row.merchant_name == "My corner Tesco"


def test_raw_payload_and_running_balance_are_kept(account):
    run(account, [txn("t1", D1, "-3.00", raw={"meta": {"x": 1}}, running_balance=Decimal("10.00"))])
    row = BankTransaction.objects.get()
    assert row.raw == {"meta": {"x": 1}} and row.running_balance == Decimal("10.00")


def test_pending_booked_under_the_same_id_is_updated_in_place(account):
    run(account, pending=[txn("same-id", D1, "-7.00", "UBER TRIP", status="pending")])
    pk = BankTransaction.objects.get().pk
    result = run(account, booked=[txn("same-id", D2, "-7.40", "UBER TRIP")], pending=[])
    assert (result.added, result.updated, result.removed) == (0, 1, 0)
    row = BankTransaction.objects.get()
    assert (row.pk, row.status, row.amount) == (pk, "booked", Decimal("-7.40"))


def test_amended_rows_are_rewritten_column_for_column(account):
    """Amended rows are written in one statement (an UPDATE from a VALUES list on PostgreSQL):
    every synced column of each row gets its own new value, NULLs and JSON included, and rows
    nobody amended are left alone."""
    run(account, [txn("a", D1, "-3.00", "SHOP ONE", raw={"v": 1}, running_balance=Decimal("10.00")),
                  txn("b", D1, "-4.00", "SHOP TWO", raw={"v": 2}),
                  txn("c", D2, "-5.00", "SHOP THREE")], window_from=D1, window_to=D3)
    untouched = BankTransaction.objects.get(external_id="c").updated_at
    result = run(account, [txn("a", D2, "-3.50", "SHOP ONE AMENDED", raw={"v": [1, "x"]}, running_balance=None),
                           txn("b", D1, "-4.00", "SHOP TWO", raw={"v": 3}, running_balance=Decimal("-0.01")),
                           txn("c", D2, "-5.00", "SHOP THREE")], window_from=D1, window_to=D3)
    assert (result.added, result.updated, result.removed) == (0, 2, 0)
    got = {r.external_id: r for r in BankTransaction.objects.filter(account=account)}
    assert (got["a"].booked_date, got["a"].amount, got["a"].description, got["a"].raw, got["a"].running_balance) == (
        D2, Decimal("-3.50"), "SHOP ONE AMENDED", {"v": [1, "x"]}, None)
    assert (got["b"].amount, got["b"].raw, got["b"].running_balance) == (Decimal("-4.00"), {"v": 3}, Decimal("-0.01"))
    assert got["c"].updated_at == untouched
