"""The investments journey in a real browser: connect the sandbox Trading 212 with a key, let the
first sync run (inline, as a worker's first attempt), and find every position the sandbox
reports on the portfolio page with its quantity, value, book cost and gain; import the
Hargreaves Lansdown sample statement through its preview, import it again (nothing changes);
disconnect Trading 212 and find its key erased in the database.

Screenshots land in test-artifacts/screenshots/ (desktop and phone)."""

from __future__ import annotations

import base64
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client, override_settings

from integrations_core.models import ConnectionStatus, StatementImport, StatementImportStatus
from integrations_core.providers.registry import registry
from investments.models import Holding, InvestmentConnection, InvestmentTransaction
from investments.providers.trading212.provider import Trading212Provider
from sandbox.credentials import trading212_api_key, trading212_api_secret
from web.templatetags.money import format_money, quantity

from .conftest import DESKTOP, PHONE

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect
Page = sync_api.Page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SANDBOX_API = "/sandbox/trading212/api/v0"
HL_SAMPLE = Path(__file__).resolve().parents[3] / "sandbox" / "statements" / "hargreaves_lansdown.csv"


@pytest.fixture
def platforms(sandbox_site, settings):
    """Trading 212 (installed from settings.INTEGRATION_PROVIDERS) pointed at the live server's
    sandbox, with the mock's per-endpoint rate limits on: the first sync follows the key check
    within the summary's one-call-per-5-s window and must wait it out, not fail."""
    settings.TRADING212_DEMO_URL = f"{sandbox_site}{SANDBOX_API}"
    assert registry.get(Trading212Provider.slug)


def sandbox_positions() -> list[dict]:
    """What the sandbox itself says the account holds (its own API, read directly)."""
    auth = base64.b64encode(f"{trading212_api_key()}:{trading212_api_secret()}".encode()).decode()
    with override_settings(SANDBOX_TRADING212_RATE_LIMITS=False):  # the sync just spent this second's call
        response = Client().get(f"{SANDBOX_API}/equity/positions", HTTP_AUTHORIZATION=f"Basic {auth}")
    assert response.status_code == 200, response.content
    return json.loads(response.content, parse_float=Decimal)


def connect_trading212(page: Page) -> None:
    page.get_by_role("link", name="Portfolio").click()
    expect(page.get_by_role("heading", name="Portfolio", exact=True)).to_be_visible()
    page.get_by_role("link", name="Connect a platform").first.click()
    keys = page.get_by_role("list", name="Platforms you connect with a key")
    expect(keys.locator("img").first).to_be_visible()
    expect(page.get_by_role("list", name="Platforms you import a statement from")).to_contain_text("Hargreaves Lansdown")
    page.get_by_role("link", name="Connect Trading 212").click()
    expect(page.get_by_role("heading", name="Connect Trading 212")).to_be_visible()
    page.get_by_label("Environment").select_option("demo")
    page.get_by_label("API key").fill("not-a-key-the-sandbox-knows")
    page.get_by_label("API secret").fill(trading212_api_secret())
    page.get_by_role("button", name="Check and connect").click()
    expect(page.get_by_role("alert").first).to_contain_text("did not accept this key")
    expect(page.get_by_label("API key")).to_have_value("")  # blank again after the error
    assert trading212_api_secret() not in page.content()
    page.get_by_label("API key").fill(trading212_api_key())
    page.get_by_label("API secret").fill(trading212_api_secret())
    page.get_by_role("button", name="Check and connect").click()
    page.wait_for_url(re.compile(r"/portfolio/#connection-"))


