"""The sync calls the categoriser right after writing: new rows arrive categorised, the user's
choices survive, corrections change the next sync's answer, own-account transfers are paired."""

from datetime import date
from decimal import Decimal

import pytest

from integrations_core.records import AccountData
from open_banking.models import BankTransaction
from transactions.hooks import categorise_after_import
from transactions.models import MerchantCorrection, TransferPair

from .conftest import rec, sync

pytestmark = pytest.mark.django_db


def row(external_id: str) -> BankTransaction:
    return BankTransaction.objects.get(external_id=external_id)


def test_new_rows_are_categorised_in_the_same_transaction(account):
    sync(account, [rec("TESCO STORES 3297", "-23.10", ext_id="t1"), rec("XQZ 99 PLC", "-5", ext_id="t2"),
                   rec("ACME LTD SALARY", "2500", ext_id="t3")])
    assert (row("t1").category, row("t1").category_source, row("t1").category_confidence) == (
        "FOOD_AND_DRINK_GROCERIES", "merchant", Decimal("0.900"))
    assert (row("t2").category, row("t2").category_source) == ("OTHER_OTHER", "default")
    assert row("t3").category == "INCOME_SALARY"


def test_provider_fields_reach_the_categoriser(account):
    sync(account, [rec("ZZ TRADER", "-9", ext_id="m", mcc="5411"),
                   rec("ZZ OTHER", "-9", ext_id="p", provider_category="Food & Dining/Coffee shops"),
                   # TrueLayer's mapper falls back to transaction_category; GoCardless sends its bank code.
                   rec("ZZ BANK", "0.31", ext_id="r", provider_category="INTEREST"),
                   rec("ZZ 12", "-40", ext_id="g", provider_category="PMNT-CCRD-CWDL")])
    assert row("m").category == "FOOD_AND_DRINK_GROCERIES"
    assert row("p").category == "FOOD_AND_DRINK_COFFEE"
    assert row("r").category == "INCOME_INTEREST_EARNED"
    assert row("g").category == "TRANSFER_OUT_WITHDRAWAL"


def test_user_choice_is_locked_against_the_next_sync(account):
    sync(account, [rec("TESCO STORES 3297", "-23.10", ext_id="t1")])
    tx = row("t1")
    tx.category, tx.category_source, tx.locked_fields = "GENERAL_MERCHANDISE_SUPERSTORES", "user", ["category"]
    tx.save()
    sync(account, [rec("TESCO STORES 3297 CHANGED", "-23.10", ext_id="t1")])  # the bank amends it
    assert row("t1").description == "TESCO STORES 3297 CHANGED"
    assert (row("t1").category, row("t1").category_source) == ("GENERAL_MERCHANDISE_SUPERSTORES", "user")


def test_a_correction_changes_the_next_syncs_answer_for_that_merchant(account, user):
    sync(account, [rec("JOES CAFE 123", "-4.50", ext_id="a", day=date(2026, 3, 1))])
    assert row("a").category == "FOOD_AND_DRINK_COFFEE"
    MerchantCorrection.objects.create(user=user, merchant_key="JOES CAFE", category="FOOD_AND_DRINK_RESTAURANT")
    sync(account, [rec("JOES CAFE 123", "-4.50", ext_id="a", day=date(2026, 3, 1)),
                   rec("CARD PAYMENT TO JOES CAFE ON 08 MAR", "-6.00", ext_id="b", day=date(2026, 3, 8))])
    assert (row("b").category, row("b").category_source) == ("FOOD_AND_DRINK_RESTAURANT", "learned")


def test_other_users_corrections_do_not_apply(account, other_user):
    MerchantCorrection.objects.create(user=other_user, merchant_key="JOES CAFE", category="FOOD_AND_DRINK_RESTAURANT")
    sync(account, [rec("JOES CAFE", "-4.50", ext_id="a")])
    assert row("a").category == "FOOD_AND_DRINK_COFFEE"


