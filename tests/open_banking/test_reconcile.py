"""Bank lines as reconciliation items (open_banking/reconcile.py)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from integrations_core.models import ConnectionStatus
from open_banking.models import BankAccount, BankTransaction
from open_banking.reconcile import bank_items
from reconciliation.registry import ItemKind, item_sources

pytestmark = pytest.mark.django_db


def items(user, today):
    return {i.key: i for i in bank_items(user, since=today - timedelta(days=30), until=today)}


def key(txn) -> str:
    return f"open_banking.banktransaction:{txn.pk}"


def test_booked_current_account_lines_are_credits_and_debits(user, bank_data):
    today, txns = bank_data["today"], bank_data["txns"]
    found = items(user, today)
    # The current account's booked lines; not the pending coffee, not the credit card.
    assert set(found) == {key(txns["t1"]), key(txns["t2"]), key(txns["t3"])}
    salary = found[key(txns["t3"])]
    assert (salary.kind, salary.amount, salary.currency, salary.source) == (
        ItemKind.BANK_CREDIT, Decimal("1500.00"), "GBP", "Club Lloyds")
    assert found[key(txns["t1"])].kind == ItemKind.BANK_DEBIT and found[key(txns["t1"])].amount == Decimal("2.99")


def test_a_business_account_narrows_the_items_to_it(user, bank_data):
    today = bank_data["today"]
    business = BankAccount.objects.create(connection=bank_data["connection"], external_id="biz", name="Business",
                                          type="current", subtype="BUSINESS_TRANSACTION", currency="GBP")
    payout = BankTransaction.objects.create(
        account=business, external_id="b1", fingerprint="b1", booked_date=today, amount=Decimal("884.30"),
        currency="GBP", description="STRIPE PAYMENTS UK LTD",
        raw={"meta": {"provider_reference": "STRIPE", "counterparty_preferred_name": "Stripe"}})
    found = items(user, today)
    assert set(found) == {key(payout)}
    assert found[key(payout)].reference == "STRIPE"
    # Berlin Group's usage ORGA (GoCardless) says business too.
    business.subtype, business.raw = "CACC", {"usage": "ORGA"}
    business.save()
    assert set(items(user, today)) == {key(payout)}


def test_a_revoked_connections_lines_are_history_not_items(user, bank_data):
    bank_data["connection"].status = ConnectionStatus.REVOKED
    bank_data["connection"].save()
    assert items(user, bank_data["today"]) == {}


def test_another_persons_lines_are_never_items(user, other_user, bank_data):
    assert items(other_user, bank_data["today"]) == {}


def test_the_registry_finds_the_bank_source():
    assert bank_items in [getattr(fn, "__wrapped__", fn) for fn in item_sources()]
