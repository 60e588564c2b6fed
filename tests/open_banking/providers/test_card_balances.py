"""One balance convention for every provider: the same card, owing £20 with £3,280 left to
spend, reads the same whether it came through TrueLayer (which reports the amount owed as a
positive `current`) or GoCardless (which reports the booked balance, negative when owed)."""

from __future__ import annotations

from decimal import Decimal

from open_banking.providers.gocardless import mapper as gocardless
from open_banking.providers.truelayer import mapper as truelayer


def test_a_card_owing_twenty_pounds_has_the_same_balance_through_truelayer_and_gocardless():
    via_truelayer = truelayer.balance_record({"currency": "GBP", "current": Decimal("20.00"),
                                              "available": Decimal("3280.00"), "credit_limit": Decimal("3300")},
                                             truelayer.CARDS)
    via_gocardless = gocardless.balance_record({"balances": [
        {"balanceAmount": {"amount": "-20.00", "currency": "GBP"}, "balanceType": "interimBooked"},
        {"balanceAmount": {"amount": "3280.00", "currency": "GBP"}, "balanceType": "interimAvailable",
         "creditLimitIncluded": True},
    ]})
    assert via_truelayer.current == via_gocardless.current == Decimal("-20.00")
    assert via_truelayer.available == via_gocardless.available == Decimal("3280.00")


def test_a_current_account_balance_is_kept_as_the_bank_reports_it():
    record = truelayer.balance_record({"currency": "GBP", "current": Decimal("-15.50"), "available": Decimal("984.50")},
                                      truelayer.ACCOUNTS)
    assert (record.current, record.available) == (Decimal("-15.50"), Decimal("984.50"))


def test_a_card_payments_running_balance_uses_the_same_sign_as_the_cards_balance():
    record = truelayer.transaction_record({
        "normalised_provider_transaction_id": "n1", "timestamp": "2026-11-02T12:00:00+00:00",
        "description": "TESCO", "amount": Decimal("12.50"), "currency": "GBP",
        "running_balance": {"amount": Decimal("32.50"), "currency": "GBP"}}, truelayer.CARDS, "booked")
    assert (record.amount, record.running_balance) == (Decimal("-12.50"), Decimal("-32.50"))
