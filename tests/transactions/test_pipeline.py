"""Every step of the categoriser, the order between them, and the sign rules."""

from decimal import Decimal

import pytest

from transactions.categoriser.answers import TxInput
from transactions.categoriser.merchants import DuplicatePhrase, MerchantDictionary
from transactions.categoriser.merchants_eu import MERCHANTS_EU
from transactions.categoriser.merchants_finance import MERCHANTS_FINANCE
from transactions.categoriser.merchants_uk import MERCHANTS_UK
from transactions.categoriser.merchants_us import MERCHANTS_US
from transactions.categoriser.model import TextModel
from transactions.categoriser.normalise import merchant_key
from transactions.categoriser.pipeline import Categoriser, RuleSpec


def tx(description, amount="-10.00", **kw):
    return TxInput(description=description, amount=Decimal(amount), currency="GBP", **kw)


def run(item, **kw):
    return Categoriser(**kw).categorise(item)


# --- step 1: rules ----------------------------------------------------------------------------------
def test_rule_beats_everything_else():
    rule = RuleSpec(id=1, name="Work lunches", category="GENERAL_SERVICES_OTHER_GENERAL_SERVICES", pattern="PRET")
    result = run(tx("PRET A MANGER 123"), rules=[rule])
    assert (result.category, result.source, result.confidence) == ("GENERAL_SERVICES_OTHER_GENERAL_SERVICES",
                                                                   "rule", 1.0)
    assert "Work lunches" in result.reason


def test_rules_run_in_priority_order():
    low = RuleSpec(id=1, name="a", category="FOOD_AND_DRINK_COFFEE", pattern="CAFE", priority=50)
    high = RuleSpec(id=2, name="b", category="FOOD_AND_DRINK_RESTAURANT", pattern="CAFE", priority=10)
    assert run(tx("JOES CAFE"), rules=[low, high]).category == "FOOD_AND_DRINK_RESTAURANT"


@pytest.mark.parametrize(("spec", "item", "matches"), [
    ({"pattern": "ACME", "direction": "in"}, tx("ACME LTD", "-5"), False),
    ({"pattern": "ACME", "direction": "in"}, tx("ACME LTD", "5"), True),
    ({"pattern": "ACME", "amount_min": Decimal("100")}, tx("ACME LTD", "-99.99"), False),
    ({"pattern": "ACME", "amount_max": Decimal("100")}, tx("ACME LTD", "-99.99"), True),
    ({"pattern": "ACME", "account_id": "a1"}, tx("ACME LTD", account_id="a2"), False),
    ({"pattern": "ACME", "account_id": "a1"}, tx("ACME LTD", account_id="a1"), True),
    ({"pattern": "^AC.E", "match_type": "regex"}, tx("acme ltd"), True),
    ({"pattern": "ACME LTD", "match_type": "equals"}, tx("ACME LTD"), True),
    ({"pattern": "ACME", "match_field": "merchant"}, tx("XYZ", merchant_name="Acme"), True),
    ({"pattern": "ACME", "match_field": "merchant"}, tx("ACME"), True),  # the cleaned description is the key
    ({"pattern": "AMAZON CO UK"}, tx("AMAZON.CO.UK*2K4"), True),  # matches the cleaned text too
])
def test_rule_conditions(spec, item, matches):
    rule = RuleSpec(id=1, name="r", category="GENERAL_SERVICES_OTHER_GENERAL_SERVICES", **spec)
    assert (run(item, rules=[rule]).source == "rule") is matches


def test_a_rule_never_makes_money_out_income():
    rule = RuleSpec(id=1, name="ACME pays me", category="INCOME_SALARY", pattern="ACME")
    assert run(tx("ACME LTD", "2000"), rules=[rule]).category == "INCOME_SALARY"
    assert run(tx("ACME LTD", "-20"), rules=[rule]).source != "rule"


# --- step 2: learned corrections --------------------------------------------------------------------
def test_past_correction_for_the_merchant_beats_the_dictionary():
    key = merchant_key("TESCO STORES 3297")
    result = run(tx("TESCO STORES 3297"), corrections={key: "GENERAL_MERCHANDISE_SUPERSTORES"})
    assert (result.category, result.source) == ("GENERAL_MERCHANDISE_SUPERSTORES", "learned")


