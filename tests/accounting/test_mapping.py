"""The category mapping: suggestions by classification and name, lookup through the primary,
and bad input refused per field."""

from __future__ import annotations

import pytest

from accounting.models import CategoryMapping, LedgerAccount, Organisation
from accounting.services.mapping import (
    MappingError,
    mapping_lookup,
    mapping_rows,
    mapping_set,
    mapping_suggestions_accept,
    mappings_of,
    suggest,
)
from integrations_core.records import AccountRecord
from integrations_core.services.imports import account_upsert

pytestmark = pytest.mark.django_db

CHART = [  # Xero's default UK chart, in part
    ("090", "Business Bank Account", "asset", True), ("200", "Sales", "revenue", False),
    ("260", "Other Revenue", "revenue", False), ("404", "Bank Fees", "expense", False),
    ("420", "Entertainment", "expense", False), ("429", "General Expenses", "expense", False),
    ("449", "Motor Vehicle Expenses", "expense", False), ("453", "Office Expenses", "expense", False),
    ("469", "Rent", "expense", False), ("489", "Telephone & Internet", "expense", False),
    ("493", "Travel - National", "expense", False), ("800", "Accounts Payable", "liability", False),
]


@pytest.fixture
def org(books_connection):
    organisation = account_upsert(books_connection, AccountRecord(external_id="org-1", name="Acme", type="other",
                                                                  currency="GBP"))
    for code, name, classification, bank in CHART:
        LedgerAccount.objects.create(organisation=organisation, external_id=f"la-{code}", code=code, name=name,
                                     classification=classification, is_bank=bank)
    return organisation


def accounts(org):
    return list(LedgerAccount.objects.filter(organisation=org, is_bank=False).order_by("code"))


@pytest.mark.parametrize(("category", "label", "code"), [
    ("BANK_FEES", "Bank fees", "404"),
    ("TRAVEL", "Travel", "493"),
    ("TRANSPORTATION_GAS", "Fuel and EV charging", "449"),
    ("RENT_AND_UTILITIES_RENT", "Rent", "469"),
    ("RENT_AND_UTILITIES_TELEPHONE", "Telephone", "489"),
    ("ENTERTAINMENT", "Entertainment", "420"),
    ("INCOME", "Income", "200"),
])
def test_suggestions_follow_the_name_within_the_right_classification(org, category, label, code):
    found = suggest(category, label, accounts(org))
    assert found is not None and found.ledger_account.code == code


def test_spending_is_never_suggested_a_revenue_account_nor_income_an_expense(org):
    assert suggest("INCOME_CONTRACTOR", "Sales", accounts(org)).ledger_account.classification == "revenue"
    assert suggest("GENERAL_MERCHANDISE", "Sales", accounts(org)).ledger_account.classification == "expense"


def test_transfers_get_no_suggestion(org):
    assert suggest("TRANSFER_OUT_SAVINGS", "Savings", accounts(org)) is None


def test_a_detailed_category_inherits_its_primary_mapping_unless_it_has_its_own(org, user):
    rent = LedgerAccount.objects.get(organisation=org, code="469")
    phone = LedgerAccount.objects.get(organisation=org, code="489")
    mapping_set(org, user=user, category="RENT_AND_UTILITIES", ledger_account_id=rent.pk)
    mapping_set(org, user=user, category="RENT_AND_UTILITIES_TELEPHONE", ledger_account_id=phone.pk)
    mappings = mappings_of(org)
    assert mapping_lookup(mappings, "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY") == rent
    assert mapping_lookup(mappings, "RENT_AND_UTILITIES_TELEPHONE") == phone
    rows = {r.category: r for r in mapping_rows(org, user=user, used_categories={"RENT_AND_UTILITIES_RENT"})}
    assert rows["RENT_AND_UTILITIES_RENT"].inherited == rent and rows["RENT_AND_UTILITIES_RENT"].suggestion is not None


def test_accepting_suggestions_saves_only_unmapped_ones(org, user):
    travel = LedgerAccount.objects.get(organisation=org, code="429")
    mapping_set(org, user=user, category="TRAVEL", ledger_account_id=travel.pk)
    saved = mapping_suggestions_accept(org, user=user)
    assert saved > 0
    assert CategoryMapping.objects.get(organisation=org, category="TRAVEL").ledger_account == travel  # kept
    assert CategoryMapping.objects.get(organisation=org, category="BANK_FEES").ledger_account.code == "404"
    assert mapping_suggestions_accept(org, user=user) == 0  # nothing left to accept


@pytest.mark.parametrize(("category", "account", "field"), [
    ("NOT_A_CATEGORY", "la-404", "category"),
    ("BANK_FEES", "la-090", "ledger_account"),  # a bank account
    ("BANK_FEES", "not-a-uuid", "ledger_account"),
])
def test_bad_mappings_are_refused_per_field(org, user, category, account, field):
    value = LedgerAccount.objects.get(external_id=account).pk if account.startswith("la-") else account
    with pytest.raises(MappingError) as caught:
        mapping_set(org, user=user, category=category, ledger_account_id=value)
    assert field in caught.value.errors


def test_another_organisations_account_is_refused(org, user, make_books_connection):
    other = account_upsert(make_books_connection(), AccountRecord(external_id="org-x", name="X", type="other",
                                                                  currency="GBP"))
    foreign = LedgerAccount.objects.create(organisation=other, external_id="x", name="Travel", classification="expense")
    with pytest.raises(MappingError):
        mapping_set(org, user=user, category="TRAVEL", ledger_account_id=foreign.pk)
    assert not Organisation.objects.get(pk=org.pk).category_mappings.exists()
