"""The whole journey in a real browser: sign up, connect a sandbox bank through its OAuth pages,
see accounts and categorised transactions, recategorise one and watch the budget move, export,
disconnect, log out and back in. A fault login shows its plain-words error and action.

Screenshots of every page land in test-artifacts/screenshots/."""

from __future__ import annotations

import csv
import re
from decimal import Decimal

import pytest
from django.core import mail

from integrations_core.models import ConnectionStatus
from open_banking.models import BankConnection, BankTransaction
from transactions.models import MerchantCorrection

from .conftest import DESKTOP, PASSWORD, PHONE

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect
Page = sync_api.Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "pat@example.com"


def money(text: str) -> Decimal:
    """'£1,234.56' / '−£2.99' as shown on the page -> Decimal."""
    cleaned = text.replace("\u2212", "-").replace(",", "")
    return Decimal(re.sub(r"[^0-9.\-]", "", cleaned))


def connect_bank(page: Page, *, bank: str = "Monzo", username: str = "john", through: str = "") -> None:
    """From the Connections page through the sandbox bank's login and consent pages and back."""
    page.get_by_role("link", name="Connections").click()
    page.get_by_label("Search banks").fill(bank)
    if through:
        page.get_by_label("Connect through").select_option(through)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name=f"Connect {bank}").click()
    expect(page.get_by_role("heading", name=f"Log in to {bank}")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("sandbox-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"Share your {bank} data?")).to_be_visible()
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(re.compile(r"/connections/\?connected="))


def test_sign_up_connect_categorise_budget_disconnect(page: Page, shot):
    # --- sign up -------------------------------------------------------------------------
    page.goto("/")
    expect(page.get_by_role("heading", name="Your money, in one place")).to_be_visible()
    shot("01-home")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    shot("02-sign-up")
    page.get_by_role("button", name="Create account").click()
    # Sign-up ends in "check your e-mail" (the same for an address that already has an account).
    page.wait_for_url(re.compile(r"/accounts/confirm-email/"))
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.M).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your money", exact=True)).to_be_visible()  # the home screen
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    expect(page.get_by_text("No accounts yet")).to_be_visible()

    # --- connect a bank through the sandbox's OAuth pages ------------------------------------
    page.get_by_role("link", name="Connections").click()
    page.get_by_label("Search banks").fill("mon")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("button", name="Connect Monzo")).to_be_visible()
    expect(page.get_by_role("button", name="Connect Barclays")).to_have_count(0)
    shot("03-connections-search")
    connect_bank(page)
    expect(page.get_by_role("status").filter(has_text="Connected Monzo")).to_be_visible()
    card = page.locator("article.connection", has_text="Monzo")
    expect(card.locator(".badge")).to_have_text("Connected")
    expect(card).to_contain_text("Reconfirm by")
    expect(card.locator("time").first).to_contain_text(re.compile(r"now|second|minute"))
    connection = BankConnection.objects.get(user__email=EMAIL)
    assert connection.status == ConnectionStatus.ACTIVE and connection.last_synced_at

    # --- Sync now shows progress until the run finishes ----------------------------------------
    card.get_by_role("button", name="Sync now").click()
    card = page.locator("article.connection", has_text="Monzo")
    expect(card.locator(".sync-status")).to_contain_text("Up to date")
    expect(card.get_by_role("button", name="Sync now")).to_be_enabled()
    shot("04-connections", docs="connections")

    # --- accounts, with a manual one beside them ---------------------------------------------
    page.get_by_role("link", name="Accounts").click()
    rows = page.locator("table.accounts tbody tr")
    expect(rows.filter(has_text="Monzo Current Account")).to_have_count(1)
    expect(rows.filter(has_text="Monzo Instant Saver")).to_contain_text("£")
    expect(page.locator("#balance-chart")).to_be_visible()
    page.get_by_label("Account name").fill("Cash jar")
    page.get_by_label("Type").select_option("other")
    page.get_by_label("Balance", exact=True).fill("120.50")
    page.get_by_role("button", name="Add account").click()
    manual = rows.filter(has_text="Cash jar")
    expect(manual.locator(".badge")).to_have_text("Manual")
    expect(manual).to_contain_text("£120.50")
    expect(rows.filter(has_text="Monzo Current Account").locator(".badge")).to_have_text("Monzo")
    shot("05-accounts", docs="accounts")
    page.set_viewport_size(PHONE)
    shot("06-accounts-phone", docs="accounts-phone")
    page.set_viewport_size(DESKTOP)

    # --- transactions: categorised, pending marked, filters ------------------------------------
    page.get_by_role("link", name="Transactions").click()
    table = page.locator("table.transactions")
    expect(table.locator("tbody tr[data-transaction]").first).to_be_visible()
    expect(table.locator(".badge--pending").first).to_have_text("Pending")
    expect(table.locator(".category-label", has_text="Groceries").first).to_be_visible()
    expect(page.get_by_role("navigation", name="Pages")).to_be_visible()
    page.get_by_label("Search").fill("TESCO")
    page.get_by_label("Status").select_option("booked")
    page.get_by_role("button", name="Apply filters").click()
    tesco = table.locator("tbody tr[data-transaction]").first
    expect(tesco).to_contain_text("TESCO")
    expect(tesco.locator(".category-label")).to_have_text("Groceries")
    booked_on = tesco.locator("time").get_attribute("datetime")
    amount = -money(tesco.locator(".amount").inner_text())
    tx_id = tesco.get_attribute("data-transaction")

    # CSV export: every row matching the filters, with the API's columns.
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    with open(download.value.path(), newline="", encoding="utf-8") as handle:
        exported = list(csv.DictReader(handle))
    assert exported and all("TESCO" in row["description"] and row["status"] == "booked" for row in exported)

    # --- a budget for that month, then a correction moves money into it --------------------------
    page.goto(f"/budgets/?month={booked_on[:7]}")
    page.get_by_label("Category", exact=True).select_option("ENTERTAINMENT")
    page.get_by_label("Monthly limit").fill("200")
    page.get_by_role("button", name="Set budget").click()
    budget = page.locator('[data-budget="ENTERTAINMENT"]')
    expect(budget).to_contain_text("of £200.00")
    spent_before = money(budget.locator("[data-spent]").inner_text())

    page.go_back()
    page.go_back()
    tesco = page.locator(f'tr[data-transaction="{tx_id}"]')
    tesco.get_by_role("link", name=re.compile("^Change")).click()
    picker = tesco.locator("form.category-picker")
    picker.get_by_role("combobox").select_option("ENTERTAINMENT")
    picker.get_by_role("button", name="Save").click()
    expect(tesco.locator(".category-label")).to_have_text("Entertainment")
    expect(tesco.get_by_role("status")).to_contain_text("Category changed to Entertainment")
    shot("07-transactions", full_page=False, docs="transactions")
    page.set_viewport_size(PHONE)
    shot("07b-transactions-phone", full_page=False)
    page.set_viewport_size(DESKTOP)
    assert MerchantCorrection.objects.filter(user__email=EMAIL, category="ENTERTAINMENT").exists(), \
        "the correction teaches the categoriser"
    assert BankTransaction.objects.get(pk=tx_id).category_source == "user"

    page.goto(f"/budgets/?month={booked_on[:7]}")
    budget = page.locator('[data-budget="ENTERTAINMENT"]')
    expect(budget.locator("[data-spent]")).to_have_text(re.compile(r"£"))
    assert money(budget.locator("[data-spent]").inner_text()) == spent_before + amount
    expect(page.locator("#spending-chart")).to_be_visible()
    expect(page.get_by_role("heading", name="Recurring payments")).to_be_visible()
    expect(page.locator("table").filter(has_text="Monthly").first).to_be_visible()
    shot("08-budgets", docs="budgets")

    # --- disconnect, with confirmation -----------------------------------------------------------
    page.get_by_role("link", name="Connections").click()
    page.get_by_role("link", name="Disconnect Monzo").click()
    expect(page.get_by_role("heading", name="Disconnect Monzo?")).to_be_visible()
    shot("09-disconnect-confirm")
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_role("status").filter(has_text="Disconnected Monzo")).to_be_visible()
    expect(page.locator("article.connection")).to_have_count(0)
    expect(page.get_by_text("Disconnected banks (1)")).to_be_visible()
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED and connection.access_token == ""

    # --- log out, and back in ---------------------------------------------------------------------
    page.get_by_role("button", name="Log out").click()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    nav.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    shot("10-log-in")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your money", exact=True)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    expect(page.locator("table.accounts")).to_contain_text("Disconnected: no longer updating")