def test_transfer_between_own_accounts_is_marked_on_both_sides(make_account):
    current, savings = make_account(name="Current"), make_account(name="Saver", type="savings")
    sync(current, [rec("TO A/C 12345678 SAVINGS POT", "-200.00", ext_id="out", day=date(2026, 3, 2))])
    sync(savings, [rec("FROM MR A SMITH", "200.00", ext_id="in", day=date(2026, 3, 3))])
    pair = TransferPair.objects.get()
    assert (pair.outflow.external_id, pair.inflow.external_id) == ("out", "in")
    assert (row("out").category, row("out").category_source) == ("TRANSFER_OUT_SAVINGS", "transfer")
    assert row("in").category == "TRANSFER_IN_ACCOUNT_TRANSFER"


def test_paying_a_credit_card_is_a_card_repayment_on_both_sides(make_account):
    current, card = make_account(), make_account(name="Card", type="credit_card")
    sync(card, [rec("PAYMENT RECEIVED - THANK YOU", "150.00", ext_id="in", day=date(2026, 3, 5))])
    sync(current, [rec("BARCLAYCARD", "-150.00", ext_id="out", day=date(2026, 3, 4))])
    assert row("out").category == row("in").category == "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT"
    assert TransferPair.objects.count() == 1


def test_a_confident_purchase_is_not_mistaken_for_a_transfer(make_account):
    current, other = make_account(), make_account(name="Joint")
    sync(current, [rec("TESCO STORES 3297", "-50.00", ext_id="shop")])
    sync(other, [rec("ACME LTD SALARY", "50.00", ext_id="pay")])
    assert not TransferPair.objects.exists()
    assert row("shop").category == "FOOD_AND_DRINK_GROCERIES"


def test_other_users_accounts_are_never_paired(make_account, other_user):
    mine, theirs = make_account(), make_account(owner=other_user)
    sync(mine, [rec("TRANSFER TO J SMITH", "-80.00", ext_id="out")])
    sync(theirs, [rec("TRANSFER FROM A SMITH", "80.00", ext_id="in")])
    assert not TransferPair.objects.exists()


def test_a_failing_categoriser_never_loses_the_bank_data(account, monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("transactions.services.categorisation.rows_categorise", boom)
    monkeypatch.setattr("transactions.services.categorisation.categoriser_for_user", boom)
    sync(account, [rec("TESCO STORES", "-1", ext_id="t1")])
    assert row("t1").category == ""  # stored; the periodic pass will categorise it
    assert "categorisation before insert failed" in caplog.text
    assert "categorisation after import failed" in caplog.text


def test_the_hook_ignores_other_families(account):
    class NotABankAccount:
        pk = "x"

    result = type("R", (), {"new_ids": [1], "changed_ids": []})()
    categorise_after_import(account=NotABankAccount(), data=AccountData(account=None), result=result)


def test_the_orm_fallback_writes_the_same(account, monkeypatch):
    monkeypatch.setattr("transactions.services.categorisation.sqlite3.sqlite_version_info", (3, 31, 0))
    sync(account, [rec("TESCO STORES 3297", "-23.10", ext_id="t1"), rec("SPOTIFY", "-9.99", ext_id="t2")])
    assert (row("t1").category, row("t1").category_confidence) == ("FOOD_AND_DRINK_GROCERIES", Decimal("0.900"))
    assert row("t2").category_source == "merchant"


def test_categorising_before_insert_writes_each_row_once(account, make_account, monkeypatch):
    """The proposed pre-insert hook: the import categorises new rows before inserting them and the
    post-import hook then only pairs transfers (no UPDATE of what was just inserted)."""
    from integrations_core.services.imports import rows as imports
    from transactions.hooks import categorise_before_insert

    original = imports._bulk_insert

    def insert_categorised(model, rows, defaults=None):
        categorise_before_insert(account=account, rows=rows)
        return original(model, rows, defaults)

    writes = []
    real_write = __import__("transactions.services.categorisation", fromlist=["x"]).categorisations_write
    monkeypatch.setattr(imports, "_bulk_insert", insert_categorised)
    monkeypatch.setattr("transactions.services.categorisation.categorisations_write",
                        lambda changes: writes.append(list(changes)) or real_write(changes))
    sync(account, [rec("TESCO STORES 3297", "-23.10", ext_id="t1"), rec("ACME LTD SALARY", "2500", ext_id="t2")])
    assert (row("t1").category, row("t1").category_source) == ("FOOD_AND_DRINK_GROCERIES", "merchant")
    assert row("t2").category == "INCOME_SALARY"
    assert writes == []
