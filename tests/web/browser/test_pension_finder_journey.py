"""The finder journey in a real browser: search a misspelt former employer ("Morisons"), find the
Aviva Master Trust with why it matched, ask for information in one click, fill in the details
(a bad NI number is refused beside the field first), get the letter, mark it sent and see the
reply-due date. Screenshots land in test-artifacts/screenshots/ (desktop and phone)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from pensions.models import PensionInformationRequest

from .conftest import PHONE

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
expect = sync_api.expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def register(db):
    call_command("load_pension_register", stdout=io.StringIO())


def test_misspelt_employer_to_request_letter(page, logged_in, register, shot):
    page.get_by_role("link", name="Pensions", exact=True).click()
    page.get_by_role("link", name="Find a lost pension").click()
    expect(page.get_by_role("heading", name="Find a lost pension")).to_be_visible()
    page.get_by_label("Former employer, scheme or provider").fill("Morisons")
    page.get_by_role("button", name="Search").click()

    result = page.locator("article.finder-result").first
    expect(result.get_by_role("heading")).to_contain_text("Aviva Master Trust")
    expect(result.locator(".finder-why")).to_contain_text("employer “Morrisons” matched")
    expect(page.get_by_role("link", name="Pension Tracing Service")).to_have_attribute(
        "href", "https://www.gov.uk/find-pension-contact-details")
    shot("pensions-finder-01-results", docs="pension-finder")

    result.get_by_role("link", name="Request information").click()
    expect(page.get_by_role("heading", name="Ask Aviva Master Trust about your pension")).to_be_visible()
    expect(page.get_by_label("Employer")).to_have_value("Morisons")
    page.get_by_label("Full name").fill("Sam Example")
    page.get_by_label("Date of birth").fill("1980-02-29")
    page.get_by_label("National Insurance number").fill("TN 12 34 56 A")
    page.get_by_label("Current address").fill("1 High Street, Leeds LS1 1AA")
    page.get_by_label("Started").fill("2001-04-06")
    page.get_by_label("Left").fill("2009-04-05")
    page.get_by_role("button", name="Write the letter").click()
    expect(page.locator(".field-error").filter(has_text="TN is not a prefix HMRC allocates")).to_be_visible()
    assert not PensionInformationRequest.objects.exists()

    page.get_by_label("National Insurance number").fill("AB 12 34 56 C")
    page.get_by_role("button", name="Write the letter").click()
    expect(page.get_by_role("heading", name="Your letter to Aviva Master Trust")).to_be_visible()
    letter = page.locator("#letter-body")
    for text in ("Sam Example", "29 February 1980", "AB123456C", "Morisons", "6 April 2001", "5 April 2009"):
        expect(letter).to_contain_text(text)
    expect(page.locator("[data-status]")).to_have_text("Letter ready to send")
    shot("pensions-finder-02-letter", docs="pension-finder-letter")

    page.get_by_role("button", name="I have sent it").click()
    expect(page.locator("[data-status]")).to_have_text("Sent, waiting for a reply")
    expect(page.get_by_text("Reply due by")).to_be_visible()
    request = PensionInformationRequest.objects.get()
    assert request.status == "sent" and (request.reply_due_on - request.sent_on).days == 28

    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="All your requests").click()
    expect(page.get_by_role("link", name="Aviva Master Trust")).to_be_visible()
    shot("pensions-finder-03-requests-phone")
