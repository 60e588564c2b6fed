"""Property tests for money parsing: every amount a provider sends (TrueLayer: JSON numbers;
GoCardless: strings) reaches a record as the exact Decimal, never through a float; signs follow
each provider's convention (TrueLayer cards are reversed); anything that is not a finite amount
is refused as BadProviderResponse instead of being stored."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations_core.providers.errors import BadProviderResponse
from open_banking.providers.gocardless import mapper as gc
from open_banking.providers.truelayer import mapper as tl
from open_banking.providers.utils import decimal_json, to_decimal

# Every amount our columns hold: 18 digits, 2 decimal places. Past ~15 significant digits a float
# cannot carry them, so any float on the way would show.
MAX_PENNIES = 10**16 - 1
amounts = st.builds(lambda pennies, places: Decimal(pennies).scaleb(-places),
                    st.integers(-MAX_PENNIES, MAX_PENNIES), st.sampled_from([0, 1, 2]))
GARBAGE = ["NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "1e999999", "--1", "1.2.3", "£1.00",
           "1,000.00", "0x10", "1_000", "", " ", "one", "12abc", "1e16", "-1e17", "99999999999999999.99"]
NOT_AMOUNTS = [True, False, [], {}, [1], {"amount": 1}, float("nan"), float("inf"), Decimal("NaN"),
               Decimal("Infinity"), Decimal("1e20"), object()]


def body(text: str) -> requests.Response:
    response = requests.Response()
    response._content = text.encode()
    response.status_code = 200
    return response


def tl_item(amount_literal: str, **extra) -> dict:
    text = ('{"results": [{"transaction_id": "t1", "timestamp": "2026-03-01T00:00:00Z", "description": "X", '
            f'"currency": "GBP", "amount": {amount_literal}, "running_balance": {{"amount": {amount_literal}, '
            '"currency": "GBP"}}]}')
    return decimal_json(body(text))["results"][0]


def gc_item(amount: str) -> dict:
    return {"transactionId": "t1", "bookingDate": "2026-03-01", "remittanceInformationUnstructured": "X",
            "transactionAmount": {"amount": amount, "currency": "GBP"}}


@settings(max_examples=300, deadline=None)
@given(amount=amounts)
def test_truelayer_json_numbers_round_trip_exactly(amount):
    item = tl_item(str(amount))
    assert isinstance(item["amount"], Decimal | int), "a JSON number is never parsed as a float"
    account = tl.transaction_record(item, tl.ACCOUNTS, "booked")
    card = tl.transaction_record(item, tl.CARDS, "booked")
    assert account.amount == amount and str(account.amount) == str(amount)
    assert card.amount == -amount, "cards report spend as positive: flipped to money out"
    assert account.running_balance == amount


@settings(max_examples=300, deadline=None)
@given(amount=amounts)
def test_gocardless_strings_round_trip_exactly_and_keep_their_sign(amount):
    record = gc.transaction_record(gc_item(str(amount)), "booked")
    assert record.amount == amount and str(record.amount) == str(amount)
    balance = gc.balance_record({"balances": [{"balanceType": "interimBooked",
                                               "balanceAmount": {"amount": str(amount), "currency": "GBP"}}]})
    assert balance.current == amount


@settings(max_examples=200, deadline=None)
@given(amount=amounts)
def test_exponent_and_padded_forms_parse_to_the_same_amount(amount):
    for text in (f"{amount:E}", f"{amount:.2f}", f"+{amount}" if amount >= 0 else str(amount)):
        assert to_decimal(text) == amount, text


def test_no_float_on_the_way():
    """A float would turn 0.1 + 0.2 style digits into binary noise; these survive exactly."""
    for literal in ("0.10", "1234567890123456.78", "-9999999999999999.99", "0.01"):
        assert tl.transaction_record(tl_item(literal), tl.ACCOUNTS, "booked").amount == Decimal(literal)
        assert gc.transaction_record(gc_item(literal), "booked").amount == Decimal(literal)
    assert float(Decimal("1234567890123456.78")) != Decimal("1234567890123456.78"), "a float would have lost it"


@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_strings_are_refused(text):
    with pytest.raises(BadProviderResponse):
        if to_decimal(text) is None:  # "" is "no amount", which the mappers refuse for a transaction
            gc.transaction_record(gc_item(text), "booked")
            raise AssertionError("accepted")
    with pytest.raises(BadProviderResponse):
        gc.transaction_record(gc_item(text), "booked")


@pytest.mark.parametrize("value", NOT_AMOUNTS, ids=repr)
def test_values_that_are_not_amounts_are_refused(value):
    with pytest.raises(BadProviderResponse):
        to_decimal(value)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_json_numbers_are_refused(literal):
    with pytest.raises(BadProviderResponse):
        tl.transaction_record(tl_item(literal), tl.ACCOUNTS, "booked")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=12))
def test_any_text_is_an_exact_amount_or_refused(text):
    try:
        value = to_decimal(text)
    except BadProviderResponse:
        return
    assert value is None or (value.is_finite() and abs(value) < Decimal(10) ** 16)
    assert value is None or Decimal(text.strip()) == value


def test_the_sandbox_data_parses_exactly():
    """Amounts as the mock banks render them come back as the same Decimals."""
    payload = json.dumps({"results": [{"amount": Decimal("-1234.56")}]}, default=str).replace('"-1234.56"',
                                                                                               "-1234.56")
    assert decimal_json(body(payload))["results"][0]["amount"] == Decimal("-1234.56")
