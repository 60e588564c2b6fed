"""The books journey in a real browser: connect Xero in the sandbox (log in, pick one of the
login's two organisations), map our categories to its chart of accounts (accept the
suggestions, change one by hand), choose where to push, push, and push again: the second push
changes nothing and the page says so. Screenshots, desktop (1280) and phone (390), land in
test-artifacts/screenshots/ and, with UPDATE_DOCS_SCREENSHOTS=1, in docs/screenshots/."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounting.models import Organisation, PushedItem
from sandbox.xero.models import XeroBankTransaction

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
SPENDING = [  # (days ago, amount, merchant, category): the business card, categorised
    (12, "-12.40", "PRET A MANGER", "FOOD_AND_DRINK_RESTAURANT"),
    (10, "-58.20", "SHELL", "TRANSPORTATION_GAS"),
    (8, "-23.99", "RYMAN STATIONERY", "GENERAL_MERCHANDISE_OFFICE_SUPPLIES"),
    (6, "-84.50", "TRAINLINE", "TRAVEL_OTHER_TRAVEL"),
    (3, "640.00", "FASTER PAYMENT FROM GILES LLC", "INCOME_CONTRACTOR"),
]


@pytest.fixture
def xero_sandbox(sandbox_site, settings):
    settings.SANDBOX_ENABLED = True
    settings.XERO_LOGIN_URL = f"{sandbox_site}/sandbox/xero/login"
    settings.XERO_IDENTITY_URL = f"{sandbox_site}/sandbox/xero/identity"
    settings.XERO_API_URL = f"{sandbox_site}/sandbox/xero/api"
    settings.XERO_CLIENT_ID = settings.SANDBOX_CLIENT_ID
    settings.XERO_CLIENT_SECRET = settings.SANDBOX_CLIENT_SECRET


@pytest.fixture
def business_bank(logged_in):
    """The person's business current account with its recent card spending, categorised."""
    from open_banking.models import BankAccount, BankConnection, BankTransaction

    connection = BankConnection.objects.create(user=logged_in, provider="truelayer", status="active",
                                               institution_name="Sandbox Bank")
    account = BankAccount.objects.create(connection=connection, external_id="biz", name="Business Current",
                                         currency="GBP", type="current")
    today = timezone.localdate()
    for n, (ago, amount, merchant, category) in enumerate(SPENDING):
        BankTransaction.objects.create(account=account, external_id=f"biz-{n}", fingerprint=f"biz-{n}",
                                       booked_date=today - timedelta(days=ago), amount=Decimal(amount),
                                       currency="GBP", description=f"CARD PAYMENT TO {merchant}",
                                       merchant_name=merchant.title(), category=category)
    return account


def test_connect_xero_map_push_and_re_push(page, logged_in, xero_sandbox, business_bank, one_attempt, shot):
    from accounting.models import LedgerAccount  # noqa: F401  (the app is installed)

    # 1. Connect Xero: the sandbox's login, then its organisation picker (the first is ticked).
    page.get_by_role("link", name="Books", exact=True).click()
    expect(page.get_by_role("heading", name="Books", exact=True)).to_be_visible()
    page.get_by_role("button", name="Connect Xero").click()
    expect(page.get_by_role("heading", name="Log in to Xero")).to_be_visible()
    page.get_by_label("Email address").fill("sole-trader")
    page.get_by_label("Password").fill("any")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Allow the app to access your Xero organisations?")).to_be_visible()
    boxes = page.get_by_role("checkbox")
    expect(boxes).to_have_count(2)
    expect(boxes.nth(0)).to_be_checked()
    expect(boxes.nth(1)).not_to_be_checked()
    shot("accounting-01-xero-pick-organisation")
    page.get_by_role("button", name="Allow access").click()
    page.wait_for_url("**/accounting/?connected=**")  # the callback lands on the Books page

    # 2. The organisation it shared, read.
    org = Organisation.objects.get(connection__user=logged_in)
    row = page.locator(f'tr[data-organisation="{org.name}"]')
    expect(row).to_contain_text("Up to date")
    expect(row).to_contain_text("GBP")
    shot("accounting-02-organisations", docs="accounting-organisations")
    row.get_by_role("link", name="Accounts").click()
    expect(page.locator("tbody")).to_contain_text("Business Bank Account")

    # 3. Map: accept the suggestions, then send fuel to Travel instead of Motor Vehicle Expenses.
    page.get_by_role("link", name="Category mapping").click()
    expect(page.locator('tr[data-category="TRANSPORTATION"] [data-suggestion]')).to_have_text(
        "449 Motor Vehicle Expenses")
    page.get_by_role("button", name="suggestion").click()
    expect(page.locator(".messages")).to_contain_text("Saved")
    page.get_by_label("Fuel and EV charging").select_option(label="493 Travel - National")
    page.get_by_role("button", name="Save mapping").click()
    expect(page.locator(".messages")).to_contain_text("Saved 1 change")
    expect(page.get_by_label("Fuel and EV charging")).to_have_value(
        str(LedgerAccount.objects.get(organisation=org, code="493").pk))
    shot("accounting-03-mapping", docs="accounting-mapping")

    # 4. Where to push, then push: every categorised payment is created once.
    page.get_by_role("link", name="Push to the books").click()
    page.get_by_label("Business Current").check()
    page.get_by_label("The books' bank account").select_option(label="090 Business Bank Account")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Saved where to push")
    page.get_by_role("button", name="Push to Business Bank Account").click()
    summary = page.locator("#push-summary")
    expect(summary).to_have_attribute("data-changed", "some")
    expect(summary).to_contain_text(f"{len(SPENDING)} created")
    expect(page.locator('tr[data-status="created"]')).to_have_count(len(SPENDING))
    stored = XeroBankTransaction.objects.filter(tenant_id=org.external_id).exclude(reference="")
    assert stored.count() == len(SPENDING)
    assert set(stored.values_list("reference", flat=True)) == {str(t.pk) for t in business_bank.transactions.all()}
    fuel = stored.get(reference=str(business_bank.transactions.get(merchant_name="Shell").pk))
    assert fuel.body["LineItems"][0]["AccountCode"] == "493"
    shot("accounting-04-pushed")

    # 5. Push again: nothing changes, in the books or on the page.
    before = sorted(stored.values_list("bank_transaction_id", "updated_at"))
    page.get_by_role("button", name="Push to Business Bank Account").click()
    expect(summary).to_have_attribute("data-changed", "none")
    expect(summary).to_contain_text("Nothing changed")
    expect(page.locator('tr[data-status="unchanged"]')).to_have_count(len(SPENDING))
    assert sorted(stored.values_list("bank_transaction_id", "updated_at")) == before
    assert set(PushedItem.objects.values_list("status", flat=True)) == {"unchanged"}
    shot("accounting-05-re-push-changes-nothing", docs="accounting-re-push")
    page.set_viewport_size(PHONE)
    shot("accounting-05-re-push-phone", docs="accounting-re-push-phone")
