"""The pensions journey in a real browser: search a misspelt former employer, find the scheme and
generate the request letter; connect the sandbox pension service (details, then the consent
step) and see the pots with their values, the DB income beside net worth and the value being
calculated; add a manual pot; the projection and net worth move. Screenshots, desktop (1280)
and phone (390), land in test-artifacts/screenshots/ and, with UPDATE_DOCS_SCREENSHOTS=1, in
docs/screenshots/ for the README."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from pensions.models import PensionAccount, PensionInformationRequest

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture
def register(db):
    call_command("load_pension_register", stdout=io.StringIO())


@pytest.fixture
def pension_sandbox(sandbox_site, settings):
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_PENSIONS_URL = f"{sandbox_site}/sandbox/pensions/api/v1"


def pounds(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.\-]", "", text))


def test_find_connect_add_and_project(page, logged_in, register, pension_sandbox, one_attempt, shot):
    # 1. A misspelt former employer -> the scheme -> the request letter.
    page.get_by_role("link", name="Pensions", exact=True).click()
    expect(page.get_by_role("heading", name="My pensions")).to_be_visible()
    page.get_by_role("link", name="Find a lost pension").click()
    page.get_by_label("Former employer, scheme or provider").fill("Morisons")
    page.get_by_role("button", name="Search").click()
    result = page.locator("article.finder-result").first
    expect(result.get_by_role("heading")).to_contain_text("Aviva Master Trust")
    result.get_by_role("link", name="Request information").click()
    page.get_by_label("Full name").fill("Sam Example")
    page.get_by_label("Date of birth").fill("1980-05-17")
    page.get_by_label("National Insurance number").fill("AB 12 34 56 C")
    page.get_by_label("Current address").fill("1 High Street, Leeds LS1 1AA")
    page.get_by_label("Started").fill("2001-04-06")
    page.get_by_label("Left").fill("2009-04-05")
    page.get_by_role("button", name="Write the letter").click()
    expect(page.get_by_role("heading", name="Your letter to Aviva Master Trust")).to_be_visible()
    expect(page.locator("#letter-body")).to_contain_text("AB123456C")
    assert PensionInformationRequest.objects.count() == 1

    # 2. Connect the sandbox pension service: details, a bad NI number refused, then consent.
    page.get_by_role("link", name="Pensions", exact=True).click()
    page.get_by_role("link", name="Connect Sandbox pension finder").click()
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Example")
    page.get_by_label("Date of birth").fill("1980-05-17")
    page.get_by_label("National Insurance number").fill("TN 12 34 56 A")
    page.get_by_label("Postcode of your current address").fill("LS1 1AA")
    expect(page.locator("#consent-wording")).to_contain_text("National Insurance number")
    page.get_by_label("Yes, I agree").check()
    page.get_by_role("button", name="Find my pensions").click()
    expect(page.locator(".field-error").first).to_contain_text("National Insurance number")
    assert not PensionAccount.objects.exists()
    page.get_by_label("National Insurance number").fill("AB 12 34 56 C")
    page.get_by_label("Yes, I agree").check()
    page.get_by_role("button", name="Find my pensions").click()

    expect(page.get_by_role("heading", name="My pensions")).to_be_visible()
    harbour = page.locator('tr[data-pension="Harbour Workplace Master Trust"]')
    expect(harbour.locator(".pension-value")).to_contain_text("£")
    expect(harbour.locator(".pension-source")).to_contain_text("From Sandbox pension finder")
    expect(page.locator('tr[data-pension="Meridian Life Personal Pension"] [data-being-calculated]')).to_contain_text(
        "Being calculated since")
    expect(page.locator('tr[data-pension="Old Mill Retail Staff Pension Scheme"]')).to_contain_text("Possible match")
    expect(page.locator("[data-db-income]")).to_contain_text("a year")
    worth_before = pounds(page.locator("[data-net-worth]").inner_text())
    pots_before = pounds(page.locator("[data-pots-total]").inner_text())
    assert pots_before == pounds(harbour.locator(".pension-value").inner_text())  # the DB income is not summed
    shot("pensions-01-my-pensions", docs="pensions")
    page.set_viewport_size(PHONE)
    shot("pensions-02-my-pensions-phone", docs="pensions-phone")
    page.set_viewport_size(DESKTOP)

    # A pension's history: its value with source and illustration date.
    harbour.get_by_role("link", name="Harbour Workplace Master Trust").click()
    expect(page.locator(".pension-history")).to_contain_text("illustration date")
    page.get_by_role("link", name="← My pensions").click()

    # 3. The State Pension and the first projection.
    page.goto("/pensions/state-pension/")
    expect(page.get_by_label("Your date of birth")).to_have_value("1980-05-17")  # kept from the find
    page.get_by_label("Forecast, £ a week").fill("230.25")
    page.get_by_label("Qualifying years so far").fill("20")
    page.get_by_role("button", name="Save the forecast").click()
    page.get_by_role("link", name="What will I retire on?").click()
    expect(page.locator("[data-defaults-source]")).to_contain_text("FCA projection assumptions")
    income_before = pounds(page.locator("[data-income]").inner_text())

    # 4. A manual pot: net worth and the projection move.
    page.get_by_role("link", name="← My pensions").click()
    page.get_by_role("link", name="Add a pension by hand").click()
    page.get_by_label("Name of the pension").fill("Old job pension")
    page.get_by_label("Provider or scheme").fill("NEST")
    page.get_by_label("Value on your latest statement").fill("25000")
    page.get_by_label("Paid in each month").fill("200")
    page.get_by_role("button", name="Add the pension").click()
    expect(page.get_by_role("heading", name="Old job pension")).to_be_visible()
    expect(page.locator(".pension-history")).to_contain_text("Entered by you")
    page.get_by_role("link", name="← My pensions").click()
    expect(page.locator('tr[data-pension="Old job pension"] .pension-source')).to_contain_text("Entered by you")
    assert pounds(page.locator("[data-net-worth]").inner_text()) == worth_before + 25000
    assert pounds(page.locator("[data-pots-total]").inner_text()) == pots_before + 25000

    page.get_by_role("link", name="What will I retire on?").click()
    income_after = pounds(page.locator("[data-income]").inner_text())
    assert income_after > income_before
    # Edit an assumption: retiring later gives more a year.
    page.get_by_label("Retire at age").fill("70")
    page.get_by_role("button", name="Update the projection").click()
    expect(page.get_by_text("Assumptions saved")).to_be_visible()
    assert pounds(page.locator("[data-income]").inner_text()) > income_after
    shot("pensions-03-projection", docs="pension-projection")
    page.set_viewport_size(PHONE)
    shot("pensions-04-projection-phone", docs="pension-projection-phone")
