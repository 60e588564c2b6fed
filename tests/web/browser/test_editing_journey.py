"""The person's own money, edited in a real browser (issue 18 §2): find a payment by its amount,
give it a note and tags, split it across two categories and watch the budget move, write a rule,
preview it and apply it, add a manual loan and update its balance (kept in its history).

Screenshots land in test-artifacts/screenshots/ (desktop 1280 and phone 390 wide);
`UPDATE_DOCS_SCREENSHOTS=1` refreshes the README's copies in docs/screenshots/."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from open_banking.models import BalanceSnapshot, BankAccount, BankConnection, BankTransaction
from transactions.models import Budget, CategoryRule, TransactionSplit

from .conftest import DESKTOP

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect
Page = sync_api.Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def money(logged_in):
    """A connected current account with this month's payments and a gifts budget."""
    today = timezone.localdate()
    connection = BankConnection.objects.create(
        user=logged_in, provider="truelayer", status="active", institution_name="Lloyds", institution_id="ob-lloyds",
        last_synced_at=timezone.now(), consent_expires_at=timezone.now() + timedelta(days=80))
    current = BankAccount.objects.create(connection=connection, external_id="acc-1", name="Club Lloyds",
                                         type="current", currency="GBP", current_balance=Decimal("1234.56"),
                                         balance_updated_at=timezone.now(), last_synced_at=timezone.now())
    rows = [("TESCO EXTRA", "-61.86", "FOOD_AND_DRINK_GROCERIES"), ("COSTA COFFEE", "-3.40", ""),
            ("COSTA COFFEE", "-2.95", ""), ("ACME LTD SALARY", "2400.00", "INCOME_WAGES"),
            ("COUNCIL TAX", "-148.00", "RENT_AND_UTILITIES_OTHER_UTILITIES")]
    for i, (description, amount, category) in enumerate(rows):
        BankTransaction.objects.create(account=current, external_id=f"t{i}", fingerprint=f"t{i}",
                                       booked_date=today, amount=Decimal(amount), currency="GBP",
                                       description=description, category=category)
    BalanceSnapshot.objects.create(account=current, date=today - timedelta(days=7), current=Decimal("1100.00"),
                                   currency="GBP")
    BalanceSnapshot.objects.create(account=current, date=today, current=Decimal("1234.56"), currency="GBP")
    Budget.objects.create(user=logged_in, category="GENERAL_MERCHANDISE", amount=Decimal("50.00"), currency="GBP",
                          start_month=today.replace(day=1))
    return {"account": current}


