"""Inside one sync the person's categoriser (rules, corrections, model) and their account types
are read once for all the connection's accounts; outside a sync, and in the next sync, they are
read afresh, so a rule or correction made between syncs is always seen."""

from datetime import date

import pytest

from integrations_core.sync_scope import sync_scope, sync_scoped
from open_banking.models import BankTransaction
from transactions.models import CategoryRule, MerchantCorrection, TransferPair
from transactions.services import categorisation

from .conftest import rec, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(monkeypatch):
    made = []
    real = categorisation.categoriser_for_user

    def counting(user, **kwargs):
        made.append(user.pk)
        return real(user, **kwargs)

    monkeypatch.setattr(categorisation, "categoriser_for_user", counting)
    return made


def test_scoped_values_are_built_once_per_scope_and_every_time_outside(builds):
    calls = []

    def build():
        calls.append(1)
        return len(calls)

    assert (sync_scoped("k", build), sync_scoped("k", build)) == (1, 2), "no scope: built every time"
    with sync_scope():
        assert (sync_scoped("k", build), sync_scoped("k", build)) == (3, 3)
        with sync_scope():
            assert sync_scoped("k", build) == 4, "a nested sync has its own"
        assert sync_scoped("k", build) == 3
    with sync_scope():
        assert sync_scoped("k", build) == 5, "the next sync builds again"


def test_one_categoriser_for_every_account_of_a_sync(make_account, user, builds):
    current, savings = make_account(name="Current"), make_account(name="Saver", type="savings")
    with sync_scope():
        sync(current, [rec("TESCO STORES 3297", "-23.10", ext_id="a")])
        sync(savings, [rec("TESCO STORES 3297", "-5.00", ext_id="b")])
    assert builds == [user.pk]
    assert {t.category for t in BankTransaction.objects.all()} == {"FOOD_AND_DRINK_GROCERIES"}


def test_a_rule_made_between_syncs_is_applied_by_the_next(account, user, builds):
    with sync_scope():
        sync(account, [rec("ZZ UNKNOWN TRADER", "-9", ext_id="a")])
    CategoryRule.objects.create(user=user, name="zz", pattern="ZZ UNKNOWN", category="ENTERTAINMENT_MUSIC",
                                priority=1)
    with sync_scope():
        sync(account, [rec("ZZ UNKNOWN TRADER", "-9", ext_id="b")])
    assert BankTransaction.objects.get(external_id="b").category == "ENTERTAINMENT_MUSIC"
    assert len(builds) == 2


def test_a_correction_outside_any_sync_is_seen_at_once(account, user, builds):
    sync(account, [rec("JOES CAFE 123", "-4.50", ext_id="a", day=date(2026, 3, 1))])
    MerchantCorrection.objects.create(user=user, merchant_key="JOES CAFE", category="FOOD_AND_DRINK_RESTAURANT")
    sync(account, [rec("CARD PAYMENT TO JOES CAFE ON 08 MAR", "-6.00", ext_id="b", day=date(2026, 3, 8))])
    assert BankTransaction.objects.get(external_id="b").category == "FOOD_AND_DRINK_RESTAURANT"
    assert len(builds) == 2


def test_a_refund_finds_the_payment_an_earlier_account_of_the_same_sync_wrote(make_account, make_tx):
    card = make_account(name="Card", type="credit_card")
    with sync_scope():
        sync(card, [rec("REFUND ZZQ WIDGETS", "15.00", ext_id="r0", day=date(2026, 3, 1))])  # nothing to tie yet
        make_tx(card, "ZZQ WIDGETS", "-15.00", day=date(2026, 3, 2), category="ENTERTAINMENT_MUSIC",
                category_source="user")  # what another account's import wrote meanwhile
        sync(card, [rec("REFUND ZZQ WIDGETS", "15.00", ext_id="r", day=date(2026, 3, 4))])
    assert BankTransaction.objects.get(external_id="r0").category_source != "refund"
    refund = BankTransaction.objects.get(external_id="r")
    assert (refund.category_source, refund.category) == ("refund", "ENTERTAINMENT_MUSIC")


def test_an_account_new_in_this_sync_still_pairs_transfers(make_account):
    current = make_account(name="Current")
    with sync_scope():
        sync(current, [rec("TO A/C 12345678 SAVINGS POT", "-200.00", ext_id="out", day=date(2026, 3, 2))])
        savings = make_account(name="Saver", type="savings")  # created after the first account's hook ran
        sync(savings, [rec("FROM MR A SMITH", "200.00", ext_id="in", day=date(2026, 3, 3))])
    pair = TransferPair.objects.get()
    assert (pair.outflow.external_id, pair.inflow.external_id) == ("out", "in")