def test_rule_beats_a_correction():
    rule = RuleSpec(id=1, name="r", category="FOOD_AND_DRINK_RESTAURANT", pattern="JOES")
    result = run(tx("JOES CAFE"), rules=[rule], corrections={"JOES CAFE": "FOOD_AND_DRINK_COFFEE"})
    assert result.source == "rule"


# --- step 3: merchant dictionary ----------------------------------------------------------------------
@pytest.mark.parametrize(("description", "amount", "category"), [
    ("TESCO STORES 3297", "-20", "FOOD_AND_DRINK_GROCERIES"),
    ("TESCO PFS 4471", "-50", "TRANSPORTATION_GAS"),  # the longer phrase wins
    ("UBER *EATS", "-20", "FOOD_AND_DRINK_TAKEAWAY_DELIVERY"),
    ("UBER *TRIP HELP.UBER.COM", "-8", "TRANSPORTATION_TAXIS_AND_RIDE_SHARES"),
    ("AMZNMKTPLACE AMAZON.CO.UK", "-15", "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES"),
    ("LB LAMBETH CTAX", "-120", "RENT_AND_UTILITIES_COUNCIL_TAX"),
    ("TV LICENCE MBP", "-13.25", "RENT_AND_UTILITIES_TV_LICENCE"),
    ("DWP UC", "400", "INCOME_STATE_BENEFITS"),
    ("DWP SP", "800", "INCOME_RETIREMENT_PENSION"),
    ("HMRC NDDS", "-500", "GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT"),
    ("HMRC", "300", "INCOME_TAX_REFUND"),
    ("BGC ACME LTD SALARY", "2500", "INCOME_SALARY"),
    ("VANGUARD", "-200", "TRANSFER_OUT_INVESTMENT_AND_RETIREMENT_FUNDS"),
    ("VANGUARD", "200", "TRANSFER_IN_INVESTMENT_AND_RETIREMENT_FUNDS"),
    ("EASYJET000ABC", "-120", "TRAVEL_FLIGHTS"),
    ("WM SUPERCENTER #1234", "-80", "GENERAL_MERCHANDISE_SUPERSTORES"),
])
def test_merchant_dictionary(description, amount, category):
    result = run(tx(description, amount))
    assert (result.category, result.source) == (category, "merchant")


def test_dictionary_has_no_duplicate_phrases():
    MerchantDictionary([*MERCHANTS_FINANCE, *MERCHANTS_UK, *MERCHANTS_US, *MERCHANTS_EU], strict=True)


def test_dictionary_rejects_unknown_categories():
    with pytest.raises(ValueError, match="unknown category"):
        MerchantDictionary([("FOO", "NOT_A_CODE", "Foo")])
    with pytest.raises(DuplicatePhrase):
        MerchantDictionary([("FOO", "OTHER_OTHER", "a"), ("FOO", "OTHER_OTHER", "b")], strict=True)


# --- step 4: MCC ----------------------------------------------------------------------------------------
def test_mcc_decides_when_the_name_is_unknown():
    result = run(tx("ZZ UNKNOWN TRADER 991", mcc="5411"))
    assert (result.category, result.source) == ("FOOD_AND_DRINK_GROCERIES", "mcc")
    assert "5411" in result.reason


def test_scheme_ranges_map_airlines_and_hotels():
    assert run(tx("ZZ AIR 1", mcc="3005")).category == "TRAVEL_FLIGHTS"
    assert run(tx("ZZ HOTEL 1", mcc="3700")).category == "TRAVEL_LODGING"


def test_mcc_for_cash_machines_is_a_withdrawal():
    assert run(tx("ZZ 12345", mcc="6011")).category == "TRANSFER_OUT_WITHDRAWAL"


def test_merchant_dictionary_beats_mcc():
    assert run(tx("TESCO STORES 1", mcc="5812")).source == "merchant"


# --- step 5: provider ------------------------------------------------------------------------------------
def test_truelayer_classification():
    result = run(tx("ZZ TRADER", provider_category="Food & Dining/Restaurants"))
    assert (result.category, result.source) == ("FOOD_AND_DRINK_RESTAURANT", "provider")


def test_plaid_code_passes_through_and_v1_names_are_renamed():
    assert run(tx("ZZ TRADER", "100", provider_category="INCOME_WAGES")).category == "INCOME_SALARY"


def test_gocardless_bank_transaction_code():
    assert run(tx("ZZ 1", "-40", provider_category="PMNT-CCRD-CWDL")).category == "TRANSFER_OUT_WITHDRAWAL"
    assert run(tx("ZZ 1", "2000", provider_category="PMNT-RCDT-SALA")).category == "INCOME_SALARY"


