"""QuickBooks books against the mock: the full read, CDC increments with deletions, the 30-day
fallback to a full read, throttling and refused tokens, and pushes: idempotent by reference,
updates naming SyncToken, a stale SyncToken as the conflict case."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from integrations_core.providers.errors import ProviderAuthError, RateLimited
from integrations_core.records import BankTransactionPush

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(qbo_connection, quickbooks):
    connection = qbo_connection()
    source = quickbooks.bind(connection)
    organisation = source.list_organisations()[0]
    return source, organisation


def _push(reference="txn-0001-aaaa-bbbb-cccc-dddd", **fields) -> BankTransactionPush:
    values = {"reference": reference, "kind": "spend", "date": date(2026, 11, 20), "amount": Decimal("42.10"),
              "currency": "GBP", "bank_account_external_id": "35", "ledger_account_external_id": "87",
              "description": "CARD PAYMENT TO RYMAN STATIONERY", "contact_name": "Ryman"}
    values.update(fields)
    return BankTransactionPush(**values)


def test_the_organisation_is_the_realm_with_its_home_currency(books, qbo_connection):
    source, organisation = books
    assert organisation.external_id == source.client.realm_id
    assert organisation.currency == "GBP" and organisation.name


def test_a_full_read_maps_the_whole_book(books, qbo):
    source, organisation = books
    data = source.fetch_books(organisation, cursor=None)
    assert qbo.count("/cdc") == 0
    banks = [a for a in data.ledger_accounts if a.is_bank]
    assert {a.external_id for a in banks} >= {"35"} and all(a.classification == "asset" for a in banks)
    assert any(a.status == "archived" for a in data.ledger_accounts)
    paid = [i for i in data.invoices if i.kind == "invoice" and i.status == "paid"]
    assert paid and all(i.payments and sum(p.amount for p in i.payments) == i.total for i in paid)
    assert all(p.invoice_external_id == i.external_id for i in paid for p in i.payments)
    bills = [i for i in data.invoices if i.kind == "bill"]
    assert bills and all(p.bank_account_external_id == "35" for b in bills for p in b.payments)
    assert {c.external_id.split(":")[0] for c in data.contacts} == {"Customer", "Vendor"}
    assert {t.external_id for t in data.tracking_categories} == {"Class", "Department"}
    deposits = [t for t in data.bank_transactions if t.external_id.startswith("Deposit:")]
    assert deposits and all(t.kind == "receive" and t.amount > 0 and t.version for t in deposits)
    assert data.removed == [] and data.next_cursor


def test_cdc_reads_only_what_changed_and_reports_deletions(books, qbo):
    from sandbox.quickbooks.books import book_edit
    from sandbox.quickbooks.models import QboRealm

    source, organisation = books
    first = source.fetch_books(organisation, cursor=None)
    kept, gone = source.bank_transactions_create(organisation, [_push("keep-1"), _push("gone-1", kind="receive")])
    realm = QboRealm.objects.get(pk=organisation.external_id)
    book_edit(realm, "Deposit", gone.external_id.split(":")[1])  # someone edits it in QuickBooks...
    source.client._request("POST", "/deposit", params={"operation": "delete"},  # ...then deletes it
                           body={"Id": gone.external_id.split(":")[1], "SyncToken": "1"})
    second = source.fetch_books(organisation, cursor=first.next_cursor)
    assert qbo.count("/cdc") == 1
    assert [t.external_id for t in second.bank_transactions] == [kept.external_id]
    assert ("bank_transaction", gone.external_id) in second.removed
    assert second.ledger_accounts == [] and second.invoices == []  # nothing else changed
    assert second.next_cursor >= first.next_cursor


def test_a_cursor_older_than_30_days_falls_back_to_a_full_read(books, qbo):
    source, organisation = books
    old = (timezone.now() - timedelta(days=31)).isoformat()
    data = source.fetch_books(organisation, cursor=old)
    assert qbo.count("/cdc") == 0 and qbo.count("/query") >= 11
    assert data.ledger_accounts and data.removed == []


def test_a_payment_whose_invoice_did_not_change_brings_its_invoice(books, qbo):
    source, organisation = books
    with time_machine.travel(timezone.now()):
        first = source.fetch_books(organisation, cursor=None)
    paid = next(i for i in first.invoices if i.payments)
    # Only the payment changed since the cursor (its invoice's own LastUpdatedTime is older).
    from sandbox.quickbooks.books import book_edit
    from sandbox.quickbooks.models import QboRealm

    realm = QboRealm.objects.get(pk=organisation.external_id)
    payment_id = paid.payments[0].external_id.split(":")[1]
    book_edit(realm, "Payment", payment_id, PaymentRefNum="edited")
    second = source.fetch_books(organisation, cursor=first.next_cursor)
    assert [i.external_id for i in second.invoices] == [paid.external_id]
    assert second.invoices[0].payments[0].reference == "edited"


def test_throttling_is_rate_limited_with_the_wait(qbo_connection, quickbooks, qbo_settings):
    source = quickbooks.bind(qbo_connection("error.rate_limit"))
    with pytest.raises(RateLimited) as caught:
        source.list_organisations()
    assert caught.value.retry_after == 60  # SANDBOX_RETRY_AFTER_SECONDS, sent as Retry-After


def test_500_a_minute_per_realm(books, qbo_settings):
    source, organisation = books
    qbo_settings.SANDBOX_QUICKBOOKS_PER_MINUTE = 3
    with time_machine.travel((timezone.now() + timedelta(minutes=1)).replace(second=5), tick=False):
        source.client.company_info()  # a new minute: list_organisations' calls were in the last
        source.client.company_info()
        source.client.company_info()
        with pytest.raises(RateLimited) as caught:
            source.client.company_info()
    assert 0 < caught.value.retry_after <= 60


def test_a_refused_token_is_an_auth_error(books):
    source, organisation = books
    source.client._token = "not-a-token"
    with pytest.raises(ProviderAuthError) as caught:
        source.fetch_books(organisation, cursor=None)
    assert caught.value.provider_code == "3200"


def test_push_then_re_push_finds_it_instead_of_duplicating(books, qbo):
    source, organisation = books
    push = _push()
    [created] = source.bank_transactions_create(organisation, [push])
    assert created.status == "created" and created.external_id.startswith("Purchase:") and created.version == "0"
    found = source.pushed_find(organisation, [push.reference, "never-pushed"])
    assert list(found) == [push.reference]
    held = found[push.reference]
    assert held.external_id == created.external_id and held.reference == push.reference
    assert held.amount == Decimal("42.10") and held.lines[0].ledger_account_external_id == "87"
    assert qbo.count("/purchase") == 1


def test_update_names_the_sync_token_and_a_stale_one_is_the_conflict(books):
    from sandbox.quickbooks.books import book_edit
    from sandbox.quickbooks.models import QboRealm

    source, organisation = books
    [created] = source.bank_transactions_create(organisation, [_push()])
    updated = source.bank_transaction_update(organisation, created.external_id, created.version,
                                             _push(amount=Decimal("50.00")))
    assert updated.status == "updated" and updated.version == "1"
    assert source.pushed_find(organisation, [_push().reference])[_push().reference].amount == Decimal("50.00")
    realm = QboRealm.objects.get(pk=organisation.external_id)
    book_edit(realm, "Purchase", created.external_id.split(":")[1], PrivateNote="fixed by the accountant")
    conflict = source.bank_transaction_update(organisation, created.external_id, updated.version,
                                              _push(amount=Decimal("60.00")))
    assert conflict.status == "conflict" and "their edit is kept" in conflict.message
    held = source.pushed_find(organisation, [_push().reference])[_push().reference]
    assert held.amount == Decimal("50.00") and held.version == "2"  # their edit stands


def test_a_push_to_a_closed_account_fails_alone(books):
    source, organisation = books
    results = source.bank_transactions_create(organisation, [_push("bad", ledger_account_external_id="92"),
                                                             _push("good")])
    assert [r.status for r in results] == ["failed", "created"]
    assert "active account" in results[0].message


def test_pages_are_read_until_a_short_one(books, qbo, monkeypatch):
    from accounting.providers.quickbooks import client as client_module

    source, organisation = books
    whole = source.fetch_books(organisation, cursor=None)
    monkeypatch.setattr(client_module, "PAGE_SIZE", 7)
    qbo.calls.clear()
    paged = source.fetch_books(organisation, cursor=None)
    assert [a.external_id for a in paged.ledger_accounts] == [a.external_id for a in whole.ledger_accounts]
    assert len(paged.invoices) == len(whole.invoices)
    account_pages = [c for c in qbo.calls if c.path.endswith("/query") and " from Account " in c.query["query"][0]]
    assert [c.query["query"][0].split("startposition ")[1].split()[0] for c in account_pages] == ["1", "8", "15"]


def test_an_entity_at_cdc_s_cap_is_read_again_by_query(books, qbo, monkeypatch):
    from accounting.providers.quickbooks import source as source_module

    source, organisation = books
    first = source.fetch_books(organisation, cursor=None)
    source.bank_transactions_create(organisation, [_push(f"cap-{n}") for n in range(3)])
    monkeypatch.setattr(source_module, "PAGE_SIZE", 2)  # CDC "answered its cap" for Purchase
    qbo.calls.clear()
    second = source.fetch_books(organisation, cursor=first.next_cursor)
    assert len([t for t in second.bank_transactions if t.reference.startswith("cap-")]) == 3
    assert any("MetaData.LastUpdatedTime >=" in c.query["query"][0] for c in qbo.calls if c.path.endswith("/query"))
