"""The sandbox business persona: one book the four business mocks and the bank all speak from,
so what they say must reconcile, and no `today` may change what a day holds."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from sandbox.business.persona import (
    BANK_HOLIDAYS,
    DISPUTE_FEE,
    STRIPE_PAYOUT_DESCRIPTOR,
    business_book,
    is_business_day,
)

TODAY = date(2026, 12, 3)


@pytest.fixture(scope="module")
def book():
    return business_book("persona-test", TODAY)


def test_each_payout_is_the_sum_of_what_it_carries_and_lands_in_the_bank_on_its_arrival_date(book):
    txns = {t.id: t for t in book.stripe.balance_transactions}
    credits = {line.source_id: line for line in book.bank_lines if line.kind == "stripe_payout"}
    assert book.stripe.payouts
    for payout in book.stripe.payouts:
        carried = [txns[i] for i in payout.balance_transaction_ids if i != payout.balance_transaction_id]
        assert sum(t.net for t in carried) == payout.amount > 0
        assert all(t.payout_id == payout.id for t in carried)
        assert is_business_day(payout.arrival_date) and payout.arrival_date not in BANK_HOLIDAYS
        if payout.status == "paid":
            line = credits[payout.id]
            assert (line.booked_on, line.amount, line.reference) == (payout.arrival_date, payout.amount,
                                                                   STRIPE_PAYOUT_DESCRIPTOR)
        else:
            assert payout.status == "in_transit" and payout.id not in credits and payout.arrival_date > TODAY


def test_fees_split_exactly_and_disputes_cost_their_fee(book):
    for txn in book.stripe.balance_transactions:
        assert txn.net == txn.amount - txn.fee
        assert txn.amount == txn.amount.quantize(Decimal("0.01"))
    for dispute in book.stripe.disputes:
        withdrawal = next(t for t in book.stripe.balance_transactions if t.id == dispute.balance_transaction_ids[0])
        assert withdrawal.fee == DISPUTE_FEE and withdrawal.amount < 0
    for txn in book.paypal.transactions:
        assert txn.net == txn.gross + txn.fee and txn.fee <= 0


def test_yen_charges_have_no_minor_unit(book):
    yen = [c for c in book.stripe.charges if c.currency == "JPY"]
    assert yen and all(c.amount == c.amount.to_integral_value() for c in yen)
    assert all(c.settled_amount == c.settled_amount.quantize(Decimal("0.01")) and c.exchange_rate for c in yen)


def test_paid_invoices_are_paid_by_a_named_charge_or_a_bank_credit_with_their_number(book):
    charges = {c.id: c for c in book.stripe.charges}
    credits = {line.reference: line for line in book.bank_lines if line.kind == "invoice_transfer"}
    paid = [i for i in book.invoices if i.paid_on]
    assert {i.paid_by for i in paid} == {"stripe", "bank"}
    for invoice in paid:
        if invoice.paid_by == "stripe":
            charge = charges[invoice.charge_id]
            assert (charge.invoice_number, charge.amount, charge.created.date()) == (invoice.number, invoice.total,
                                                                                    invoice.paid_on)
        else:
            assert (credits[invoice.number].amount, credits[invoice.number].booked_on) == (invoice.total, invoice.paid_on)
    assert all(i.paid_by == "" and not i.charge_id for i in book.invoices if not i.paid_on)


def test_bills_are_paid_by_a_bank_debit_on_their_due_date(book):
    debits = {line.reference: line for line in book.bank_lines if line.kind == "bill_payment"}
    for bill in book.bills:
        if bill.paid_on:
            assert (debits[bill.number].amount, debits[bill.number].booked_on) == (-bill.total, bill.due_date)
        else:
            assert bill.due_date > TODAY


def test_a_later_today_adds_days_and_changes_no_earlier_day():
    earlier = business_book("persona-test", date(2026, 3, 31))
    later = business_book("persona-test", date(2026, 4, 7))  # over the tax-year end and Easter
    cutoff = date(2026, 3, 20)
    old = [ln for ln in earlier.bank_lines if ln.booked_on <= cutoff]
    assert old == [ln for ln in later.bank_lines if ln.booked_on <= cutoff]
    assert [c.id for c in earlier.stripe.charges] == [c.id for c in later.stripe.charges][:len(earlier.stripe.charges)]
    assert len(later.bank_lines) > len(earlier.bank_lines)


def test_different_logins_are_different_businesses():
    a, b = business_book("alice", TODAY), business_book("bob", TODAY)
    assert a.business_name != b.business_name or a.bank_account_number != b.bank_account_number
    assert {c.id for c in a.stripe.charges}.isdisjoint({c.id for c in b.stripe.charges})


def test_the_business_bank_balance_stays_a_working_balance(book):
    running = book.bank_opening_balance
    for day in sorted({ln.booked_on for ln in book.bank_lines}):
        running += sum(ln.amount for ln in book.bank_lines if ln.booked_on == day)
    assert running == book.bank_balance and running > 0
    assert max(ln.booked_on for ln in book.bank_lines) <= TODAY
    assert min(ln.booked_on for ln in book.bank_lines) >= date(2025, 1, 1) - timedelta(days=1)