def test_sync_now_shows_progress_until_the_run_finishes(page: Page, shot, logged_in, monkeypatch):
    from integrations_core.models import SyncOutcome, SyncRun
    from integrations_core.services.sync import connection_sync

    connect_bank(page)
    # From here on no worker picks the sync up by itself: the page must keep watching the queued
    # run, and show it finishing when a worker (this test) gets to it.
    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async", lambda *a, **k: None)
    card = page.locator("article.connection", has_text="Monzo")
    card.get_by_role("button", name="Sync now").click()
    expect(card.locator(".sync-status")).to_have_text("Waiting for the sync to start…")
    expect(card.locator(".sync-progress")).to_be_visible()
    expect(card).to_have_attribute("aria-busy", "true")
    expect(card.get_by_role("button", name="Sync now")).to_be_disabled()
    shot("04b-sync-in-progress", full_page=False)

    run = SyncRun.objects.get(outcome=SyncOutcome.QUEUED)
    connection_sync(BankConnection.objects.get(pk=run.connection_id), trigger="manual", run_id=run.pk)
    card = page.locator("article.connection", has_text="Monzo")
    expect(card.locator(".sync-status")).to_contain_text("Up to date", timeout=10_000)
    expect(card.locator(".sync-progress")).to_be_hidden()
    expect(card.get_by_role("button", name="Sync now")).to_be_enabled()


