"""QuickBooks end to end through the core: the connect flow (state, code, realmId), the books
runner's syncs (a full read, then CDC increments that change nothing when nothing changed,
deletions applied), a token refused mid-sync refreshed once, an expired chain needing the
person, and python-quickbooks itself against the mock by changing only the host."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.utils import timezone

from accounting.models import BookBankTransaction, BooksConnection, Invoice, LedgerAccount, Organisation
from integrations_core.models import ConnectionStatus, SyncOutcome
from integrations_core.services.sync import connection_sync
from sandbox.quickbooks.books import CHART, realm_id_for

from .quickbooks_sandbox import REDIRECT_URI as REDIRECT_CALLBACK
from .quickbooks_sandbox import connect_link_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected(user, qbo, client, django_capture_on_commit_callbacks, monkeypatch):
    """Through the core's own connect flow: authorization_begin, the mock's page, the callback."""
    from integrations_core.services.connections import connection_create
    from integrations_core.services.oauth import authorization_begin, authorization_complete

    monkeypatch.setattr("integrations_core.services.sync_queue.connection_sync_request",
                        lambda *args, **kwargs: None)  # the test runs the syncs itself

    def make(username: str = "qbo-sync"):
        connection = connection_create(user=user, provider_slug="quickbooks")
        request, state = authorization_begin(connection)
        query = parse_qs(urlsplit(request.url).query)
        assert query["scope"] == ["com.intuit.quickbooks.accounting"]
        callback = connect_link_code(client, request.url, username=username)
        assert callback["state"] == state
        return authorization_complete(user=user, provider_slug="quickbooks", state=state, code=callback["code"],
                                      params=callback)

    return make


def test_connect_then_sync_writes_the_company_books(connected, qbo):
    connection = connected()
    assert connection.status == ConnectionStatus.ACTIVE and connection.external_id == realm_id_for("qbo-sync")
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
    organisation = Organisation.objects.get(connection=connection)
    assert organisation.external_id == connection.external_id and organisation.currency == "GBP"
    assert LedgerAccount.objects.filter(organisation=organisation).count() == len(CHART)
    assert LedgerAccount.objects.get(organisation=organisation, external_id="35").is_bank
    paid = Invoice.objects.filter(organisation=organisation, kind="invoice", status="paid").first()
    assert paid is not None and paid.payments.get().amount == paid.total
    assert organisation.books_cursor and qbo.count("/cdc") == 0


def test_a_second_sync_reads_cdc_and_changes_nothing(connected, qbo):
    connection = connected()
    connection_sync(connection)
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        run = connection_sync(BooksConnection.objects.get(pk=connection.pk))
    assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
    assert (run.added, run.updated, run.removed) == (0, 0, 0)
    assert qbo.count("/cdc") == 1


def test_a_deletion_in_the_books_reaches_our_rows(connected, quickbooks):
    from datetime import date
    from decimal import Decimal

    from integrations_core.records import BankTransactionPush

    connection = connected()
    connection_sync(connection)
    source = quickbooks.bind(BooksConnection.objects.get(pk=connection.pk))
    organisation = source.list_organisations()[0]
    [created] = source.bank_transactions_create(organisation, [BankTransactionPush(
        reference="ours-1", kind="spend", date=date(2026, 11, 30), amount=Decimal("12.00"), currency="GBP",
        bank_account_external_id="35", ledger_account_external_id="85")])
    connection_sync(BooksConnection.objects.get(pk=connection.pk))
    row = BookBankTransaction.objects.get(external_id=created.external_id)
    assert row.status == "active"
    source.client._request("POST", "/purchase", params={"operation": "delete"},
                           body={"Id": created.external_id.split(":")[1], "SyncToken": created.version})
    run = connection_sync(BooksConnection.objects.get(pk=connection.pk))
    assert run.outcome == SyncOutcome.SUCCEEDED and run.removed >= 1
    row.refresh_from_db()
    assert row.status == "deleted"


def test_an_access_token_refused_mid_sync_is_refreshed_once(connected, qbo):
    connection = connected()
    BooksConnection.objects.filter(pk=connection.pk).update(access_token="revoked-access-token")
    run = connection_sync(BooksConnection.objects.get(pk=connection.pk))
    assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
    assert qbo.count("/tokens/bearer") == 2  # the exchange, then one refresh
    assert BooksConnection.objects.get(pk=connection.pk).refresh_token != connection.refresh_token


def test_a_chain_unused_for_100_days_asks_the_person_to_reconnect(connected):
    connection = connected()
    with time_machine.travel(timezone.now() + timedelta(days=101)):
        connection_sync(BooksConnection.objects.get(pk=connection.pk))
    stored = BooksConnection.objects.get(pk=connection.pk)
    assert stored.status == ConnectionStatus.REAUTH_REQUIRED
    assert "expired on" in stored.last_error


def test_python_quickbooks_reads_the_mock_by_changing_only_the_host(connected, qbo_settings, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the mock's test host is http
    from quickbooks.client import QuickBooks
    from quickbooks.objects.account import Account
    from requests_oauthlib import OAuth2Session

    connection = connected()
    qb = QuickBooks(company_id=connection.external_id, minorversion=75)
    qb.api_url_v3 = qbo_settings.QUICKBOOKS_API_URL + "/v3"  # the host, nothing else
    qb.session = OAuth2Session("sandbox-client", token={"access_token": connection.access_token})
    accounts = Account.all(qb=qb, max_results=1000)
    assert {a.Id for a in accounts} == {row[0] for row in CHART}
    bank = Account.filter(AccountType="Bank", qb=qb)
    assert {a.Name for a in bank} >= {"Business Current Account"}


def test_the_books_page_connects_quickbooks_through_the_callback(client, user, qbo, monkeypatch):
    """The person's path: Books -> Connect QuickBooks -> Intuit's page -> our callback."""
    from django.urls import reverse

    monkeypatch.setattr("integrations_core.services.sync_queue.connection_sync_request", lambda *a, **k: None)
    client.force_login(user)
    page = client.get(reverse("web:accounting"))
    assert b"QuickBooks Online" in page.content
    start = client.post(reverse("web:accounting-connect", args=["quickbooks"]))
    assert start.status_code == 302
    callback = connect_link_code(client, start["Location"], username="qbo-web")
    parts = urlsplit(REDIRECT_CALLBACK)
    answer = client.get(parts.path, callback)
    assert answer.status_code == 302, answer.content[:300]
    connection = BooksConnection.objects.get(user=user, provider="quickbooks")
    assert connection.status == ConnectionStatus.ACTIVE and connection.external_id == realm_id_for("qbo-web")
    assert "qbo-web" not in answer["Location"] and callback["code"] not in answer["Location"]
    # The callback lands on the family's own page (Provider.connected_page), not the banks'.
    assert answer["Location"] == f"/accounting/?connected={connection.pk}"
