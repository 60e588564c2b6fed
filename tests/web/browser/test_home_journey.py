"""The home screen in a real browser: log in, connect a sandbox bank, come back to the home screen
and read every tile; mark a budget alert read; the same page on a 390 px phone without sideways
scrolling. Screenshots: docs/screenshots/home.png and home-phone.png (UPDATE_DOCS_SCREENSHOTS=1)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from transactions.models import Budget, BudgetAlert
from transactions.selectors.spending import spent_by_category
from transactions.services.budgets import budget_alerts_check, month_start
from transactions.services.recurring import recurring_detect
from transactions.taxonomy import label_of

from .conftest import DESKTOP
from .test_journey import connect_bank

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect
Page = sync_api.Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_390 = {"width": 390, "height": 844}


def test_home_screen_tiles_on_desktop_and_phone(page: Page, logged_in, one_attempt, shot):
    # A new person's home screen: every tile says what to do.
    expect(page.get_by_role("heading", name="Your money", exact=True)).to_be_visible()
    expect(page.get_by_text("No accounts yet")).to_be_visible()
    shot("home-empty")

    connect_bank(page)  # Monzo through the sandbox; the first sync runs inline
    from django.utils import timezone

    recurring_detect(user=logged_in)
    # A budget on this month's biggest spending, set below what is already spent: at risk, alerted.
    today = timezone.localdate()
    spent = spent_by_category(logged_in, date_from=month_start(today), date_to=today, currency="GBP")
    code, (amount, _n) = max(spent.items(), key=lambda kv: kv[1][0])
    Budget.objects.create(user=logged_in, category=code, amount=(amount / 2).quantize(Decimal("0.01")),
                          currency="GBP", start_month=month_start(today))
    budget_alerts_check(user=logged_in)
    label = label_of(code)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    tiles = page.locator("section.home-tile")
    expect(tiles).to_have_count(7)
    balances = page.locator("[data-tile=balances]")
    expect(balances.get_by_text("Cash")).to_be_visible()
    expect(balances.locator("dd").first).to_contain_text("£")
    expect(page.locator("[data-tile=net-worth] .big-figure")).to_contain_text("£")
    expect(page.locator("[data-tile=money-in-out] svg.trend")).to_be_visible()
    expect(page.locator("[data-tile=attention]")).to_contain_text("All your banks are up to date")
    expect(page.locator("[data-tile=budgets-at-risk]")).to_contain_text(label)
    alerts = page.locator("[data-tile=budget-alerts]")
    expect(alerts).to_contain_text(f"{label} budget")
    shot("home-desktop", docs="home")

    # Each tile links to its page.
    page.locator("[data-tile=balances] h2 a").click()
    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    page.go_back()

    # Mark the alerts read: the "New" badges go, the alert stays listed as read.
    unread = BudgetAlert.objects.filter(user=logged_in, read_at__isnull=True).count()
    assert unread >= 1
    alerts.get_by_role("button", name="Mark read").first.click()
    expect(page.get_by_role("status").filter(has_text="Marked as read")).to_be_visible()
    assert BudgetAlert.objects.filter(user=logged_in, read_at__isnull=True).count() == unread - 1

    # The phone: one column, nothing sideways (shot() checks the page is not wider than the screen).
    page.set_viewport_size(PHONE_390)
    page.reload()
    expect(tiles.first).to_be_visible()
    first, second = tiles.nth(0).bounding_box(), tiles.nth(1).bounding_box()
    assert second["y"] > first["y"] + first["height"] - 1  # stacked, not side by side
    shot("home-phone", docs="home-phone")

    # Phone fixes: transaction rows are two or three short lines, not a card per cell.
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Transactions").click()
    row = page.locator("table.transactions tbody tr").first
    expect(row).to_be_visible()
    shot("transactions-phone", docs="transactions-phone")
    assert row.bounding_box()["height"] < 90
    # "Next expected" and its date are apart, and the budget chart's labels fit.
    nav.get_by_role("link", name="Budgets").click()
    cell = page.locator("td[data-label='Next expected']").first
    expect(cell).to_be_visible()
    label_right = page.evaluate("""() => {
        const cell = document.querySelector("td[data-label='Next expected']");
        const time = cell.querySelector("time").getBoundingClientRect();
        const before = parseFloat(getComputedStyle(cell, "::before").marginRight);
        return {gap: before, timeLeft: time.left, cellLeft: cell.getBoundingClientRect().left};
    }""")
    assert label_right["gap"] >= 4
    shot("budgets-phone", docs="budgets-phone")
    page.set_viewport_size(DESKTOP)
