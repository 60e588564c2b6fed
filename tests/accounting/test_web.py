"""The books pages: organisations, chart, mapping editor, push page with per-item results and
conflicts, outstanding invoices; someone else's are 404; bad input is a 400 with the field."""

from __future__ import annotations

import pytest
from django.test import Client

from accounting.models import CategoryMapping, LedgerAccount, Organisation
from integrations_core.services.sync import connection_sync
from open_banking.models import BankTransaction

from .fakes import ORG

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def synced(books_provider, books_connection, make_bank_account):
    connection_sync(books_connection)
    org = Organisation.objects.get()
    return org, make_bank_account(), {a.external_id: a for a in LedgerAccount.objects.filter(organisation=org)}


def test_the_organisations_page_lists_them_with_links(browser, synced):
    org, _, _ = synced
    page = browser.get("/accounting/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Acme Ltd" in text and f"/accounting/organisations/{org.pk}/mapping/" in text
    assert "B-1" in text  # the unpaid bill is due next
    assert browser.get(f"/accounting/organisations/{org.pk}/accounts/").content.decode().count("<tr>") >= 4


def test_map_push_and_re_push_on_the_pages(browser, synced, books_provider):
    org, account, by = synced
    mapping_url = f"/accounting/organisations/{org.pk}/mapping/"
    page = browser.get(mapping_url)
    assert 'data-suggestion="420"' in page.content.decode()
    assert browser.post(mapping_url, {"accept": "1"}).status_code == 302
    assert CategoryMapping.objects.filter(organisation=org, category="FOOD_AND_DRINK").exists()
    saved = browser.post(mapping_url, {"map:TRANSPORTATION": str(by["la-travel"].pk)})
    assert saved.status_code == 302
    push_url = f"/accounting/organisations/{org.pk}/push/"
    assert browser.post(push_url, {"action": "target", "books_bank_account": str(by["la-bank"].pk),
                                   "source_accounts": [str(account.pk)]}).status_code == 302
    first = browser.post(push_url, {"action": "push"}, follow=True).content.decode()
    assert 'data-changed="some"' in first and "3 created" in first
    again = browser.post(push_url, {"action": "push"}, follow=True).content.decode()
    assert 'data-changed="none"' in again and "Nothing changed" in again
    fuel = BankTransaction.objects.get(description="SHELL")
    books_provider.source.edit_in_books(ORG.external_id, str(fuel.pk), description="Van fuel")
    third = browser.post(push_url, {"action": "push"}, follow=True).content.decode()
    assert f'data-conflict="{fuel.pk}"' in third and "Edited in the books after export" in third


def test_bad_input_is_400_with_the_field(browser, synced):
    org, account, by = synced
    mapping = browser.post(f"/accounting/organisations/{org.pk}/mapping/", {"map:TRAVEL": str(by["la-bank"].pk)})
    assert mapping.status_code == 400 and 'aria-invalid="true"' in mapping.content.decode()
    target = browser.post(f"/accounting/organisations/{org.pk}/push/",
                          {"action": "target", "books_bank_account": str(by["la-sales"].pk)})
    assert target.status_code == 400
    text = target.content.decode()
    assert "bank accounts" in text and "at least one" in text


def test_someone_elses_pages_are_404(synced, other_user):
    org, _, by = synced
    bob = Client()
    bob.force_login(other_user)
    for path in (f"/accounting/organisations/{org.pk}/accounts/", f"/accounting/organisations/{org.pk}/mapping/",
                 f"/accounting/organisations/{org.pk}/push/"):
        assert bob.get(path).status_code == 404, path
    assert bob.post(f"/accounting/organisations/{org.pk}/mapping/",
                    {"map:TRAVEL": str(by["la-travel"].pk)}).status_code == 404
    assert bob.post(f"/accounting/connections/{org.connection_id}/disconnect/").status_code == 404
    assert "Acme" not in bob.get("/accounting/").content.decode()
    assert not CategoryMapping.objects.exists()


def test_the_outstanding_page_lists_unpaid_bills_and_marks_overdue(browser, synced):
    import time_machine

    with time_machine.travel("2026-03-25 12:00 +0000", tick=False):
        text = browser.get("/accounting/invoices/").content.decode()
    assert 'data-number="B-1"' in text and "overdue" in text
    assert 'data-number="INV-0001"' not in text  # paid
    with time_machine.travel("2026-03-10 12:00 +0000", tick=False):
        assert "overdue" not in browser.get("/accounting/invoices/").content.decode()
