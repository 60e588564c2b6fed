"""The capital gains journey in a real browser: connect the sandbox Trading 212, let it sync, open
the capital gains report (the account's wrapper is not known yet, so it is named and not
counted), say it is a GIA, find the sandbox's NVDA sale computed from the Section 104 pool
(after the 10-for-1 split); then a sale added in the sandbox and synced with Sync now appears in
the current tax year's report, and the income page shows the dividends.

The sale is added by appending a fill to the sandbox's book for today (the book is built once
per day and cached in-process, and the live server runs in this process), and removed again."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from investments.tax.rules import TaxYear
from sandbox import clock
from sandbox.trading212.data import Fill, build_book

from .test_portfolio_journey import connect_trading212, platforms  # noqa: F401 (a fixture)

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NVDA_SALE_DAYS_AGO = 300  # sandbox/trading212/data.py: sells 10 NVDA 300 days before its today


def open_report(page, year: TaxYear):
    page.goto(f"/portfolio/capital-gains/?tax_year={year.label}")
    expect(page.get_by_role("heading", name=f"Capital gains {year.label}")).to_be_visible()


def test_cgt_report_follows_the_sandbox(page, logged_in, platforms, one_attempt, shot):  # noqa: F811
    connect_trading212(page)
    today = clock.today()
    sale_year, this_year = TaxYear.of(today - timedelta(days=NVDA_SALE_DAYS_AGO)), TaxYear.of(today)

    # --- the wrapper is not known: the account is named and not counted -------------------------
    page.get_by_role("link", name="Capital gains and dividends").click()
    expect(page.get_by_role("heading", name=f"Capital gains {this_year.label}")).to_be_visible()
    expect(page.locator(".tax-excluded")).to_contain_text("wrapper not known")

    # --- the person says it is a GIA: the sale 300 days ago is computed ------------------------
    page.goto("/portfolio/")
    page.locator(".wrapper-form select").first.select_option("gia")
    page.locator(".wrapper-form").first.get_by_role("button", name="Save").click()
    open_report(page, sale_year)
    expect(page.locator(".tax-excluded")).to_have_count(0)
    nvda = page.locator("article.disposal", has_text="NVIDIA")
    expect(nvda).to_have_count(1)
    expect(nvda.locator("h3")).to_contain_text("sold 10")
    # 3 bought, a 10-for-1 split to 30, 10 sold: a third of the pool's cost (the split moved no cost)
    expect(nvda.locator('tr[data-rule="section 104"]')).to_contain_text("30 held")
    shot("30-capital-gains", docs="capital-gains")
    before = int(page.locator('[data-figure="disposals"]').inner_text()) if this_year == sale_year else 0

    # --- a sale added in the sandbox, then Sync now ----------------------------------------------
    book = build_book(today)
    fill = Fill(990_001, 990_001, "AAPL_US_EQ", "SELL", Decimal("2"), Decimal("210.00"),
                clock.now() - timedelta(minutes=2), fx_rate=Decimal("0.7900"))
    book.fills.append(fill)
    try:
        page.goto("/portfolio/")
        card = page.locator("article.connection", has_text="Trading 212")
        card.get_by_role("button", name="Sync now").click()
        expect(page.locator("article.connection", has_text="Trading 212").locator(".sync-status")).to_contain_text(
            "Up to date")
        open_report(page, this_year)
        expect(page.locator('[data-figure="disposals"]')).to_have_text(str(before + 1))
        apple = page.locator("article.disposal", has_text="Apple")
        expect(apple).to_have_count(1)
        expect(apple.locator("h3")).to_contain_text("sold 2")
        expect(apple.locator('tr[data-rule="section 104"]')).to_be_visible()
        shot("31-capital-gains-after-sale")

        # the CSV carries the same disposal
        with page.expect_download() as download:
            page.get_by_role("link", name="Download CSV").click()
        text = open(download.value.path(), encoding="utf-8").read()
        assert "Apple" in text and ",disposal," in text

        # --- the print stylesheet leaves the navigation out ----------------------------------------
        page.emulate_media(media="print")
        expect(page.locator(".site-nav")).to_be_hidden()
        expect(page.locator("article.disposal").first).to_be_visible()
        page.emulate_media(media="screen")

        # --- dividends and interest ------------------------------------------------------------------
        page.get_by_role("link", name="Dividends and interest").click()
        expect(page.get_by_role("heading", name=f"Dividends and interest {this_year.label}")).to_be_visible()
        expect(page.get_by_text("Dividend allowance for")).to_be_visible()
        shot("32-dividends-and-interest", docs="dividends-and-interest")
    finally:
        book.fills.remove(fill)
