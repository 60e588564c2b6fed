"""Answers that once duplicated a payment, lost a person's edit or rewrote rows: reordered
answers, an id listed as booked and pending at once, an unrelated payment claiming an old hold,
an amended payment on the window's first day, and claims decided first come first served."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from open_banking.models import BankTransaction

from .fakes import run_import as run
from .fakes import txn

pytestmark = pytest.mark.django_db
D, D2 = date(2026, 11, 1), date(2026, 11, 3)


# occurrence numbers are payload-wide, so a repeated id's key depends on an unrelated row's position.
def test_a_reordered_answer_with_a_repeated_id_neither_duplicates_nor_rewrites_a_payment(account):
    other = txn("Y", D, "-3.00", "PRET A MANGER")         # different id, same content as X's coffee
    coffee = txn("X", D, "-3.00", "PRET A MANGER")
    parking = txn("X", D, "-4.50", "NCP PARKING")
    run(account, [other, coffee, parking], window_from=D, window_to=D2)
    assert BankTransaction.objects.count() == 3
    again = run(account, [coffee, parking, other], window_from=D, window_to=D2)   # same answer, reordered
    assert BankTransaction.objects.count() == 3, "a reordered answer created a duplicate"
    assert (again.added, again.updated, again.removed) == (0, 0, 0)


def test_a_reordered_answer_keeps_the_persons_edit_on_a_repeated_id_payment(account):
    other = txn("Y", D2, "-3.00", "PRET A MANGER")
    coffee = txn("X", D2, "-3.00", "PRET A MANGER")
    parking = txn("X", D2, "-4.50", "NCP PARKING")
    run(account, [other, coffee, parking], window_from=D, window_to=D2)
    row = BankTransaction.objects.get(external_id__startswith="X#", amount=Decimal("-3"))
    row.category, row.category_source, row.locked_fields = "EATING_OUT", "user", ["category"]
    row.save()
    again = run(account, [coffee, parking, other], window_from=D, window_to=D2)
    assert (again.added, again.removed) == (0, 0), "row deleted and re-inserted: the person's edit is gone"


# same id in the booked and the pending list of one answer (keyed separately) -> two rows, one key.
def test_a_payment_listed_as_booked_and_pending_at_once_does_not_break_the_sync(account):
    run(account, [txn("T1", D2, "-9.99", "NETFLIX")], [txn("T1", D2, "-9.99", "NETFLIX", status="pending")],
        window_from=D, window_to=D2)
    assert BankTransaction.objects.get().status == "booked"


def test_a_payment_listed_as_booked_and_pending_stays_booked_and_is_not_rewritten(account):
    run(account, [txn("T1", D2, "-9.99", "NETFLIX")], window_from=D, window_to=D2)
    both = ([txn("T1", D2, "-9.99", "NETFLIX")], [txn("T1", D2, "-9.99", "NETFLIX", status="pending")])
    run(account, *both, window_from=D, window_to=D2)
    again = run(account, *both, window_from=D, window_to=D2)
    assert BankTransaction.objects.get().status == "booked", "a booked payment shown as pending"
    assert again.updated == 0, "identical answer rewrites the row every sync"


# 120-day claim window + "exact amount, zero word overlap" accepted -> unrelated payment claims a
# cancelled pending row and inherits its identity and the person's locked edits.
def test_an_unrelated_payment_weeks_later_does_not_take_over_a_released_hold(account):
    today = timezone.localdate()
    hotel = today - timedelta(days=40)
    run(account, [txn("b0", hotel - timedelta(days=1), "-1.00", "OLD")],
        [txn("p-hotel", hotel, "-150.00", "HILTON LONDON", status="pending")],
        window_from=hotel - timedelta(days=5), window_to=today)
    pend = BankTransaction.objects.get(external_id="p-hotel")
    pend.category, pend.category_source, pend.locked_fields, pend.notes = "TRAVEL_LODGING", "user", ["category"], "work trip"
    pend.save()
    # 40 days later the hold is released (not listed) and an unrelated Amazon order of the same amount books.
    result = run(account, [txn("b0", hotel - timedelta(days=1), "-1.00", "OLD"),
                           txn("amz-1", today, "-150.00", "AMAZON MARKETPLACE")], [],
                 window_from=hotel - timedelta(days=2), window_to=today)
    amazon = BankTransaction.objects.get(external_id="amz-1")
    assert result.claimed == 0 and amazon.pk != pend.pk, \
        f"AMAZON claimed the hotel hold: category={amazon.category} notes={amazon.notes!r}"


# different ids, identical content: fingerprint (stored) depends on order -> reorder rewrites.
def test_identical_payments_with_their_own_ids_are_not_rewritten_when_reordered(account):
    a, b = txn("A", D2, "-2.80", "TFL TRAVEL"), txn("B", D2, "-2.80", "TFL TRAVEL")
    run(account, [a, b], window_from=D, window_to=D2)
    again = run(account, [b, a], window_from=D, window_to=D2)
    assert again.updated == 0


# an amended repeated-id item on the uncovered first day is inserted next to the old copy.
def test_a_payment_amended_on_the_windows_first_day_is_not_duplicated(account):
    run(account, [txn("X", D, "-3.00", "PRET"), txn("X", D, "-4.50", "NCP")], window_from=D - timedelta(days=5),
        window_to=D2)
    run(account, [txn("X", D, "-3.00", "PRET A MANGER"), txn("X", D, "-4.50", "NCP")], window_from=D, window_to=D2)
    assert BankTransaction.objects.count() == 2


# greedy, order-dependent claim (ties broken by unordered DB row order) leaves a pending twin unclaimed;
# with no covered window (GoCardless account with no booked rows yet -> since=None) it is kept: double count.
def test_each_hold_is_claimed_by_its_own_booked_payment_not_first_come(account):
    today, shop = timezone.localdate(), "TESCO STORES"
    run(account, [], [txn(None, today - timedelta(days=1), "-10.00", shop, status="pending"),
                      txn(None, today, "-12.00", shop, status="pending")])
    # b1 is the -10.00 hold plus a tip, b2 the -12.00 hold plus a tip; greedy gives b1 the closer-dated -12.00.
    run(account, [txn("b1", today, "-11.00", shop), txn("b2", today, "-13.50", shop)], [])
    total = sum(t.amount for t in BankTransaction.objects.all())
    assert total == Decimal("-24.50"), f"stored {total}: a pending twin is kept beside its booked payment"



def test_an_id_less_payment_amended_on_the_windows_first_day_is_not_duplicated(account):
    run(account, [txn(None, D, "-3.00", "PRET A MANGER 123")], window_from=D - timedelta(days=5), window_to=D2)
    result = run(account, [txn(None, D, "-3.00", "PRET A MANGER 123 LONDON")], window_from=D, window_to=D2)
    assert (result.added, result.updated) == (0, 1)
    assert BankTransaction.objects.get().description == "PRET A MANGER 123 LONDON"