def test_edit_split_budget_rule_and_manual_balance(page: Page, money, shot):
    # Find the payment by its amount; the list says what came in and went out.
    page.get_by_role("link", name="Transactions").first.click()
    expect(page.locator("[data-total-in]")).to_have_text("+£2,400.00")
    page.get_by_label("Amount", exact=True).fill("61.86")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("[data-transaction]")).to_have_count(1)
    expect(page.locator("[data-total-out]")).to_have_text("−£61.86")
    shot("editing-01-amount-search", docs="transactions-search")
    page.set_viewport_size(PHONE_390)
    shot("editing-01-amount-search-phone", docs="transactions-search-phone")
    page.set_viewport_size(DESKTOP)

    # A note and tags.
    page.get_by_role("link", name="TESCO EXTRA", exact=True).click()
    page.get_by_label("Note", exact=True).fill("Birthday party food, and the present")
    page.get_by_label("Tags", exact=True).fill("party, kids")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="party")).to_be_visible()

    # Split it: a penny out is refused and said plainly, then the exact split is saved.
    page.get_by_label("Part 1 category", exact=True).select_option("FOOD_AND_DRINK_GROCERIES")
    page.get_by_label("Part 1 amount", exact=True).fill("-41.86")
    page.get_by_label("Part 2 category", exact=True).select_option("GENERAL_MERCHANDISE_GIFTS_AND_NOVELTIES")
    page.get_by_label("Part 2 amount", exact=True).fill("-19.99")
    page.get_by_role("button", name="Save split").click()
    expect(page.locator("[data-split-error]")).to_contain_text("0.01 to go")
    page.get_by_label("Part 2 amount", exact=True).fill("-20.00")
    page.get_by_role("button", name="Save split").click()
    expect(page.get_by_text("Split saved")).to_be_visible()
    expect(page.locator("[data-splits]")).to_contain_text("−£20.00")
    assert TransactionSplit.objects.count() == 2
    shot("editing-02-split", docs="transaction-split")
    page.set_viewport_size(PHONE_390)
    shot("editing-02-split-phone", docs="transaction-split-phone")
    page.set_viewport_size(DESKTOP)

    # The gifts part shows in the general merchandise budget.
    page.get_by_role("link", name="Budgets").first.click()
    budget = page.locator('[data-budget="GENERAL_MERCHANDISE"]')
    expect(budget.locator("[data-spent]")).to_have_text("£20.00")
    shot("editing-03-budget-after-split", docs="budgets-split")

    # A rule: preview what it would change, then save and apply it.
    page.get_by_role("link", name="Rules").first.click()
    page.get_by_label("Name", exact=True).fill("Coffee shops")
    page.get_by_label("Text to match", exact=True).fill("COSTA")
    page.get_by_label("Put matching transactions in", exact=True).select_option("FOOD_AND_DRINK_COFFEE")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("[data-preview]")).to_contain_text("This rule would change 2 transactions")
    shot("editing-04-rule-preview", docs="rules-preview")
    page.get_by_label("Also apply it to my past transactions now", exact=True).check()
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_text("2 past transactions changed")).to_be_visible()
    assert CategoryRule.objects.count() == 1
    assert set(BankTransaction.objects.filter(description="COSTA COFFEE").values_list("category", flat=True)) == {
        "FOOD_AND_DRINK_COFFEE"}

    # A manual loan: add it, open its page, update the balance; the old one stays in the history.
    page.get_by_role("link", name="Accounts").first.click()
    page.get_by_label("Account name", exact=True).fill("Car loan")
    page.get_by_label("Type", exact=True).select_option("loan")
    page.get_by_label("Balance", exact=True).fill("8000")
    page.get_by_role("button", name="Add account").click()
    page.get_by_role("link", name="Car loan", exact=True).click()
    expect(page.locator("[data-balance]")).to_have_text("−£8,000.00")
    page.get_by_label("New balance", exact=True).fill("7800")
    page.get_by_role("button", name="Update balance").click()
    expect(page.get_by_text(re.compile("Balance of Car loan updated"))).to_be_visible()
    expect(page.locator("[data-balance]")).to_have_text("−£7,800.00")
    expect(page.locator("[data-history]")).to_contain_text("−£7,800.00")
    shot("editing-05-manual-account", docs="account-manual")
    page.set_viewport_size(PHONE_390)
    shot("editing-05-manual-account-phone", docs="account-manual-phone")
    page.set_viewport_size(DESKTOP)

    # The connected account's own page: history, transactions, its connection and state.
    page.get_by_role("link", name="‹ Accounts").click()
    page.get_by_role("link", name="Club Lloyds", exact=True).click()
    expect(page.get_by_role("heading", name="Its connection")).to_be_visible()
    expect(page.locator("[data-account-state]")).to_have_text("Up to date")
    expect(page.locator("svg.history-chart polyline")).to_have_count(1)
    shot("editing-06-account-page", docs="account-page")

    # Remove the loan, after the confirmation.
    page.get_by_role("link", name="‹ Accounts").click()
    page.get_by_role("link", name="Remove Car loan").click()
    expect(page.get_by_role("heading", name="Remove Car loan?")).to_be_visible()
    page.get_by_role("button", name="Yes, remove Car loan").click()
    expect(page.get_by_text("Removed Car loan.")).to_be_visible()
    assert not BankAccount.objects.filter(name="Car loan").exists()
