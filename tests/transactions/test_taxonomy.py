"""The taxonomy is data: PFC v2 codes plus UK additions, loaded into the database by a migration."""

from decimal import Decimal

import pytest

from transactions import taxonomy
from transactions.models import Category


def test_every_detailed_code_starts_with_its_primary():
    for code, info in taxonomy.categories().items():
        assert code.startswith(info.primary)
        assert info.label and info.icon and info.color.startswith("#")


def test_primaries_are_the_pfc_v2_names():
    assert set(taxonomy.primaries()) == {
        "INCOME", "TRANSFER_IN", "TRANSFER_OUT", "LOAN_PAYMENTS", "LOAN_DISBURSEMENTS", "BANK_FEES",
        "ENTERTAINMENT", "FOOD_AND_DRINK", "GENERAL_MERCHANDISE", "HOME_IMPROVEMENT", "MEDICAL", "PERSONAL_CARE",
        "GENERAL_SERVICES", "GOVERNMENT_AND_NON_PROFIT", "TRANSPORTATION", "TRAVEL", "RENT_AND_UTILITIES", "OTHER",
    }


def test_uk_additions_export_to_real_pfc_codes():
    uk = {c: i for c, i in taxonomy.categories().items() if i.uk_extension}
    assert set(uk) == {"INCOME_STATE_BENEFITS", "FOOD_AND_DRINK_TAKEAWAY_DELIVERY", "RENT_AND_UTILITIES_COUNCIL_TAX",
                       "RENT_AND_UTILITIES_TV_LICENCE"}
    for info in uk.values():
        assert taxonomy.is_valid(info.export_code) and not taxonomy.categories()[info.export_code].uk_extension


def test_codes_under_a_primary_cover_its_detailed_codes():
    assert "FOOD_AND_DRINK_GROCERIES" in taxonomy.codes_under("FOOD_AND_DRINK")
    assert "FOOD_AND_DRINK" in taxonomy.codes_under("FOOD_AND_DRINK")
    assert taxonomy.codes_under("FOOD_AND_DRINK_GROCERIES") == ("FOOD_AND_DRINK_GROCERIES",)
    assert taxonomy.codes_under("NOPE") == ()


@pytest.mark.parametrize(("code", "amount", "expected"), [
    ("INCOME_SALARY", "2500", "INCOME_SALARY"),
    ("INCOME_SALARY", "-2500", None),  # money out is never income
    ("FOOD_AND_DRINK_GROCERIES", "5.00", "FOOD_AND_DRINK_GROCERIES"),  # a refund keeps the shop's category
    ("TRANSFER_OUT_SAVINGS", "100", "TRANSFER_IN_SAVINGS"),
    ("TRANSFER_IN_ACCOUNT_TRANSFER", "-100", "TRANSFER_OUT_ACCOUNT_TRANSFER"),
    ("GOVERNMENT_AND_NON_PROFIT_TAX_PAYMENT", "300", "INCOME_TAX_REFUND"),
    ("LOAN_DISBURSEMENTS_PERSONAL", "-10", None),
    ("OTHER_OTHER", "-1", "OTHER_OTHER"),
])
def test_orient_applies_the_sign(code, amount, expected):
    assert taxonomy.orient(code, Decimal(amount)) == expected


def test_a_refund_is_neither_income_nor_spending():
    assert taxonomy.is_refund("FOOD_AND_DRINK_GROCERIES", Decimal("5"))
    assert not taxonomy.is_refund("INCOME_SALARY", Decimal("5"))
    assert not taxonomy.is_refund("FOOD_AND_DRINK_GROCERIES", Decimal("-5"))


@pytest.mark.django_db
def test_data_migration_loaded_every_category():
    assert Category.objects.count() == len(taxonomy.categories())
    groceries = Category.objects.get(code="FOOD_AND_DRINK_GROCERIES")
    assert (groceries.primary, groceries.label, groceries.icon) == ("FOOD_AND_DRINK", "Groceries", "shopping_cart")
