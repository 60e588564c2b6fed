"""The business journey in a real browser: connect Stripe (Connect OAuth through the sandbox's
page) and the Sandbox Business Bank (TrueLayer's OAuth pages); the first syncs run, the engine
runs after each, and the reconciliation page shows every Stripe payout that reached the bank
matched to its bank credit. Confirm one: it is locked, and "Check again" leaves it locked. The
business dashboard shows Stripe's takings, fees and refunds.

Both mocks speak from one business persona (sandbox/business/persona.py), keyed by the login
used at each: the same login at Stripe and at the bank is the same business.
Screenshots land in test-artifacts/screenshots/ (desktop and phone)."""

from __future__ import annotations

import re

import pytest

from payments.models import Payout
from reconciliation.models import MatchStatus, ReconMatch

from .conftest import DESKTOP, PHONE

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect
Page = sync_api.Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LOGIN = "taylor"  # the business, at Stripe and at the bank


@pytest.fixture
def stripe_sandbox(sandbox_site, settings):
    settings.STRIPE_API_URL = f"{sandbox_site}/sandbox/stripe/api"
    settings.STRIPE_CONNECT_URL = f"{sandbox_site}/sandbox/stripe/connect"
    settings.STRIPE_CLIENT_ID = "ca_sandbox_platform"
    settings.STRIPE_SECRET_KEY = "sk_test_sandbox_platform"


def connect_stripe(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payments").click()
    page.get_by_role("button", name="Connect Stripe", exact=True).click()
    expect(page.get_by_role("heading", name="Connect your Stripe account")).to_be_visible()
    page.get_by_label("Sandbox login").fill(LOGIN)
    page.get_by_role("button", name="Connect", exact=True).click()
    page.wait_for_url(re.compile(r"/(payments|connections)/"))


def connect_business_bank(page: Page) -> None:
    bank = "Sandbox Business Bank"
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Connections").click()
    page.get_by_label("Search banks").fill("Business")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=f"Connect {bank}").first.click()
    expect(page.get_by_role("heading", name=f"Log in to {bank}")).to_be_visible()
    page.get_by_label("Username").fill(LOGIN)
    page.get_by_label("Password").fill("sandbox-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"Share your {bank} data?")).to_be_visible()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(re.compile(r"/connections/\?connected="))


def test_connect_stripe_and_the_bank_and_see_payouts_matched(page: Page, logged_in, stripe_sandbox, shot):
    connect_stripe(page)
    connect_business_bank(page)
    payouts = Payout.objects.filter(account__connection__user=logged_in)
    assert payouts.exists(), "the first Stripe sync ran"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Business").click()
    expect(page.get_by_role("heading", name="Business", exact=True)).to_be_visible()
    income = page.locator("table.income-table tbody tr", has_text="Stripe")
    expect(income.first).to_contain_text("£")
    expect(page.locator("svg.income-chart__svg rect[data-part='net']").first).to_be_visible()
    shot("business-01-dashboard", docs="business")

    page.get_by_role("link", name="Reconciliation", exact=True).click()
    expect(page.get_by_role("heading", name="Reconciliation", exact=True)).to_be_visible()
    matched = page.locator("#matched tbody tr")
    held = ReconMatch.objects.filter(user=logged_in, rule="payout_bank_credit", status=MatchStatus.MATCHED)
    assert held.count() >= 5
    expect(matched).to_have_count(held.count())
    expect(matched.first).to_contain_text("STRIPE PAYMENTS UK LTD")
    expect(matched.first).to_contain_text("Matched automatically")
    shot("business-02-reconciliation", docs="reconciliation", full_page=False)

    first = matched.first
    match_id = first.get_attribute("data-match")
    first.get_by_role("button", name=re.compile(r"^Confirm")).click()
    expect(page.get_by_role("status").filter(has_text="Match confirmed and locked.")).to_be_visible()
    row = page.locator(f"tr[data-match='{match_id}']")
    expect(row).to_contain_text("Confirmed · locked")
    page.get_by_role("button", name="Check again").click()
    expect(page.locator(f"tr[data-match='{match_id}']")).to_contain_text("Confirmed · locked")
    assert ReconMatch.objects.get(pk=match_id).status == MatchStatus.CONFIRMED

    page.set_viewport_size(PHONE)
    shot("business-03-reconciliation-phone", docs="reconciliation-phone", full_page=False)
    page.set_viewport_size(DESKTOP)
