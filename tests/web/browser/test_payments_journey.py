"""The payments journey in a real browser: connect Stripe through Connect OAuth (the sandbox's
Connect page, signed in as the business persona), see the balance, open a payout and find that
what it carried adds up to it, and the disputes with their deadlines; then a restricted key
lacking a permission is refused with the permission named. Screenshots, desktop (1280) and phone
(390), land in test-artifacts/screenshots/ and, with UPDATE_DOCS_SCREENSHOTS=1, in
docs/screenshots/ for the README."""

from __future__ import annotations

import pytest

from payments.models import Payout

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture
def stripe_sandbox(sandbox_site, settings):
    settings.SANDBOX_ENABLED = True
    settings.STRIPE_API_URL = f"{sandbox_site}/sandbox/stripe/api"
    settings.STRIPE_CONNECT_URL = f"{sandbox_site}/sandbox/stripe/connect"
    settings.STRIPE_CLIENT_ID = "ca_sandbox_platform"
    settings.STRIPE_SECRET_KEY = "sk_test_sandbox_platform"


def test_connect_stripe_and_see_payouts_reconcile(page, logged_in, stripe_sandbox, one_attempt, shot):
    page.get_by_role("link", name="Payments", exact=True).click()
    expect(page.get_by_role("heading", name="Payments", exact=True)).to_be_visible()
    page.get_by_role("button", name="Connect Stripe", exact=True).click()
    # The sandbox's Connect page: sign in as the business.
    expect(page.get_by_role("heading", name="Connect your Stripe account")).to_be_visible()
    page.get_by_label("Sandbox login").fill("taylor")
    page.get_by_role("button", name="Connect", exact=True).click()
    page.get_by_role("link", name="Payments", exact=True).click()
    balance = page.locator('[data-balance="GBP"]')
    expect(balance).to_be_visible()
    shot("payments-desktop", docs="payments-desktop")
    page.set_viewport_size(PHONE)
    shot("payments-phone", docs="payments-phone")
    page.set_viewport_size(DESKTOP)

    paid = Payout.objects.filter(status="paid").order_by("-arrival_date").first()
    assert paid is not None
    page.goto(f"/payments/payouts/{paid.pk}/")
    expect(page.locator("[data-payout-reconciles]")).to_be_visible()
    expect(page.locator("tr[data-transaction]").first).to_be_visible()
    shot("payments-payout-desktop", docs="payments-payout-desktop")
    page.set_viewport_size(PHONE)
    shot("payments-payout-phone", docs="payments-payout-phone")
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name="All payouts").click()
    expect(page.locator("tr[data-payout]").first).to_be_visible()
    page.goto("/payments/disputes/")
    expect(page.locator("tr[data-dispute]").first).to_be_visible()


def test_a_key_without_a_permission_is_refused_naming_it(page, logged_in, stripe_sandbox, one_attempt, shot):
    page.goto("/payments/")
    page.get_by_role("link", name="Connect Stripe (restricted key)").click()
    page.get_by_label("Restricted key").fill("rk_test_taylor+no-rak_balance_read")
    page.get_by_role("button", name="Check and connect").click()
    expect(page.get_by_role("alert")).to_contain_text("rak_balance_read")
    shot("payments-key-refused")
    page.get_by_label("Restricted key").fill("rk_test_taylor")
    page.get_by_role("button", name="Check and connect").click()
    expect(page.locator('[data-balance="GBP"]')).to_be_visible()
