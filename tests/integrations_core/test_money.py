"""Precision helpers: decimals checks, banker's rounding of computed amounts, pence quotes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations_core.money import (
    FX_RATE,
    PRICE,
    QUANTITY,
    STORED_DECIMALS,
    fits,
    fits_storage,
    minor_units,
    money_text,
    quote_to_major,
    to_minor,
)

CURRENCIES = {"JPY": 0, "GBP": 2, "KWD": 3, "CLF": 4}

# An exact decimal built from an integer coefficient and an exponent: no float, no context.
decimals = st.builds(
    lambda units, exponent: Decimal(units).scaleb(exponent) if units else Decimal((0, (0,), exponent)),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.integers(min_value=-14, max_value=6),
)


def _decimals_after_point(value: Decimal) -> int:
    """Significant decimals, by string: trailing zeros dropped."""
    text = f"{value:f}"
    return len(text.split(".")[1].rstrip("0")) if "." in text else 0


def _half_even(value: Decimal, places: int) -> Decimal:
    """Reference rounding with integers only."""
    sign, digits, exponent = value.as_tuple()
    coefficient = int("".join(map(str, digits)))
    shift = -places - exponent
    if shift <= 0:
        result = coefficient * 10 ** (-shift)
    else:
        quotient, remainder = divmod(coefficient, 10**shift)
        half = 5 * 10 ** (shift - 1)
        if remainder > half or (remainder == half and quotient % 2):
            quotient += 1
        result = quotient
    if sign and result:
        result = -result
    return Decimal((0 if result >= 0 else 1, tuple(int(d) for d in str(abs(result))), -places))


def test_field_kwargs_and_existing_names():
    assert QUANTITY == {"max_digits": 28, "decimal_places": 10}
    assert PRICE == {"max_digits": 28, "decimal_places": 10}
    assert FX_RATE == {"max_digits": 20, "decimal_places": 10}
    assert STORED_DECIMALS == 4
    assert {code: minor_units(code) for code in CURRENCIES} == CURRENCIES
    assert fits_storage(Decimal("1.2345")) and not fits_storage(Decimal("1.23456"))
    assert money_text(Decimal("-12.3"), "GBP") == "-12.30"


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("1", 0, True), ("1.0", 0, True), ("1.5", 0, False), ("1.2300", 2, True), ("1.234", 2, False),
        ("0.001", 3, True), ("0.0001", 3, False), ("1E+30", 4, True), ("1E-30", 10, False),
        ("0.0000000001", 10, True), ("0.00000000001", 10, False), ("-0.00", 0, True),
        ("NaN", 4, False), ("Infinity", 4, False), ("-Infinity", 10, False),
    ],
)
def test_fits_examples(value, places, expected):
    assert fits(Decimal(value), places) is expected


@given(decimals, st.integers(min_value=0, max_value=10))
def test_fits_matches_counting_decimals(value, places):
    assert fits(value, places) is (_decimals_after_point(value) <= places)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.5", "JPY", "2"), ("3.5", "JPY", "4"), ("-2.5", "JPY", "-2"), ("1500.0000", "JPY", "1500"),
        ("1.005", "GBP", "1.00"), ("1.015", "GBP", "1.02"), ("1.0051", "GBP", "1.01"), ("12.3", "GBP", "12.30"),
        ("0.0005", "KWD", "0.000"), ("0.0015", "KWD", "0.002"), ("1.23456", "KWD", "1.235"),
        ("0.00005", "CLF", "0.0000"), ("0.00015", "CLF", "0.0002"), ("1.23455", "CLF", "1.2346"),
        ("-0.004", "GBP", "0.00"),
    ],
)
def test_to_minor_examples(amount, currency, expected):
    result = to_minor(Decimal(amount), currency)
    assert str(result) == expected
    assert result.as_tuple().exponent == -CURRENCIES[currency]


@given(decimals, st.sampled_from(sorted(CURRENCIES)))
def test_to_minor_is_half_even_at_the_minor_unit(amount, currency):
    places = CURRENCIES[currency]
    result = to_minor(amount, currency)
    assert result == _half_even(amount, places)
    assert result.as_tuple().exponent == -places
    assert fits(result, places)
    assert abs(result - amount) <= Decimal(1).scaleb(-places) / 2
    assert not (result.is_zero() and result.is_signed())
    if fits(amount, places):
        assert result == amount  # an amount already at the minor unit is unchanged


def test_to_minor_is_exact_beyond_the_default_context_precision():
    big = Decimal("1" * 40 + ".125")
    assert to_minor(big, "GBP") == Decimal("1" * 40 + ".12")


def test_to_minor_refuses_non_finite():
    with pytest.raises(ValueError):
        to_minor(Decimal("NaN"), "GBP")


@pytest.mark.parametrize("currency", ["GBX", "GBp", "gbx"])
def test_pence_quotes_become_pounds_exactly(currency):
    assert quote_to_major(Decimal("123.45"), currency) == (Decimal("1.2345"), "GBP")
    price, code = quote_to_major(Decimal("0.0000000001"), currency)
    assert (str(price), code) == ("1E-12", "GBP")


@pytest.mark.parametrize("currency", ["GBP", "USD", "JPY", "KWD", "CLF", ""])
def test_other_quotes_are_unchanged(currency):
    price = Decimal("123.4500")
    result, code = quote_to_major(price, currency)
    assert code == currency
    assert result is price


@given(decimals)
def test_gbx_to_gbp_is_exact(price):
    pounds, code = quote_to_major(price, "GBX")
    assert code == "GBP"
    assert pounds.as_tuple().digits == price.as_tuple().digits  # no digit rounded or lost
    assert pounds * 100 == price


def test_gbx_is_exact_beyond_the_default_context_precision():
    pence = Decimal("9" * 35 + ".5")
    pounds, _ = quote_to_major(pence, "GBp")
    assert f"{pounds:f}" == "9" * 33 + "." + "995"


def test_pence_prices_fit_the_price_column_in_pounds():
    # A PRICE keeps 10 decimals, so a pence price with up to 8 converts without rounding.
    pence = Decimal("1234.56789012")
    pounds, _ = quote_to_major(pence, "GBX")
    assert fits(pence, PRICE["decimal_places"] - 2) and fits(pounds, PRICE["decimal_places"])

