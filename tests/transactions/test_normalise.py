"""Bank descriptions are cleaned before matching: processor prefixes, statement markers, dates,
store numbers and towns go; the markers are kept as a signal."""

import pytest

from transactions.categoriser.normalise import merchant_key, normalise


@pytest.mark.parametrize(("raw", "text"), [
    ("TESCO STORES 3297 LONDON GB", "TESCO STORES"),
    ("CARD PAYMENT TO SAINSBURY'S S/MKTS ON 12 MAR", "SAINSBURYS S MKTS"),
    ("PAYPAL *NETFLIX.COM", "NETFLIX COM"),
    ("SQ *JOES COFFEE 12/03/2026", "JOES COFFEE"),
    ("EASYJET000ABC", "EASYJET"),
    ("PURCHASE AUTHORIZED ON 03/12 CHIPOTLE 1234 SEATTLE WA", "CHIPOTLE"),
    ("SHELL KINGSTON", "SHELL"),
])
def test_noise_is_stripped(raw, text):
    assert normalise(raw).text == text


@pytest.mark.parametrize(("raw", "marker"), [
    ("DD THAMES WATER", "DD"), ("SO J SMITH", "SO"), ("FPI ACME LTD", "FPI"), ("BGC ACME LTD SALARY", "BGC"),
    ("CPT LLOYDS BANK", "CASH"), ("TESCO STORES 3297 DEB", "CARD"), ("STANDING ORDER TO J SMITH", "SO"),
])
def test_statement_markers_are_kept_as_signals(raw, marker):
    assert marker in normalise(raw).markers


def test_processor_is_remembered():
    assert normalise("PAYPAL *SPOTIFY").processor == "PAYPAL"


def test_merchant_key_is_stable_across_store_numbers_dates_and_towns():
    keys = {merchant_key(d) for d in ("JOES CAFE 123 LONDON GB", "CARD PAYMENT TO JOES CAFE ON 01 APR",
                                      "JOES CAFE 998")}
    assert keys == {"JOES CAFE"}


def test_merchant_name_wins_for_the_key():
    assert merchant_key("FPI 1234567 REF X", "Acme Ltd") == "ACME"


def test_well_known_digit_names_survive():
    assert normalise("O2 UK 12345").tokens[:2] == ("O2", "UK")
