"""Stripe's objects as records: minor units per Stripe's currency table, the fee split, signs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from integrations_core.providers.errors import BadProviderResponse
from payments.providers.stripe import mapper


def txn(**fields) -> dict:
    base = {"id": "txn_1", "object": "balance_transaction", "amount": 10000, "fee": 170, "net": 9830,
            "currency": "gbp", "created": 1767225600, "available_on": 1767484800, "status": "available",
            "type": "charge", "reporting_category": "charge", "description": "Order",
            "fee_details": [{"amount": 150, "currency": "gbp", "type": "stripe_fee", "description": "Processing"},
                            {"amount": 20, "currency": "gbp", "type": "tax", "description": "VAT"}],
            "source": {"id": "ch_1", "object": "charge", "amount": 10000, "currency": "gbp",
                       "metadata": {"invoice_number": "INV-0007"}, "billing_details": {"name": "Ada Ltd"}}}
    return {**base, **fields}


def test_a_charge_keeps_its_fee_split_exactly_and_net_is_amount_minus_fee():
    record = mapper.balance_transaction(txn())
    assert (record.amount, record.fee, record.net) == (Decimal("100.00"), Decimal("1.70"), Decimal("98.30"))
    assert record.amount - record.fee == record.net
    assert [(f.type, f.amount) for f in record.fee_details] == [("stripe_fee", Decimal("1.50")), ("tax", Decimal("0.20"))]
    assert sum(f.amount for f in record.fee_details) == record.fee
    assert (record.type, record.reference, record.counterparty, record.source_id) == ("charge", "INV-0007", "Ada Ltd",
                                                                                       "ch_1")
    assert "source" not in record.raw or record.raw["source"] == "ch_1"


def test_jpy_is_zero_decimal_and_a_foreign_charge_keeps_what_the_customer_paid():
    record = mapper.balance_transaction(txn(amount=2685, fee=161, net=2524, exchange_rate=0.005224,
                                            source={"id": "ch_2", "object": "charge", "amount": 5139,
                                                    "currency": "jpy"}))
    assert record.original_amount == Decimal("5139") and record.original_currency == "JPY"
    assert record.amount == Decimal("26.85") and record.exchange_rate == Decimal("0.005224")
    assert mapper.to_major(5139, "JPY") == Decimal("5139")
    assert mapper.to_minor(Decimal("5139"), "jpy") == 5139


@pytest.mark.parametrize(("currency", "minor", "major"), [
    ("GBP", 1999, Decimal("19.99")), ("JPY", 1999, Decimal("1999")), ("KRW", 5, Decimal("5")),
    ("KWD", 1999, Decimal("1.999")), ("BHD", 10, Decimal("0.010")),
    # Zero-decimal in ISO 4217 but two-decimal in Stripe's API (Stripe's special cases).
    ("ISK", 150000, Decimal("1500.00")), ("UGX", 150000, Decimal("1500.00")),
])
def test_minor_units_follow_stripes_table(currency, minor, major):
    assert mapper.to_major(minor, currency) == major
    assert mapper.to_minor(major, currency) == minor


def test_refunds_and_disputes_take_money_out_and_a_reversal_puts_it_back():
    refund = mapper.balance_transaction(txn(id="txn_r", type="refund", reporting_category="refund", amount=-5000,
                                            fee=0, net=-5000, fee_details=[], source="re_1"))
    dispute = mapper.balance_transaction(txn(id="txn_d", type="adjustment", reporting_category="dispute",
                                             amount=-5000, fee=2000, net=-7000, fee_details=[
                                                 {"amount": 2000, "currency": "gbp", "type": "stripe_fee",
                                                  "description": "Dispute fee"}], source="dp_1"))
    reversal = mapper.balance_transaction(txn(id="txn_w", type="adjustment", reporting_category="dispute_reversal",
                                              amount=5000, fee=0, net=5000, fee_details=[], source="dp_1"))
    assert (refund.type, refund.amount, refund.net) == ("refund", Decimal("-50.00"), Decimal("-50.00"))
    assert (dispute.type, dispute.amount, dispute.fee, dispute.net) == ("dispute", Decimal("-50.00"),
                                                                         Decimal("20.00"), Decimal("-70.00"))
    assert (reversal.type, reversal.amount) == ("dispute_reversal", Decimal("50.00"))


def test_a_payout_movement_names_its_payout():
    record = mapper.balance_transaction(txn(id="txn_p", type="payout", reporting_category="payout", amount=-98300,
                                            fee=0, net=-98300, fee_details=[], source="po_1"))
    assert record.type == "payout" and record.payout_external_id == "po_1"


@pytest.mark.parametrize("broken", [
    {"net": 9831},  # net is not amount - fee
    {"amount": 100.5},  # not a whole number of minor units
    {"amount": True},
    {"currency": None},
    {"id": ""},
    {"created": "yesterday"},
])
def test_an_inconsistent_or_unreadable_transaction_is_refused_not_guessed(broken):
    with pytest.raises(BadProviderResponse):
        mapper.balance_transaction(txn(**broken))


def test_balance_is_one_account_per_currency_with_available_and_pending():
    accounts, balances = mapper.balances({"object": "balance", "available": [
        {"amount": 9431, "currency": "gbp"}, {"amount": 500, "currency": "jpy"}],
        "pending": [{"amount": 70237, "currency": "gbp"}]})
    assert [a.external_id for a in accounts] == ["balance:gbp", "balance:jpy"]
    gbp = balances["balance:gbp"]
    assert (gbp.available, gbp.current, gbp.extra["pending_balance"]) == (Decimal("94.31"), Decimal("796.68"),
                                                                          Decimal("702.37"))
    assert balances["balance:jpy"].current == Decimal("500")


def test_payout_and_dispute_records():
    payout = mapper.payout({"id": "po_1", "object": "payout", "amount": 118491, "currency": "gbp", "status": "paid",
                            "created": 1767225600, "arrival_date": 1767312000, "statement_descriptor": "STRIPE",
                            "method": "standard", "automatic": True, "destination": "ba_1"}, ("txn_1", "txn_2"))
    assert (payout.amount, payout.reference, payout.arrival_date.isoformat()) == (Decimal("1184.91"), "STRIPE",
                                                                                  "2026-01-02")
    assert payout.balance_transaction_ids == ("txn_1", "txn_2")
    dispute = mapper.dispute({"id": "dp_1", "object": "dispute", "amount": 17219, "currency": "eur",
                              "status": "needs_response", "reason": "fraudulent", "created": 1767225600,
                              "charge": "ch_1", "evidence_details": {"due_by": 1767830399}})
    assert (dispute.amount, dispute.currency, dispute.closed) == (Decimal("172.19"), "EUR", False)
    assert dispute.evidence_due_by.isoformat() == "2026-01-07T23:59:59+00:00"
    assert mapper.dispute({**{"id": "dp_2", "amount": 1, "currency": "gbp", "created": 1, "status": "lost"}}).closed
