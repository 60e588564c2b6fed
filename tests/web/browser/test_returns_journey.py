"""Returns, allocation and net worth in a real browser: connect the sandbox Trading 212, let the
first sync run, find every sandbox position on the allocation page (one line each, with where it
is held) and the returns table with its chart (a figure that cannot be known says why); a bad
custom range shows its field errors; the net-worth page counts the account. Then a sale added in
the sandbox and synced with Sync now moves the allocation (fewer Apple shares) and appears in the
capital gains report. Desktop (1280) and phone (390) screenshots for the README.

The sale is appended to the sandbox's book for today (built once per day and cached in-process;
the live server runs in this process) and removed again, as in test_cgt_journey.py."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest

from investments.tax.rules import TaxYear
from sandbox import clock
from sandbox.trading212.data import Fill, build_book

from .conftest import DESKTOP
from .test_portfolio_journey import connect_trading212, platforms, sandbox_positions  # noqa: F401 (a fixture)

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_390 = {"width": 390, "height": 844}


def phone_shot(page, shot, name: str, docs: str) -> None:
    page.set_viewport_size(PHONE_390)
    page.reload()
    shot(name, docs=docs)
    page.set_viewport_size(DESKTOP)


def apple_line(page):
    return page.locator("table.concentration tbody tr", has_text="Apple")


def test_allocation_and_returns_follow_the_sandbox(page, logged_in, platforms, one_attempt, shot):  # noqa: F811
    connect_trading212(page)
    positions = sandbox_positions()
    assert positions

    # --- allocation: every position one line, with its platform ------------------------------------
    page.get_by_role("link", name="Allocation").first.click()
    expect(page.get_by_role("heading", name="Allocation", exact=True)).to_be_visible()
    lines = page.locator("table.concentration tbody tr")
    for position in positions:  # one line each (plus the account's cash)
        expect(lines.filter(has_text=position["instrument"]["name"])).to_have_count(1)
    expect(lines.filter(has_text="Trading 212")).to_have_count(len(positions) + 1)
    for dimension in ("asset_class", "currency", "sector", "platform", "wrapper"):
        expect(page.locator(f'[data-dimension="{dimension}"] svg.donut')).to_be_visible()
    expect(page.locator(".allocation-total")).to_contain_text("£")
    apple_before = apple_line(page).locator(".locations").inner_text()
    shot("40-allocation", docs="allocation")
    phone_shot(page, shot, "41-allocation-phone", "allocation-phone")

    # --- returns: the table for every kind of scope and the chart ----------------------------------------
    page.get_by_role("link", name="Returns", exact=True).first.click()
    expect(page.get_by_role("heading", name="Returns", exact=True)).to_be_visible()
    for kind in ("overall", "platform", "wrapper", "account", "holding"):
        expect(page.locator(f'table.returns-table[data-kind="{kind}"]')).to_be_visible()
    expect(page.locator("figure.svg-chart svg path.series--value").first).to_be_attached()
    expect(page.locator("table.returns-periods tbody tr")).to_have_count(7)
    # Each figure is a percentage or says why it cannot be: never blank, never a made-up number.
    cells = page.locator("table.returns-table td.twr")
    for n in range(cells.count()):
        text = cells.nth(n).inner_text()
        assert re.search(r"[+−]?\d+\.\d\d%", text) or "Cannot be computed" in text, text
    # A holding's own chart.
    page.locator('table.returns-table[data-kind="holding"] a.scope-name').first.click()
    expect(page.locator("#chart-title")).not_to_contain_text("All investments")
    page.get_by_role("link", name="Show everything").click()
    shot("42-returns", docs="returns")
    phone_shot(page, shot, "43-returns-phone", "returns-phone")

    # --- a bad custom range: the form says what is wrong -----------------------------------------------
    page.get_by_label("Period", exact=True).select_option("CUSTOM")
    page.get_by_label("From", exact=True).fill("2026-05-01")
    page.get_by_label("To", exact=True).fill("2026-04-01")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".field-error")).to_contain_text("on or after the first day")
    page.get_by_label("To", exact=True).fill("2026-05-31")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name=re.compile(r"Custom range 1 May 2026 – 31 May 2026"))).to_be_visible()

    # --- net worth -------------------------------------------------------------------------------------------
    page.get_by_role("link", name="Net worth", exact=True).first.click()
    expect(page.get_by_role("heading", name="Net worth", exact=True)).to_be_visible()
    expect(page.locator(".net-worth-institutions")).to_contain_text("Trading 212")
    expect(page.locator(".net-worth-families")).to_contain_text("Investments")
    shot("44-net-worth", docs="net-worth")
    phone_shot(page, shot, "45-net-worth-phone", "net-worth-phone")

    # --- a sale in the sandbox, synced: the allocation and the CGT report move ----------------------------
    page.goto("/portfolio/")
    page.locator(".wrapper-form select").first.select_option("gia")
    page.locator(".wrapper-form").first.get_by_role("button", name="Save").click()
    today = clock.today()
    year = TaxYear.of(today)
    page.goto(f"/portfolio/capital-gains/?tax_year={year.label}")
    disposals_before = int(page.locator('[data-figure="disposals"]').inner_text())
    book = build_book(today)
    fill = Fill(990_101, 990_101, "AAPL_US_EQ", "SELL", Decimal("2"), Decimal("210.00"),
                clock.now() - timedelta(minutes=2), fx_rate=Decimal("0.7900"))
    book.fills.append(fill)
    try:
        page.goto("/portfolio/")
        page.locator("article.connection", has_text="Trading 212").get_by_role("button", name="Sync now").click()
        expect(page.locator("article.connection", has_text="Trading 212").locator(".sync-status")).to_contain_text(
            "Up to date")
        page.goto("/portfolio/allocation/")
        expect(apple_line(page).locator(".locations")).not_to_have_text(apple_before)
        page.goto(f"/portfolio/capital-gains/?tax_year={year.label}")
        expect(page.locator('[data-figure="disposals"]')).to_have_text(str(disposals_before + 1))
        expect(page.locator("article.disposal", has_text="Apple").locator("h3")).to_contain_text("sold 2")
        page.goto("/portfolio/returns/?period=1M")
        expect(page.locator('table.returns-table[data-kind="holding"]')).to_contain_text("Apple")
    finally:
        book.fills.remove(fill)
