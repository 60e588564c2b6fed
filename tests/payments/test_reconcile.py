"""What payments offers the reconciliation: payout items by arrival date with the bank
statement's text, charge items carrying the invoice number in the customer's currency, and the
income per processor and currency (net = gross - fees - refunds - disputes). Built on the
family's models: any processor's rows feed them the same way."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from integrations_core.services.sync import connection_sync
from payments.reconcile import payments_income, payments_items
from reconciliation.registry import ItemKind, income_sources, item_sources

from .conftest import T0, activity, bt

pytestmark = pytest.mark.django_db
SPAN = {"since": date(2026, 3, 1), "until": date(2026, 3, 31)}


@pytest.fixture
def synced(processor_connection, processor):
    extra = [bt("txn_d", "-50.00", "20.00", type="dispute", source_id="dp_1"),
             bt("txn_w", "30.00", type="dispute_reversal", source_id="dp_1"),
             bt("txn_f", "-5.00", type="fee", source_id="fee_1"),
             bt("txn_e", "80.00", "2.00", source_id="ch_e", original_amount=Decimal("9500"), original_currency="JPY",
                reference="INV-0009")]
    base = activity()
    processor.answers = [replace(base, balance_transactions=[*base.balance_transactions, *extra])]
    connection_sync(processor_connection, trigger="manual")
    return processor_connection


def test_the_feeders_are_discovered():
    assert payments_items in item_sources() and payments_income in income_sources()


def test_payout_items_are_dated_by_arrival_with_the_statement_text(user, synced):
    [payout] = [i for i in payments_items(user, **SPAN) if i.kind == ItemKind.PAYOUT]
    assert (payout.date, payout.amount, payout.currency, payout.reference) == (date(2026, 3, 3), Decimal("127.35"),
                                                                                "GBP", "STRIPE")
    assert payout.key.startswith("payments.payout:") and payout.source == "Fake Processor"
    assert payout.url.startswith("/payments/payouts/")
    assert not [i for i in payments_items(user, since=date(2026, 3, 4), until=date(2026, 3, 31))
                if i.kind == ItemKind.PAYOUT]


def test_charge_items_carry_the_invoice_number_in_the_customers_currency(user, synced):
    charges = {i.reference: i for i in payments_items(user, **SPAN) if i.kind == ItemKind.CHARGE}
    assert charges["INV-0001"].amount == Decimal("100.00") and charges["INV-0001"].counterparty == "Ada Ltd"
    assert (charges["INV-0009"].amount, charges["INV-0009"].currency) == (Decimal("9500"), "JPY")
    assert charges["INV-0001"].date == T0.date()


def test_income_line_per_processor_and_currency(user, synced):
    [line] = list(payments_income(user, **SPAN))
    assert (line.source, line.currency, line.count) == ("Fake Processor", "GBP", 3)
    assert line.gross == Decimal("230.00")  # 100 + 50 + 80
    assert line.fees == Decimal("1.70") + Decimal("0.95") + Decimal("2.00") + Decimal("20.00") + Decimal("5.00")
    assert line.refunds == Decimal("20.00")
    assert line.disputes == Decimal("20.00")  # 50 held back, 30 won back
    assert line.net == line.gross - line.fees - line.refunds - line.disputes


def test_failed_payouts_and_other_peoples_data_are_not_offered(user, other_user, synced):
    from payments.models import Payout

    assert list(payments_items(other_user, **SPAN)) == [] and list(payments_income(other_user, **SPAN)) == []
    Payout.objects.update(status="failed")
    assert not [i for i in payments_items(user, **SPAN) if i.kind == ItemKind.PAYOUT]


def test_a_processor_balance_counts_in_net_worth(user, synced):
    from integrations_core.ledger import ledgers

    ledger = next(item for item in ledgers() if item.family == "payments")
    [value] = ledger.values_for(user)
    assert (value.value, value.currency) == (Decimal("120.00"), "GBP")
    assert not ledger.counted_movements(user).exists()
