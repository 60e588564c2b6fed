"""Plaid in a real browser, against the mock Plaid on the live server: connect Chase through the
(mock) Link page, see its accounts and transactions (and the brokerage account on the
portfolio page), then the bank changes a transaction and drops another; the mock Plaid sends a
signed SYNC_UPDATES_AVAILABLE webhook, the app verifies it, syncs the Item incrementally from
its cursor, and the transactions and the month's budget move. Desktop and phone screenshots."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations_core.models import SyncRun, WebhookEvent, WebhookStatus
from investments.models import InvestmentAccount
from open_banking.models import BankAccount, BankConnection, BankTransaction
from transactions.services.budgets import budget_create

from .conftest import DESKTOP

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_390 = {"width": 390, "height": 844}


def money(text: str) -> Decimal:
    cleaned = text.replace("\u2212", "-").replace(",", "")
    return Decimal(re.sub(r"[^0-9.\-]", "", cleaned))


@pytest.fixture
def plaid_site(sandbox_site, settings):
    settings.PLAID_URL = f"{sandbox_site}/sandbox/plaid/api"
    settings.PLAID_LINK_URL = f"{sandbox_site}/sandbox/plaid/link/"
    settings.PLAID_CLIENT_ID = settings.SANDBOX_CLIENT_ID
    settings.PLAID_SECRET = settings.SANDBOX_CLIENT_SECRET
    settings.PLAID_WEBHOOK_URL = f"{sandbox_site}/integrations/plaid/webhook/"
    settings.PLAID_WEBHOOK_DEBOUNCE_SECONDS = 0
    settings.SANDBOX_LATENCY_MS = 0
    return sandbox_site


def _budget_pair(connection):
    """Two booked payments of one spending category in one month: one to change, one to drop."""
    rows = BankTransaction.objects.filter(account__connection=connection, status="booked", amount__lt=0,
                                          booked_date__gte=timezone.localdate() - timedelta(days=70))
    by_key: dict[tuple, list] = {}
    for txn in rows.order_by("-booked_date"):
        primary = (txn.category or "").split("_")[0]
        if txn.category and primary not in ("TRANSFER", "LOAN", "INCOME", "OTHER", "RENT"):
            by_key.setdefault((txn.category, txn.booked_date.strftime("%Y-%m")), []).append(txn)
    for (category, month), found in by_key.items():
        if len(found) >= 2:
            return category, month, found[0], found[1]
    raise AssertionError("the mock's book has no two payments of one category in a month")


def test_plaid_link_accounts_transactions_webhook_incremental_sync_budget(page, plaid_site, logged_in, shot):
    # --- Link: pick Chase through Plaid, log in on the (mock) Link page, back to the app -------
    page.get_by_role("link", name="Connections").click()
    page.get_by_label("Search banks").fill("Chase")
    page.get_by_label("Connect through").select_option("plaid")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Connect Chase").click()
    expect(page.get_by_role("heading", name=re.compile("Chase with Plaid"))).to_be_visible()
    shot("plaid-01-link")
    page.get_by_label("Username").fill("user_good")
    page.get_by_label("Password").fill("pass_good")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/connections/\?connected="))
    card = page.locator("article.connection", has_text="Chase")
    expect(card.locator(".badge")).to_have_text("Connected")
    connection = BankConnection.objects.get(user=logged_in, provider="plaid")
    assert connection.last_synced_at and connection.sync_state.get("cursor")
    shot("plaid-02-connections", docs="plaid-connections")

    # --- accounts (bank ones here; the brokerage is on the portfolio page) ---------------------
    page.get_by_role("link", name="Accounts").click()
    rows = page.locator("table.accounts tbody tr")
    for account in BankAccount.objects.filter(connection=connection):
        expect(rows.filter(has_text=account.name).first).to_contain_text("$")
    brokerage = InvestmentAccount.objects.get(connection__user=logged_in, connection__provider="plaid")
    page.goto("/portfolio/")
    expect(page.get_by_text(brokerage.name).first).to_be_visible()

    # --- a budget for a month with two payments of one category -------------------------------
    category, month, changed, dropped = _budget_pair(connection)
    budget_create(user=logged_in, category=category, amount=Decimal("5000"),
                  currency="USD", start_month=changed.booked_date.replace(day=1))
    page.goto(f"/budgets/?month={month}")
    budget = page.locator(f'[data-budget="{category}"]')
    expect(budget).to_contain_text("$5,000.00")
    spent_before = money(budget.locator("[data-spent]").inner_text())

    # --- transactions, before the bank changes them --------------------------------------------
    page.goto(f"/transactions/?q={changed.description[:20]}")
    table = page.locator("table.transactions")
    expect(table.locator(f'tr[data-transaction="{changed.pk}"]')).to_be_visible()
    shot("plaid-03-transactions", full_page=False)

    # --- the bank modifies one payment and drops another; the mock Plaid sends the webhook ------
    runs_before = SyncRun.objects.filter(connection_id=connection.pk).count()
    new_plaid_amount = float(-changed.amount + Decimal("12.34"))  # Plaid: positive = money out
    answer = page.request.post(f"{plaid_site}/sandbox/plaid/mock/items/{connection.external_id}/mutate/",
                               data={"modify": {changed.external_id: {"amount": new_plaid_amount}},
                                     "remove": [dropped.external_id], "webhook": True})
    assert answer.ok and answer.json()["webhook_status"] == 202, answer.text()
    event = WebhookEvent.objects.get(provider="plaid")
    assert event.status == WebhookStatus.PROCESSED and event.payload["webhook_code"] == "SYNC_UPDATES_AVAILABLE"
    run = SyncRun.objects.filter(connection_id=connection.pk).order_by("-started_at").first()
    assert SyncRun.objects.filter(connection_id=connection.pk).count() == runs_before + 1
    assert (run.trigger, run.outcome, run.updated, run.removed) == ("webhook", "succeeded", 1, 1)
    # The stored row first, then the page: a failure says which of the two is behind.
    stored = BankTransaction.objects.get(pk=changed.pk)
    assert stored.amount == changed.amount - Decimal("12.34"), (stored.amount, stored.external_id, run.account_results)

    page.goto(f"/transactions/?q={changed.description[:20]}")
    row = page.locator(f'tr[data-transaction="{changed.pk}"]')
    expect(row.locator(".amount")).to_contain_text(f"{-(changed.amount - Decimal('12.34')):,.2f}")
    assert not BankTransaction.objects.filter(pk=dropped.pk).exists()
    shot("plaid-04-transactions-after-webhook", full_page=False, docs="plaid-transactions")

    # --- the month's budget moved by both changes ----------------------------------------------
    page.goto(f"/budgets/?month={month}")
    budget = page.locator(f'[data-budget="{category}"]')
    expected = spent_before + Decimal("12.34") + dropped.amount  # dropped.amount is negative
    expect(budget.locator("[data-spent]")).to_have_text(re.compile(r"\$"))
    assert money(budget.locator("[data-spent]").inner_text()) == expected
    shot("plaid-05-budget", docs="plaid-budget")
    page.set_viewport_size(PHONE_390)
    shot("plaid-06-budget-phone", docs="plaid-budget-phone")
    page.goto(f"/transactions/?q={changed.description[:20]}")
    shot("plaid-07-transactions-phone", full_page=False, docs="plaid-transactions-phone")
    page.set_viewport_size(DESKTOP)
