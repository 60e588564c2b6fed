"""The matching engine's rules, with fake item sources (tests/reconciliation/conftest.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from reconciliation.models import MatchStatus, ReconMatch
from reconciliation.registry import ItemKind
from reconciliation.services.actions import ActionRefused, match_confirm, match_reject, match_unmatch
from reconciliation.services.engine import reconciliation_run
from reconciliation.services.items import ItemSourceFailed

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 31)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-12-31 12:00:00+00:00", tick=False):
        yield


def run(user):
    return reconciliation_run(user, today=TODAY)


def rows(user, status=None):
    qs = ReconMatch.objects.filter(user=user)
    return {(m.left_key, m.right_key): m.status for m in (qs.filter(status=status) if status else qs)}


def test_a_unique_exact_pair_is_matched_automatically(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "1234.56")  # a Tuesday
    fake_items.credit(user, 1, date(2026, 11, 10), "1234.56", reference="STRIPE PAYMENTS UK")
    result = run(user)
    assert rows(user) == {("payments.payout:1", "bank.txn:c1"): MatchStatus.MATCHED}
    match = ReconMatch.objects.get(user=user)
    assert match.left_amount == match.right_amount == Decimal("1234.56") and match.currency == "GBP"
    assert match.rule == "payout_bank_credit" and match.score > Decimal("0.8")
    assert (result.items, result.matched, result.suggested) == (2, 1, 0)


def test_a_penny_out_never_matches(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "100.00")
    fake_items.credit(user, 1, date(2026, 11, 10), "100.01")
    run(user)
    assert rows(user) == {}


def test_a_currency_mismatch_never_matches_even_with_the_same_number(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "500.00", currency="EUR")
    fake_items.credit(user, 1, date(2026, 11, 10), "500.00", currency="GBP")
    run(user)
    assert rows(user) == {}


def test_jpy_whole_yen_amounts_match(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "15000", currency="JPY")
    fake_items.credit(user, 1, date(2026, 11, 11), "15000.0000", currency="JPY")
    run(user)
    assert rows(user, MatchStatus.MATCHED) == {("payments.payout:1", "bank.txn:c1"): MatchStatus.MATCHED}


@pytest.mark.parametrize(("arrival", "booked", "matches"), [
    (date(2026, 11, 13), date(2026, 11, 16), True),  # Friday payout booked Monday: 1 working day
    (date(2026, 11, 13), date(2026, 11, 18), True),  # Wednesday: 3 working days, the window's end
    (date(2026, 11, 13), date(2026, 11, 19), False),  # Thursday: 4 working days, outside
    (date(2026, 11, 16), date(2026, 11, 13), True),  # booked the Friday before a Monday arrival: -1
    (date(2026, 11, 17), date(2026, 11, 13), False),  # two working days early
    (date(2026, 11, 14), date(2026, 11, 16), True),  # a Saturday arrival booked on Monday
    # Christmas: Thursday 24th -> Tuesday 29th is one working day (25th and the 28th substitute are holidays).
    (date(2026, 12, 24), date(2026, 12, 31), True),
    (date(2026, 12, 24), date(2027, 1, 4), False),  # 24th -> 4 Jan: 4 working days (29, 30, 31, 4)
    # Month end: Friday 30 October -> Wednesday 4 November is 3 working days.
    (date(2026, 10, 30), date(2026, 11, 4), True),
    # Bank holiday Monday 31 August: Friday 28th -> Thursday 3 September is 3 working days.
    (date(2026, 8, 28), date(2026, 9, 3), True),
])
def test_the_payout_window_is_counted_in_working_days(user, fake_items, arrival, booked, matches):
    fake_items.payout(user, 1, arrival, "250.00")
    fake_items.credit(user, 1, booked, "250.00")
    with time_machine.travel("2027-01-05 12:00:00+00:00", tick=False):
        reconciliation_run(user, today=date(2027, 1, 5))
    assert bool(rows(user, MatchStatus.MATCHED)) is matches


def test_a_payout_across_the_year_end_matches(user, fake_items):
    fake_items.payout(user, 1, date(2026, 12, 31), "99.00")
    fake_items.credit(user, 1, date(2027, 1, 4), "99.00")  # 1 Jan is a holiday, then the weekend
    with time_machine.travel("2027-01-05 12:00:00+00:00", tick=False):
        reconciliation_run(user, today=date(2027, 1, 5))
    assert rows(user) == {("payments.payout:1", "bank.txn:c1"): MatchStatus.MATCHED}


def test_payouts_of_consecutive_days_booked_together_each_find_their_own_credit(user, fake_items):
    """Friday's and Monday's payouts both booked on Monday: different amounts, so each is unique."""
    fake_items.payout(user, 1, date(2026, 11, 13), "310.40")
    fake_items.payout(user, 2, date(2026, 11, 16), "95.10")
    fake_items.credit(user, 1, date(2026, 11, 16), "310.40")
    fake_items.credit(user, 2, date(2026, 11, 16), "95.10")
    run(user)
    assert rows(user) == {("payments.payout:1", "bank.txn:c1"): MatchStatus.MATCHED,
                          ("payments.payout:2", "bank.txn:c2"): MatchStatus.MATCHED}


def test_a_payout_split_into_two_bank_credits_is_not_matched_to_either(user, fake_items):
    """The engine pairs one item with one item: part amounts are never a match; both stay
    unmatched for the person to see."""
    fake_items.payout(user, 1, date(2026, 11, 13), "300.00")
    fake_items.credit(user, 1, date(2026, 11, 13), "200.00")
    fake_items.credit(user, 2, date(2026, 11, 16), "100.00")
    run(user)
    assert rows(user) == {}


def test_duplicate_amounts_become_ranked_suggestions_not_matches(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "120.00")
    fake_items.payout(user, 2, date(2026, 11, 11), "120.00")
    fake_items.credit(user, 1, date(2026, 11, 10), "120.00")
    fake_items.credit(user, 2, date(2026, 11, 11), "120.00")
    result = run(user)
    assert set(rows(user).values()) == {MatchStatus.SUGGESTED} and len(rows(user)) == 4
    assert result.matched == 0 and result.suggested == 4
    best = ReconMatch.objects.filter(user=user, left_key="payments.payout:1").order_by("-score").first()
    assert best.right_key == "bank.txn:c1"  # the same day ranks above the next day


def test_a_payout_and_an_invoice_claiming_one_credit_are_both_suggestions(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "480.00")
    fake_items.add(user, ItemKind.INVOICE_PAYMENT, "books.payment:1", date(2026, 11, 10), "480.00",
                   reference="INV-0042")
    fake_items.credit(user, 1, date(2026, 11, 10), "480.00", reference="INV0042 ACME LTD")
    run(user)
    statuses = rows(user)
    assert set(statuses.values()) == {MatchStatus.SUGGESTED} and len(statuses) == 2
    invoice = ReconMatch.objects.get(user=user, left_key="books.payment:1")
    payout = ReconMatch.objects.get(user=user, left_key="payments.payout:1")
    assert invoice.score > payout.score  # the invoice number in the bank reference breaks the tie
    assert any("INV-0042" in reason for reason in invoice.reasons)


def test_an_invoice_paid_by_card_matches_its_charge(user, fake_items):
    fake_items.add(user, ItemKind.INVOICE_PAYMENT, "books.payment:7", date(2026, 11, 12), "75.00",
                   reference="INV-0007")
    fake_items.add(user, ItemKind.CHARGE, "payments.charge:ch_1", date(2026, 11, 11), "75.00",
                   reference="Invoice INV-0007")
    fake_items.add(user, ItemKind.BILL_PAYMENT, "books.payment:b1", date(2026, 11, 12), "42.00", reference="B-1")
    fake_items.debit(user, 1, date(2026, 11, 13), "42.00", reference="B-1 SUPPLIES")
    run(user)
    assert rows(user) == {("books.payment:7", "payments.charge:ch_1"): MatchStatus.MATCHED,
                          ("books.payment:b1", "bank.txn:d1"): MatchStatus.MATCHED}


def test_a_bill_never_matches_a_credit_nor_a_payout_a_debit(user, fake_items):
    fake_items.add(user, ItemKind.BILL_PAYMENT, "books.payment:b1", date(2026, 11, 12), "42.00")
    fake_items.credit(user, 1, date(2026, 11, 12), "42.00")
    fake_items.payout(user, 1, date(2026, 11, 12), "60.00")
    fake_items.debit(user, 1, date(2026, 11, 12), "60.00")
    run(user)
    assert rows(user) == {}


def test_re_running_writes_nothing_new(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "120.00")
    fake_items.payout(user, 2, date(2026, 11, 11), "120.00")
    fake_items.credit(user, 1, date(2026, 11, 10), "120.00")
    fake_items.credit(user, 2, date(2026, 11, 11), "120.00")
    fake_items.payout(user, 3, date(2026, 11, 20), "9.99")
    fake_items.credit(user, 3, date(2026, 11, 20), "9.99")
    run(user)
    before = {m.pk: (m.status, m.updated_at) for m in ReconMatch.objects.filter(user=user)}
    run(user)
    run(user)
    assert {m.pk: (m.status, m.updated_at) for m in ReconMatch.objects.filter(user=user)} == before


def test_a_confirmed_match_is_locked_through_re_runs_and_item_changes(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "120.00")
    fake_items.payout(user, 2, date(2026, 11, 11), "120.00")
    fake_items.credit(user, 1, date(2026, 11, 10), "120.00")
    fake_items.credit(user, 2, date(2026, 11, 11), "120.00")
    run(user)
    chosen = ReconMatch.objects.get(user=user, left_key="payments.payout:1", right_key="bank.txn:c2")
    match_confirm(user, chosen)
    chosen.refresh_from_db()
    assert chosen.status == MatchStatus.CONFIRMED and chosen.decided_by == user and chosen.decided_at
    # The other two items are now each other's only candidate: matched automatically.
    assert rows(user) == {("payments.payout:1", "bank.txn:c2"): MatchStatus.CONFIRMED,
                          ("payments.payout:2", "bank.txn:c1"): MatchStatus.MATCHED}
    locked = ReconMatch.objects.get(pk=chosen.pk)
    # The bank line's amount changes and the payout disappears: the locked match stays as it was.
    fake_items.replace(user, "bank.txn:c2", amount=Decimal("121.00"))
    fake_items.remove(user, "payments.payout:1")
    run(user)
    again = ReconMatch.objects.get(pk=chosen.pk)
    assert (again.status, again.left_amount, again.right_amount, again.updated_at) == (
        MatchStatus.CONFIRMED, Decimal("120.00"), Decimal("120.00"), locked.updated_at)


def test_a_rejected_pair_is_never_suggested_again(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "120.00")
    fake_items.credit(user, 1, date(2026, 11, 10), "120.00")
    fake_items.credit(user, 2, date(2026, 11, 11), "120.00")
    run(user)
    wrong = ReconMatch.objects.get(user=user, right_key="bank.txn:c1")
    match_reject(user, wrong)
    # The other credit is now the payout's only candidate: matched.
    assert rows(user) == {("payments.payout:1", "bank.txn:c1"): MatchStatus.REJECTED,
                          ("payments.payout:1", "bank.txn:c2"): MatchStatus.MATCHED}
    run(user)
    assert rows(user)[("payments.payout:1", "bank.txn:c1")] == MatchStatus.REJECTED


def test_an_automatic_match_goes_when_its_item_changes(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "120.00")
    fake_items.credit(user, 1, date(2026, 11, 10), "120.00")
    run(user)
    fake_items.replace(user, "bank.txn:c1", amount=Decimal("119.00"))
    run(user)
    assert rows(user) == {}


def test_unmatch_hands_the_items_back_and_reject_refuses_a_locked_match(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "120.00")
    fake_items.credit(user, 1, date(2026, 11, 10), "120.00")
    run(user)
    match = ReconMatch.objects.get(user=user)
    with pytest.raises(ActionRefused):
        match_unmatch(user, match)  # not confirmed yet
    match_confirm(user, match)
    with pytest.raises(ActionRefused):
        match_reject(user, match)
    match_unmatch(user, match)
    assert rows(user) == {("payments.payout:1", "bank.txn:c1"): MatchStatus.MATCHED}


def test_a_failing_source_changes_nothing(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "120.00")
    fake_items.credit(user, 1, date(2026, 11, 10), "120.00")
    run(user)
    fake_items.fail = True
    with pytest.raises(ItemSourceFailed):
        run(user)
    assert rows(user) == {("payments.payout:1", "bank.txn:c1"): MatchStatus.MATCHED}


def test_items_that_break_the_contract_are_skipped(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "120.00")
    fake_items.credit(user, 1, date(2026, 11, 10), "120.00")
    fake_items.by_user[user.pk].append("not an item")
    fake_items.add(user, "mystery", "x:1", date(2026, 11, 10), "120.00")
    fake_items.add(user, ItemKind.BANK_CREDIT, "x:2", date(2026, 11, 10), "0")
    run(user)
    assert rows(user) == {("payments.payout:1", "bank.txn:c1"): MatchStatus.MATCHED}


def test_people_never_share_matches(user, other_user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "120.00")
    fake_items.credit(other_user, 1, date(2026, 11, 10), "120.00")
    run(user)
    run(other_user)
    assert ReconMatch.objects.count() == 0


def test_confirming_a_suggestion_a_run_has_since_dropped_is_refused_and_not_brought_back(user, fake_items):
    fake_items.payout(user, 1, date(2026, 11, 10), "120.00")
    fake_items.credit(user, 1, date(2026, 11, 10), "120.00")
    fake_items.credit(user, 2, date(2026, 11, 11), "120.00")
    run(user)
    shown = ReconMatch.objects.get(user=user, right_key="bank.txn:c2")  # the page showed this suggestion
    fake_items.remove(user, "bank.txn:c2")
    run(user)  # ... and a sync dropped it
    with pytest.raises(ActionRefused):
        match_confirm(user, shown)
    with pytest.raises(ActionRefused):
        match_reject(user, shown)
    assert not ReconMatch.objects.filter(pk=shown.pk).exists()
    assert rows(user) == {("payments.payout:1", "bank.txn:c1"): MatchStatus.MATCHED}