def test_connect_trading212_sync_and_revoke(page: Page, logged_in, platforms, one_attempt, shot):
    connect_trading212(page)
    expect(page.get_by_role("status").filter(has_text="Connected Trading 212")).to_be_visible()
    connection = InvestmentConnection.objects.get(user=logged_in)
    assert connection.status == ConnectionStatus.ACTIVE and connection.last_synced_at
    assert connection.credentials["api_key"] == trading212_api_key()
    assert trading212_api_key() not in page.content()

    # --- every position the sandbox reports, with the right figures ------------------------------
    positions = sandbox_positions()
    assert positions
    for position in positions:
        isin = position["instrument"]["isin"]
        row = page.locator(f'table.holdings tr[data-isin="{isin}"]')
        expect(row).to_have_count(1)
        wallet = position["walletImpact"]
        expect(row.locator(".quantity")).to_have_text(quantity(position["quantity"]))
        expect(row.locator(".value")).to_have_text(format_money(wallet["currentValue"], "GBP"))
        expect(row.locator(".book-cost")).to_have_text(format_money(wallet["totalCost"], "GBP"))
        expect(row.locator(".gain")).to_have_text(format_money(wallet["unrealizedProfitLoss"], "GBP", signed=True))
    expect(page.locator("table.holdings tbody tr")).to_have_count(len(positions))
    card = page.locator("article.connection", has_text="Trading 212")
    expect(card.locator(".badge")).to_have_text("Connected")
    expect(page.locator(".source-badge").first).to_have_text("Synced")
    shot("20-portfolio", docs="portfolio")

    # --- Sync now shows progress until the run finishes -----------------------------------------
    card.get_by_role("button", name="Sync now").click()
    card = page.locator("article.connection", has_text="Trading 212")
    expect(card.locator(".sync-status")).to_contain_text("Up to date")
    expect(page.locator("table.holdings tbody tr")).to_have_count(len(positions))

    # --- a holding's trades -------------------------------------------------------------------
    first = positions[0]
    page.locator(f'tr[data-isin="{first["instrument"]["isin"]}"] a.security-name').click()
    expect(page.locator("table.trades tbody tr").first).to_be_visible()
    expected = InvestmentTransaction.objects.filter(account__connection=connection,
                                                    security__isin=first["instrument"]["isin"]).count()
    expect(page.locator("table.trades tbody tr")).to_have_count(expected)
    shot("21-holding-trades")
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="Back to your portfolio").click()
    shot("22-portfolio-phone", docs="portfolio-phone")
    page.set_viewport_size(DESKTOP)

    # --- revoke: the key is erased ----------------------------------------------------------------
    page.locator("article.connection", has_text="Trading 212").get_by_role("link", name="Disconnect").click()
    expect(page.get_by_role("heading", name="Disconnect Trading 212?")).to_be_visible()
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_role("status").filter(has_text="Its key is erased")).to_be_visible()
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED and connection.credentials == {}
    assert connection.access_token == "" and connection.refresh_token == ""


def test_import_a_statement_then_again(page: Page, logged_in, platforms, shot):
    page.goto("/portfolio/connect/")
    page.get_by_label("Platform", exact=True).select_option(label="Hargreaves Lansdown")
    page.get_by_label("Statement file").set_input_files(str(HL_SAMPLE))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="Check your Hargreaves Lansdown statement")).to_be_visible()
    expect(page.locator("table.preview-rows tbody tr").first).to_be_visible()
    expect(page.locator("table.preview-rows")).to_contain_text("Legal & General")
    shot("23-statement-preview")
    page.get_by_role("button", name="Confirm import").click()
    page.wait_for_url(re.compile(r"/portfolio/$"))
    expect(page.get_by_role("status").filter(has_text="Imported hargreaves_lansdown.csv")).to_be_visible()
    expect(page.locator(".source-badge").first).to_have_text("Statement")
    holdings = page.locator("table.holdings tbody tr")
    expect(holdings.filter(has_text="Legal & General")).to_have_count(1)
    expect(holdings.filter(has_text="Legal & General").locator(".quantity")).to_have_text("1,400")
    expect(holdings.filter(has_text="Vanguard FTSE Developed World")).to_have_count(1)
    before = (list(Holding.objects.order_by("pk").values_list("pk", "quantity", "book_cost")),
              InvestmentTransaction.objects.count())

    # --- the same file again: the preview says so, and confirming changes nothing ------------------
    page.get_by_role("link", name="Import a file").click()
    page.get_by_label("Platform", exact=True).select_option(label="Hargreaves Lansdown")
    page.get_by_label("Statement file").set_input_files(str(HL_SAMPLE))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_text("You have already imported this file")).to_be_visible()
    page.get_by_role("button", name="Confirm import").click()
    expect(page.get_by_role("status").filter(has_text="already been imported: nothing changed")).to_be_visible()
    after = (list(Holding.objects.order_by("pk").values_list("pk", "quantity", "book_cost")),
             InvestmentTransaction.objects.count())
    assert after == before
    assert StatementImport.objects.filter(status=StatementImportStatus.IMPORTED).count() == 1
