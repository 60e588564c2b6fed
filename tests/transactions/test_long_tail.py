"""The long tail: small traders, direct debits, who the money really went to, refunds and payouts
(transactions/categoriser/trade_words.py and the pipeline's order). Pure pipeline, no database,
except the refund tie-up at the end."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from transactions.categoriser.answers import SOURCE_LEARNED, SOURCE_REFUND, SOURCE_WORDS, TxInput
from transactions.categoriser.pipeline import Categoriser
from transactions.categoriser.trade_words import trade_match
from transactions.services.refunds import refund_lookup_for_user

from .conftest import BankTransaction, rec, sync


def tx(description, amount="-10.00", **kw):
    return TxInput(description=description, amount=Decimal(amount), currency="GBP", **kw)


def cat(description, amount="-10.00", categoriser=None, **kw):
    return (categoriser or Categoriser()).categorise(tx(description, amount, **kw))


@pytest.mark.parametrize(("description", "expected"), [
    ("SQ *THE LITTLE BAKEHOUSE Bristol GB", "FOOD_AND_DRINK_FAST_FOOD"),
    ("SUMUP *ELLIS BUTCHERS", "FOOD_AND_DRINK_GROCERIES"),
    ("ZETTLE_*THE FLOWER STUDIO", "GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES"),
    ("IZ *ST MARYS PARISH CHURCH", "GOVERNMENT_AND_NON_PROFIT_DONATIONS"),
    ("SP *WILD ROOTS PLANT SHOP", "HOME_IMPROVEMENT_HARDWARE"),
    ("PAYPAL *BARKING MAD PET SUPPLIES", "GENERAL_MERCHANDISE_PET_SUPPLIES"),
    ("CARD PAYMENT TO SQ *PEPPERCORN BUTCHERS ON 12 MAR", "FOOD_AND_DRINK_GROCERIES"),
])
def test_an_unknown_trader_behind_a_facilitator_is_read_from_its_trade_words(description, expected):
    result = cat(description)
    assert (result.category, result.source) == (expected, SOURCE_WORDS)
    assert 0.6 <= result.confidence < 0.9 and "in the name" in result.reason


@pytest.mark.parametrize(("description", "expected"), [
    ("PETERS BAKERY", "FOOD_AND_DRINK_FAST_FOOD"),  # not a pet shop
    ("CHURCH STREET DELI", "FOOD_AND_DRINK_GROCERIES"),  # the head noun comes last
    ("THE BUTCHERS ARMS", "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR"),  # a pub, not a butcher
    ("MOSS AND FERN PLANT NURSERY", "HOME_IMPROVEMENT_HARDWARE"),  # a phrase beats the word inside it
    ("LITTLE ACORNS NURSERY", "GENERAL_SERVICES_CHILDCARE"),
    ("ABBEY FISH BAR", "FOOD_AND_DRINK_FAST_FOOD"),
    ("LOTUS NAIL BAR", "PERSONAL_CARE_HAIR_AND_BEAUTY"),
])
def test_trade_words_match_whole_words_and_phrases_and_the_head_decides(description, expected):
    assert cat(description).category == expected


def test_trade_words_never_match_inside_a_longer_word():
    assert trade_match(("CARPETBAGGER",)) is None
    assert trade_match(("SPARKLING",)) is None
    assert trade_match(("PETERSFIELD", "MOTORS")).phrase == "MOTORS"
    assert cat("CHURCHILL INSURANCE", merchant_name="CHURCHILL INSURANCE").category == "GENERAL_SERVICES_INSURANCE"


@pytest.mark.parametrize(("description", "name", "code", "expected"), [
    ("ADMIRAL INSURANCE", "ADMIRAL INSURANCE", "DIRECT_DEBIT", "GENERAL_SERVICES_INSURANCE"),
    ("BLACK HORSE LTD", "BLACK HORSE LIMITED", "PMNT-RDDT-ESDD", "LOAN_PAYMENTS_CAR_PAYMENT"),
    ("MANDATE 0042", "LENDABLE LTD", "DD", "LOAN_PAYMENTS_PERSONAL_LOAN_PAYMENT"),
    ("REF 88812", "CANCER RESEARCH UK", "DIRECT_DEBIT", "GOVERNMENT_AND_NON_PROFIT_DONATIONS"),
    ("PAYMENT 1234", "PENSIONBEE LTD", "DIRECT_DEBIT", "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS"),
    ("MOBILE PYMT", "SPARKLE CLEANING", "FASTER_PAYMENT", "HOME_IMPROVEMENT_REPAIR_AND_MAINTENANCE"),
])
def test_the_counterparty_decides_before_the_payment_method(description, name, code, expected):
    result = cat(description, merchant_name=name, provider_category=code)
    assert result.category == expected and result.source != "provider"


def test_the_payment_method_alone_is_only_a_weak_hint():
    result = cat("MANDATE 0042", provider_category="DIRECT_DEBIT")
    assert result.category == "RENT_AND_UTILITIES_OTHER_UTILITIES" and result.confidence < 0.5


def test_a_salary_paid_by_faster_payment_is_income_not_a_transfer():
    result = cat("FPI ACME WIDGETS LTD SALARY", "2450.00", merchant_name="ACME WIDGETS LTD",
                 provider_category="FASTER_PAYMENT")
    assert result.category == "INCOME_SALARY"


@pytest.mark.parametrize(("description", "expected"), [
    ("ASDA CAFE 4123", "FOOD_AND_DRINK_COFFEE"),
    ("ASDA PHARMACY 4123", "MEDICAL_PHARMACIES_AND_SUPPLEMENTS"),
    ("IKEA RESTAURANT WEMBLEY", "FOOD_AND_DRINK_RESTAURANT"),
    ("COSTCO FUEL WATFORD", "TRANSPORTATION_GAS"),
    ("ASDA STORES 4123", "FOOD_AND_DRINK_GROCERIES"),  # the main trade is untouched
    ("TEXACO BRIDGE GARAGE", "TRANSPORTATION_GAS"),  # a fuel brand's garage is its forecourt
])
def test_a_retailers_non_core_outlet_is_its_outlets_trade(description, expected):
    assert cat(description).category == expected


@pytest.mark.parametrize(("description", "code", "expected"), [
    ("CASH WITHDRAWAL FEE", "FEE_CHARGE", "BANK_FEES_ATM_FEES"),
    ("CARDTRONICS FEE", "", "BANK_FEES_ATM_FEES"),
    ("NON-STERLING CASH FEE", "", "BANK_FEES_ATM_FEES"),
    ("CASH ADVANCE FEE", "FEE_CHARGE", "BANK_FEES_CASH_ADVANCE"),
    ("CASH NOTEMACHINE 12MAR", "ATM", "TRANSFER_OUT_WITHDRAWAL"),  # the withdrawal itself
    ("TFL PENALTY CHARGE", "", "GOVERNMENT_AND_NON_PROFIT_GOVERNMENT_DEPARTMENTS_AND_AGENCIES"),
])
def test_a_fee_on_a_cash_withdrawal_is_a_fee(description, code, expected):
    assert cat(description, "-2.00", provider_category=code).category == expected


@pytest.mark.parametrize(("description", "name", "expected"), [
    ("VINTED UAB PAYOUT", "VINTED UAB", "INCOME_OTHER"),
    ("AIRBNB PAYMENTS UK HOST PAYOUT", "", "INCOME_RENTAL"),
    ("UBER BV DRIVER PAYOUT", "UBER BV", "INCOME_GIG_ECONOMY"),
    ("STRIPE PAYMENTS UK PAYOUT", "STRIPE PAYMENTS UK LTD", "INCOME_CONTRACTOR"),
])
def test_money_in_from_a_marketplace_or_platform_is_a_payout(description, name, expected):
    result = cat(description, "120.00", merchant_name=name)
    assert (result.category, result.refund) == (expected, False)
    # The same platforms' money *out* is still spending there.
    assert cat(description.replace("PAYOUT", ""), "-20.00").category != expected


def test_a_refund_keeps_the_category_of_what_it_refunds_and_is_never_income():
    result = cat("REFUND SQ *BLOOMS FLORIST LEEDS", "32.00")
    assert (result.category, result.refund) == ("GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES", True)
    chargeback = cat("CHARGEBACK - PEAK PHYSIOTHERAPY", "45.00")
    assert chargeback.refund and chargeback.primary == "MEDICAL"
    # A refund from a platform is a refund, not a payout.
    assert cat("VINTED UAB REFUND", "12.00").category != "INCOME_OTHER"
    unknown = cat("REFUND XQZW 1234", "9.99", provider_category="FPI")
    assert unknown.category == "OTHER_OTHER" and unknown.primary != "INCOME" and unknown.confidence < 0.5


def test_a_refund_is_tied_to_the_earlier_payment_when_one_is_known():
    asked = []

    def lookup(key):
        asked.append(key)
        return {"GLOW UP": "PERSONAL_CARE_HAIR_AND_BEAUTY"}.get(key)

    categoriser = Categoriser(refund_lookup=lookup)
    result = cat("REFUND GLOW UP 0331", "25.00", categoriser)
    assert (result.category, result.source, result.refund) == ("PERSONAL_CARE_HAIR_AND_BEAUTY", SOURCE_REFUND, True)
    assert "refund of your earlier payment" in result.reason.lower()
    cat("REFUND GLOW UP 0332", "5.00", categoriser)
    cat("GLOW UP 0333", "5.00", categoriser)  # money in without refund wording: no lookup
    assert asked == ["GLOW UP"]  # once per merchant per run


# --- learning speed --------------------------------------------------------------------------------
CORRECTED = "SQ *HOLLY TREE TEAROOMS HEBDEN BRIDGE"
NEXT_TEN = [
    "SQ *HOLLY TREE TEAROOMS HEBDEN BRIDGE",
    "SQ *HOLLY TREE TEAROOMS 0042 HEBDEN BRIDGE",
    "SUMUP *HOLLY TREE TEAROOMS",
    "HOLLY TREE TEAROOMS LTD",
    "CARD PAYMENT TO HOLLY TREE TEAROOMS ON 12 MAR",
    "SQ *HOLLY TREE TEAROO",  # truncated by the bank
    "SQ *HOLLY TREE TEA",
    "HOLLY TREE TEAROOMS TODMORDEN",
    "SQ *HOLLY TREE TEAROOMS 7781 LEEDS GB",
    "IZ *HOLLY TREE TEAROOMS HALIFAX",
]


def test_after_one_correction_the_next_ten_from_that_merchant_follow_it():
    from transactions.categoriser.normalise import merchant_key

    corrections = {merchant_key(CORRECTED): "FOOD_AND_DRINK_RESTAURANT"}  # the person said: a restaurant
    categoriser = Categoriser(corrections=corrections)
    results = categoriser.categorise_many([tx(d, "-12.40") for d in NEXT_TEN])
    right = sum(r.category == "FOOD_AND_DRINK_RESTAURANT" for r in results)
    assert right == 10, [(d, r.category, r.reason) for d, r in zip(NEXT_TEN, results, strict=True)]
    assert {r.source for r in results} == {SOURCE_LEARNED}
    # Without the correction the trade words would have said café: the correction is what decides.
    assert Categoriser().categorise(tx(NEXT_TEN[0])).category == "FOOD_AND_DRINK_COFFEE"


def test_a_correction_does_not_spread_to_a_different_merchant_sharing_a_word():
    categoriser = Categoriser(corrections={"HOLLY TREE TEAROOMS": "FOOD_AND_DRINK_RESTAURANT"})
    assert categoriser.categorise(tx("HOLLY BUSH INN")).category == "FOOD_AND_DRINK_BEER_WINE_AND_LIQUOR"
    assert categoriser.categorise(tx("HOL")).category == "OTHER_OTHER"


def test_every_answer_on_the_long_tail_set_keeps_source_confidence_and_reason():
    from bench.categoriser_longtail import evaluate

    rows, results = evaluate("all")
    assert len(rows) >= 300
    for result in results:
        assert result.source and result.reason and 0 < result.confidence <= 1


# --- the refund tie-up against stored transactions -------------------------------------------------
@pytest.mark.django_db
def test_a_synced_refund_takes_the_category_of_the_earlier_payment(account, user):
    sync(account, [rec("SQ *GLOW UP 0331 LEEDS", "-40.00", ext_id="paid", day=date(2026, 3, 1))])
    paid = BankTransaction.objects.get(external_id="paid")
    paid.category, paid.category_source = "PERSONAL_CARE_HAIR_AND_BEAUTY", "user"
    paid.save()
    lookup = refund_lookup_for_user(user)
    assert lookup("GLOW UP") == "PERSONAL_CARE_HAIR_AND_BEAUTY"
    assert lookup("GLOW") is None  # too short a key to stand for the merchant
    sync(account, [rec("REFUND SQ *GLOW UP", "15.00", ext_id="back", day=date(2026, 3, 9))])
    back = BankTransaction.objects.get(external_id="back")
    assert (back.category, back.category_source) == ("PERSONAL_CARE_HAIR_AND_BEAUTY", SOURCE_REFUND)