def test_transaction_type():
    assert run(tx("ZZ 1", "0.40", transaction_type="INTEREST")).category == "INCOME_INTEREST_EARNED"
    assert run(tx("ZZ 1", "-20", transaction_type="ATM")).category == "TRANSFER_OUT_WITHDRAWAL"


def test_mcc_beats_provider_category():
    assert run(tx("ZZ 1", mcc="5411", provider_category="Shopping/Clothing")).source == "mcc"


def test_a_payment_type_alone_is_a_low_confidence_guess():
    result = run(tx("DD ZZ SERVICES"))
    assert result.source == "provider" and result.confidence < 0.5


# --- step 6: model ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_model():
    texts = [f"zout ZZBAKERY {i}" for i in range(20)] + [f"zout QQGARAGE {i}" for i in range(20)]
    labels = ["FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK"] * 20 + ["GENERAL_SERVICES_AUTOMOTIVE"] * 20
    return TextModel.train(texts, labels)


def test_model_answers_only_above_its_threshold(tiny_model):
    result = run(tx("ZZBAKERY HIGH ST"), model=tiny_model, model_threshold=0.6)
    assert (result.category, result.source) == ("FOOD_AND_DRINK_OTHER_FOOD_AND_DRINK", "model")
    assert run(tx("ZZBAKERY HIGH ST"), model=tiny_model, model_threshold=0.999).source == "default"


def test_model_never_answers_income_for_money_out():
    texts = [f"zin ACME PAYROLL {i}" for i in range(30)] + [f"zout SHOP {i}" for i in range(30)]
    labels = ["INCOME_SALARY"] * 30 + ["GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE"] * 30
    model = TextModel.train(texts, labels)
    result = run(tx("ACME PAYROLL", "-50"), model=model, model_threshold=0.0)
    assert result.category != "INCOME_SALARY"


def test_model_round_trips_without_pickle(tiny_model):
    again = TextModel.from_bytes(tiny_model.to_bytes())
    texts = ["zout ZZBAKERY 9", "zout QQGARAGE 3"]
    assert (again.probabilities(texts).round(5) == tiny_model.probabilities(texts).round(5)).all()


# --- step 7 and the order between steps ---------------------------------------------------------------
def test_nothing_known_is_other_with_low_confidence():
    result = run(tx("XQZ 99 PLC"))
    assert (result.category, result.source) == ("OTHER_OTHER", "default")
    assert result.confidence < 0.2


def test_low_confidence_hint_beats_other_when_nothing_is_sure():
    result = run(tx("FPI J SMITH", "50"))
    assert result.category == "TRANSFER_IN_OTHER_TRANSFER_IN" and result.confidence < 0.5


def test_first_confident_answer_wins_over_later_steps():
    result = run(tx("TESCO STORES 1", mcc="5812", provider_category="Food & Dining/Restaurants"))
    assert result.source == "merchant"


# --- sign ---------------------------------------------------------------------------------------------------
def test_a_refund_is_not_income():
    result = run(tx("AMAZON.CO.UK REFUND", "15.00"))
    assert result.category == "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES" and result.refund
    assert result.primary != "INCOME"


def test_a_salary_is_income():
    result = run(tx("ACME LTD SALARY", "2500"))
    assert result.primary == "INCOME" and not result.refund


def test_money_out_is_never_income():
    result = run(tx("ACME LTD SALARY", "-2500"))
    assert result.primary != "INCOME"


def test_explain_lists_every_step():
    steps = Categoriser().explain(tx("TESCO STORES 1", mcc="5411"))
    assert [s["step"] for s in steps] == ["rule", "learned", "refund", "words", "merchant", "mcc", "provider", "words",
                                          "model", "default"]
    assert [s["step"] for s in steps if s["chosen"]] == ["merchant"]
    assert steps[5]["category"] == "FOOD_AND_DRINK_GROCERIES"


def test_categorise_many_keeps_order():
    items = [tx("TESCO STORES"), tx("XQZ"), tx("SPOTIFY")]
    assert [r.category for r in Categoriser().categorise_many(items)] == [
        "FOOD_AND_DRINK_GROCERIES", "OTHER_OTHER", "ENTERTAINMENT_MUSIC_AND_AUDIO"]
