"""Property: any sequence of syncs of overlapping windows converges to the provider's truth,
with no duplicates along the way."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations_core.records import AccountData, AccountRecord, TransactionRecord
from integrations_core.services.imports import account_data_import, account_upsert
from open_banking.models import BankConnection, BankTransaction

START = date(2026, 1, 1)

transaction_st = st.builds(
    lambda day, pennies, desc, has_id: (day, pennies, desc, has_id),
    st.integers(0, 30), st.integers(-50000, 50000).filter(bool), st.sampled_from(["TESCO", "TFL", "RENT", "GYM"]),
    st.booleans(),
)


def truth_records(items) -> list[TransactionRecord]:
    return [
        TransactionRecord(external_id=f"id-{i}" if has_id else None, booked_date=START + timedelta(days=day),
                          amount=Decimal(pennies) / 100, currency="GBP", description=desc)
        for i, (day, pennies, desc, has_id) in enumerate(items)
    ]


def window(records, lo: int, hi: int):
    lo, hi = sorted((lo, hi))
    first, last = START + timedelta(days=lo), START + timedelta(days=hi)
    return [r for r in records if first <= r.booked_date <= last], first, last


def as_multiset(rows) -> Counter:
    return Counter((r.booked_date, r.amount, r.description) for r in rows)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(transaction_st, max_size=25),
       windows=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=5))
def test_overlapping_syncs_converge_without_duplicates(user, items, windows):
    connection = BankConnection.objects.create(user=user, provider="fakebank", status="active")
    account = account_upsert(connection, AccountRecord(external_id="a", name="A", type="current", currency="GBP"))
    truth = truth_records(items)
    for lo, hi in windows:
        records, first, last = window(truth, lo, hi)
        account_data_import(account, AccountData(account=None, booked=records, pending=[],
                                                 window_from=first, window_to=last))
        stored = as_multiset(BankTransaction.objects.filter(account=account))
        # Never more copies of anything than the provider has.
        assert not stored - as_multiset(truth)
    records, first, last = window(truth, 0, 30)
    account_data_import(account, AccountData(account=None, booked=records, pending=[], window_from=first,
                                             window_to=last))
    assert as_multiset(BankTransaction.objects.filter(account=account)) == as_multiset(truth)
    connection.delete()


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(transaction_st, max_size=15), new_ids=st.lists(st.booleans(), min_size=15, max_size=15),
       tips=st.lists(st.integers(0, 100), min_size=15, max_size=15), lag=st.integers(0, 5))
def test_pending_then_booked_leaves_exactly_the_booked_truth(user, items, new_ids, tips, lag):
    connection = BankConnection.objects.create(user=user, provider="fakebank", status="active")
    account = account_upsert(connection, AccountRecord(external_id="a", name="A", type="current", currency="GBP"))
    pending = [TransactionRecord(external_id=r.external_id, booked_date=r.booked_date, amount=r.amount,
                                 currency="GBP", description=r.description, status="pending")
               for r in truth_records(items)]
    account_data_import(account, AccountData(account=None, booked=[], pending=pending))
    booked = []
    for i, p in enumerate(pending):
        sign = -1 if p.amount < 0 else 1
        booked.append(TransactionRecord(
            external_id=(f"new-{i}" if new_ids[i] else p.external_id), booked_date=p.booked_date + timedelta(days=lag),
            amount=p.amount + sign * Decimal(tips[i]) / 100, currency="GBP", description=p.description + " LTD"))
    for _ in range(2):  # and re-syncing changes nothing
        account_data_import(account, AccountData(account=None, booked=booked, pending=[]))
        rows = BankTransaction.objects.filter(account=account)
        assert as_multiset(rows) == as_multiset(booked)
        assert not rows.filter(status="pending").exists()
    connection.delete()
