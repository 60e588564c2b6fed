"""The books runner: idempotent upserts, the cursor saved with its write, removals only from a
complete read, organisations that vanish or are refused made inactive with their data kept."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from accounting.errors import OrganisationDisconnected
from accounting.models import (
    BookBankTransaction,
    BookPayment,
    Contact,
    Invoice,
    LedgerAccount,
    Organisation,
    TrackingCategory,
)
from integrations_core.models import SyncOutcome
from integrations_core.providers.errors import RateLimited
from integrations_core.records import AccountRecord
from integrations_core.services.sync import connection_sync

from .fakes import ORG, sample_books

pytestmark = pytest.mark.django_db

MODELS = (Organisation, LedgerAccount, Contact, TrackingCategory, Invoice, BookPayment, BookBankTransaction)


def state() -> list:
    out = []
    for model in MODELS:
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in ("updated_at", "last_synced_at")]
        out.append(sorted(model.objects.values_list(*names), key=str))
    return out


def test_a_sync_writes_every_kind_of_the_books(books_provider, books_connection):
    run = connection_sync(books_connection)
    assert run.outcome == SyncOutcome.SUCCEEDED, run.error
    org = Organisation.objects.get()
    assert (org.name, org.is_active, org.books_cursor) == ("Acme Ltd", True, "2026-03-01T00:00:00")
    assert LedgerAccount.objects.filter(organisation=org).count() == 4
    assert LedgerAccount.objects.get(external_id="la-bank").is_bank
    invoice = Invoice.objects.get(number="INV-0001")
    assert invoice.payments.get().amount == Decimal("120.00")
    assert Invoice.objects.get(number="B-1").kind == "bill"
    assert TrackingCategory.objects.get().options == [["o-1", "North"]]
    assert BookBankTransaction.objects.get().version == "v1"
    assert run.added == 4 + 1 + 1 + 2 + 1 + 1


def test_reading_the_same_books_twice_changes_nothing(books_provider, books_connection):
    connection_sync(books_connection)
    before = state()
    run = connection_sync(books_connection)
    assert run.outcome == SyncOutcome.SUCCEEDED
    assert (run.added, run.updated, run.removed) == (0, 0, 0)
    assert state() == before
    assert books_provider.cursors_seen == [None, "2026-03-01T00:00:00"]


def test_a_change_in_the_books_updates_only_that_row(books_provider, books_connection):
    connection_sync(books_connection)
    books = books_provider.books[ORG.external_id]
    changed = dataclasses.replace(books.invoices[1], status="paid", amount_due=Decimal("0"), amount_paid=Decimal("50"))
    books_provider.books[ORG.external_id] = dataclasses.replace(
        sample_books(), ledger_accounts=[], contacts=[], tracking_categories=[], bank_transactions=[],
        invoices=[changed], next_cursor="2026-03-02T00:00:00")
    run = connection_sync(books_connection)
    assert (run.added, run.updated) == (0, 1)
    assert Invoice.objects.get(number="B-1").status == "paid"
    assert Organisation.objects.get().books_cursor == "2026-03-02T00:00:00"


def test_removals_are_applied_from_a_complete_read_only(books_provider, books_connection):
    connection_sync(books_connection)
    empty = dataclasses.replace(sample_books(), ledger_accounts=[], contacts=[], tracking_categories=[],
                                            invoices=[], bank_transactions=[], removed=[("bank_transaction", "bt-1"),
                                                                                        ("contact", "c-1")],
                                            complete=False, next_cursor="")
    books_provider.books[ORG.external_id] = empty
    run = connection_sync(books_connection)
    assert run.outcome == SyncOutcome.PARTIAL
    assert BookBankTransaction.objects.get().status == "active"
    assert Contact.objects.count() == 1
    assert Organisation.objects.get().books_cursor == "2026-03-01T00:00:00"  # a cut-short read keeps the cursor

    books_provider.books[ORG.external_id] = dataclasses.replace(empty, complete=True, next_cursor="c3")
    run = connection_sync(books_connection)
    assert run.removed == 2
    assert BookBankTransaction.objects.get().status == "deleted"  # kept, marked
    assert Contact.objects.count() == 0


def test_the_cursor_is_not_saved_when_the_write_fails(books_provider, books_connection, monkeypatch):
    from accounting import runner

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(runner, "_payments_write", broken)
    with pytest.raises(RuntimeError):
        connection_sync(books_connection)
    assert Organisation.objects.get().books_cursor == ""
    assert not LedgerAccount.objects.exists()


def test_an_organisation_the_provider_refuses_is_inactive_and_the_others_sync(books_provider, books_connection):
    second = AccountRecord(external_id="org-2", name="Side Hustle", type="other", currency="GBP")
    books_provider.organisations = [ORG, second]
    books_provider.books[second.external_id] = sample_books(second)
    connection_sync(books_connection)
    books_provider.failures[ORG.external_id] = OrganisationDisconnected("gone")
    run = connection_sync(books_connection)
    assert run.outcome == SyncOutcome.SUCCEEDED
    gone, kept = Organisation.objects.get(external_id="org-1"), Organisation.objects.get(external_id="org-2")
    assert (gone.is_active, gone.disconnected_at is not None) == (False, True)
    assert kept.is_active and kept.disconnected_at is None
    assert LedgerAccount.objects.filter(organisation=gone).count() == 4  # its data kept


def test_an_organisation_no_longer_listed_is_inactive_with_its_data(books_provider, books_connection):
    connection_sync(books_connection)
    books_provider.organisations = []
    connection_sync(books_connection)
    org = Organisation.objects.get()
    assert not org.is_active
    assert Invoice.objects.filter(organisation=org).count() == 2


def test_a_rate_limited_organisation_fails_alone_with_its_wait(books_provider, books_connection):
    books_provider.failures[ORG.external_id] = RateLimited("slow down", status=429)
    books_provider.failures[ORG.external_id].retry_after = 42
    run = connection_sync(books_connection)
    assert run.outcome == SyncOutcome.FAILED
    assert run.account_results["org-1"]["error_code"] == "rate_limited"
    books_connection.refresh_from_db()
    assert books_connection.retry_after is not None