FAULTS = {
    # login: (badge, words on the card, the action button offered)
    "error.expired": ("Reconnect needed", "sign in again", "Reconnect"),
    "error.rate_limit": ("Paused by the bank", "Try again after", None),
    "error.provider_error": ("Bank not responding", "We'll retry automatically", "Sync now"),
}


@pytest.mark.parametrize("login", sorted(FAULTS))
def test_fault_login_shows_plain_words_and_the_action(page: Page, shot, logged_in, one_attempt, login):
    badge, words, action = FAULTS[login]
    connect_bank(page, username=login)
    card = page.locator("article.connection", has_text="Monzo")
    expect(card.locator(".badge")).to_have_text(badge)
    expect(card.locator(".connection__detail")).to_contain_text(words)
    buttons = card.locator(".connection__actions button")
    if action:
        expect(card.get_by_role("button", name=action)).to_be_visible()
    else:
        expect(buttons).to_have_count(0)
    name = login.removeprefix("error.").replace("_", "-")
    shot(f"11-fault-{name}", full_page=False, docs="connection-reconnect-needed" if login == "error.expired" else "")
    if login == "error.expired":  # the Reconnect button starts a new consent at the bank
        card.get_by_role("button", name="Reconnect").click()
        expect(page.get_by_role("heading", name="Log in to Monzo")).to_be_visible()


def test_connect_through_gocardless(page: Page, logged_in):
    connect_bank(page, bank="HSBC UK", through="gocardless", username="jane")
    card = page.locator("article.connection", has_text="HSBC UK")
    expect(card.locator(".badge")).to_have_text("Connected")
    expect(card).to_contain_text("GoCardless")
    page.get_by_role("link", name="Accounts").click()
    expect(page.locator("table.accounts tbody tr").filter(has_text="HSBC UK")).not_to_have_count(0)
