"""Property: the same answer in any order stores exactly the bank's payments and adds or removes
nothing (repeated ids, id-less twins, several days)."""

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

D = date(2026, 11, 1)
item = st.tuples(st.integers(0, 2), st.sampled_from([-300, -450, 1000]), st.sampled_from(["PRET", "NCP"]),
                 st.sampled_from([None, "X", "Y", "Z"]))


def recs(items):
    return [TransactionRecord(external_id=i, booked_date=D + timedelta(days=d), amount=Decimal(p) / 100,
                              currency="GBP", description=s) for d, p, s, i in items]


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(items=st.lists(item, max_size=8), perm=st.randoms(use_true_random=False))
def test_same_answer_in_any_order_keeps_exactly_the_truth(user, items, perm):
    conn = BankConnection.objects.create(user=user, provider="fakebank", status="active")
    acc = account_upsert(conn, AccountRecord(external_id="a", name="A", type="current", currency="GBP"))
    truth = recs(items)
    account_data_import(acc, AccountData(account=None, booked=truth, pending=[], window_from=D, window_to=D + timedelta(days=2)))
    shuffled = list(truth)
    perm.shuffle(shuffled)
    r = account_data_import(acc, AccountData(account=None, booked=shuffled, pending=[], window_from=D,
                                             window_to=D + timedelta(days=2)))
    stored = Counter((t.booked_date, t.amount, t.description) for t in BankTransaction.objects.filter(account=acc))
    assert stored == Counter((t.booked_date, t.amount, t.description) for t in truth)
    assert (r.added, r.removed) == (0, 0)
    conn.delete()
