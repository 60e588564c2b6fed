"""The operators' console for the books: connections (sync now, revoke), organisations and what
was read and pushed, all listed; no token appears."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounting.models import Invoice, LedgerAccount, Organisation
from integrations_core.services.sync import connection_sync

pytestmark = pytest.mark.django_db


def test_admin_pages_list_the_books_and_show_no_token(books_provider, books_connection, make_user):
    connection_sync(books_connection)
    staff = make_user("ops@example.com", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    org = Organisation.objects.get()
    pages = [reverse("admin:accounting_booksconnection_changelist"),
             reverse("admin:accounting_booksconnection_change", args=[books_connection.pk]),
             reverse("admin:accounting_organisation_changelist"),
             reverse("admin:accounting_organisation_change", args=[org.pk]),
             reverse("admin:accounting_ledgeraccount_changelist"),
             reverse("admin:accounting_invoice_changelist"),
             reverse("admin:accounting_bookbanktransaction_changelist"),
             reverse("admin:accounting_categorymapping_changelist"),
             reverse("admin:accounting_pusheditem_changelist"),
             reverse("admin:accounting_pushrun_changelist")]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert "access-secret" not in text and "refresh-secret" not in text, url
    assert "Acme Ltd" in client.get(pages[2]).content.decode()
    assert "INV-0001" in client.get(pages[5]).content.decode()
    assert LedgerAccount.objects.exists() and Invoice.objects.exists()
