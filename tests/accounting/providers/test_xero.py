"""Xero against the mock Xero (in-process): connect with PKCE, the tenants of /connections as
organisations, the books read and read again, refresh-token rotation, rate limits, a tenant the
person removed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from accounting.models import BookPayment, Invoice, LedgerAccount, Organisation
from integrations_core.models import ConnectionStatus, SyncOutcome
from integrations_core.providers.errors import ConsentExpired, RateLimited
from integrations_core.providers.registry import registry
from integrations_core.services.sync import connection_sync
from sandbox.xero import data as xero_data
from sandbox.xero.books import tenant_remove

from ..xero_fixtures import NOW

pytestmark = pytest.mark.django_db


def test_the_auth_link_asks_for_offline_access_with_pkce(xero_settings, user):
    from integrations_core.services.connections import connection_create
    from integrations_core.services.oauth import authorization_begin

    connection = connection_create(user=user, provider_slug="xero")
    request, _ = authorization_begin(connection)
    parts = urlsplit(request.url)
    query = parse_qs(parts.query)
    assert parts.path.endswith("/identity/connect/authorize")
    assert "offline_access" in query["scope"][0].split()
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["response_type"] == ["code"]


def test_connect_then_sync_reads_every_tenant_the_person_picked(xero_connect, xero_http):
    connection = xero_connect("two-orgs", tenants=2)
    assert connection.status == ConnectionStatus.ACTIVE
    assert connection.refresh_token and connection.access_token
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
    orgs = Organisation.objects.filter(connection=connection).order_by("name")
    assert orgs.count() == 2
    assert all(o.currency == "GBP" and o.country == "GB" and o.link_id for o in orgs)
    books = xero_data.tenant_books("two-orgs", 0, NOW.date())
    main = Organisation.objects.get(external_id=xero_data.tenant_id("two-orgs", 0))
    assert LedgerAccount.objects.filter(organisation=main).count() == len(xero_data.CHART)
    assert LedgerAccount.objects.get(organisation=main, code="090").is_bank
    assert Invoice.objects.filter(organisation=main, kind="invoice").count() == \
        sum(1 for i in books.invoices if i["Type"] == "ACCREC")
    paid = Invoice.objects.filter(organisation=main, kind="invoice", status="paid").first()
    payment = BookPayment.objects.get(invoice=paid)
    assert payment.amount == paid.total and payment.reference == paid.number
    assert isinstance(payment.amount, Decimal)


def test_a_second_sync_sends_if_modified_since_and_changes_nothing(xero_connect, xero_http, frozen):
    connection = xero_connect()
    connection_sync(connection)
    frozen.shift(timedelta(hours=1))
    xero_http.calls.clear()
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED
    assert (run.added, run.updated, run.removed) == (0, 0, 0)
    assert xero_http.count("/BankTransactions") == 1  # one page: nothing changed since the cursor


def test_refresh_tokens_rotate_and_a_spent_one_is_refused(xero_connect, xero_http):
    connection = xero_connect()
    provider = registry.get("xero")
    first = connection.refresh_token
    tokens = provider.refresh(connection)
    assert tokens.refresh_token and tokens.refresh_token != first
    with pytest.raises(ConsentExpired):
        provider.refresh(connection)  # `first` was spent by the refresh above


def test_an_expired_refresh_token_asks_the_person_to_reconnect(xero_connect, xero_http, frozen):
    connection = xero_connect("error.expired")
    connection.token_expires_at = NOW - timedelta(minutes=1)
    connection.save(update_fields=["token_expires_at"])
    run = connection_sync(connection)
    connection.refresh_from_db()
    assert run.outcome == SyncOutcome.FAILED
    assert connection.status == ConnectionStatus.REAUTH_REQUIRED


@pytest.mark.parametrize(("login", "problem"), [("error.rate_limit", "minute"), ("error.rate_limit_day", "day")])
def test_a_rate_limit_is_rate_limited_with_its_wait(xero_connect, xero_http, login, problem):
    connection = xero_connect(login)
    source = registry.get("xero").bind(connection)
    organisation = source.list_organisations()[0]
    with pytest.raises(RateLimited) as caught:
        source.fetch_books(organisation, cursor=None)
    assert caught.value.provider_code == problem
    assert caught.value.retry_after and caught.value.retry_after > 0
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.FAILED and run.error_code == "rate_limited"
    connection.refresh_from_db()
    assert connection.retry_after is not None


def test_the_limit_headers_are_read(xero_connect, xero_http):
    connection = xero_connect()
    source = registry.get("xero").bind(connection)
    source.fetch_books(source.list_organisations()[0], cursor=None)
    assert 0 < source.client.limits["minute"] < 60 and source.client.limits["day"] < 5000


def test_a_tenant_answering_403_is_disconnected_and_the_other_syncs(xero_connect, xero_http):
    connection = xero_connect("error.removed_tenant", tenants=2)
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED
    removed = Organisation.objects.get(external_id=xero_data.tenant_id("error.removed_tenant", 1))
    kept = Organisation.objects.get(external_id=xero_data.tenant_id("error.removed_tenant", 0))
    assert not removed.is_active and removed.disconnected_at is not None
    assert kept.is_active and LedgerAccount.objects.filter(organisation=kept).exists()


def test_a_tenant_removed_from_connections_is_inactive_with_its_data(xero_connect, xero_http):
    connection = xero_connect("leaver", tenants=2)
    connection_sync(connection)
    gone = xero_data.tenant_id("leaver", 1)
    tenant_remove(gone)
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED
    org = Organisation.objects.get(external_id=gone)
    assert not org.is_active
    assert LedgerAccount.objects.filter(organisation=org).count() == len(xero_data.CHART)


def test_revoke_removes_every_tenant_and_revokes_the_token(xero_connect, xero_http):
    from integrations_core.services.connections import connection_revoke
    from sandbox.xero.models import XeroGrant, XeroTenant

    connection = xero_connect("revoker", tenants=2)
    connection_revoke(connection)
    assert not XeroTenant.objects.filter(grant__username="revoker", removed_at__isnull=True).exists()
    assert XeroGrant.objects.get(username="revoker").revoked_at is not None
    assert xero_http.count("/Connections/", method="DELETE") == 2


def test_an_item_xero_refuses_fails_with_its_message_and_the_others_are_created(xero_connect, xero_http, user):
    from accounting.models import LedgerAccount, PushedItem
    from accounting.services.mapping import mapping_set, mapping_suggestions_accept
    from accounting.services.push import push_run
    from accounting.services.targets import push_target_set
    from tests.integrations_core.contract.accounting import bank_account_with_spending

    connection = xero_connect("refusals")
    connection_sync(connection)
    org = Organisation.objects.get(connection=connection)
    account = bank_account_with_spending(user)
    mapping_suggestions_accept(org, user=user, used_categories={"FOOD_AND_DRINK_RESTAURANT", "TRANSPORTATION_GAS",
                                                                 "RENT_AND_UTILITIES_TELEPHONE", "INCOME_CONTRACTOR"})
    # An account we still hold that Xero no longer has (deleted there since our last read).
    ghost = LedgerAccount.objects.create(organisation=org, external_id="5f0c4c1e-0000-4000-8000-00000000dead",
                                         code="999", name="Old fuel", classification="expense")
    mapping_set(org, user=user, category="TRANSPORTATION_GAS", ledger_account_id=ghost.pk)
    push_target_set(org, user=user, books_bank_account_id=LedgerAccount.objects.get(organisation=org, code="090").pk,
                    source_account_ids=[account.pk])
    run = push_run(org)
    assert (run.created, run.failed) == (3, 1), run.results
    failed = next(r for r in run.results if r["status"] == "failed")
    assert "not a valid code" in failed["message"]
    assert PushedItem.objects.get(reference=failed["reference"]).external_id == ""
    assert xero_http.count("/BankTransactions", method="PUT") == 1  # one request for the four


def test_a_rate_limit_mid_read_keeps_what_was_read_and_the_unread_cursors(xero_connect, xero_http):
    import json

    connection = xero_connect("mid-read")
    xero_http.faults.append(lambda method, path, query: (
        429, {"Retry-After": "30", "X-Rate-Limit-Problem": "minute"}, b"{}") if path.endswith("/Invoices") else None)
    run = connection_sync(connection)
    org = Organisation.objects.get(connection=connection)
    assert run.outcome == SyncOutcome.PARTIAL
    assert LedgerAccount.objects.filter(organisation=org).exists()  # read before the limit: written
    assert not Invoice.objects.filter(organisation=org).exists()
    cursor = json.loads(org.books_cursor)
    assert {"accounts", "contacts"} <= set(cursor) and "invoices" not in cursor and "bank_transactions" not in cursor
    xero_http.faults.clear()
    assert connection_sync(connection).outcome == SyncOutcome.SUCCEEDED
    assert Invoice.objects.filter(organisation=org).exists()


def test_a_read_cut_at_the_page_limit_goes_on_from_its_last_row(xero_connect, xero_http, settings, frozen):
    import json

    settings.XERO_MAX_PAGES = 1
    connection = xero_connect("pages")
    run = connection_sync(connection)
    org = Organisation.objects.get(connection=connection)
    assert run.outcome == SyncOutcome.PARTIAL
    assert Invoice.objects.filter(organisation=org).count() == 100
    first_cursor = json.loads(org.books_cursor)["invoices"]
    for _ in range(5):
        frozen.shift(timedelta(minutes=1))  # past the minute's 60 calls
        connection_sync(connection)
    books = xero_data.tenant_books("pages", 0, NOW.date())
    assert Invoice.objects.filter(organisation=org).count() == len(books.invoices)
    org.refresh_from_db()
    assert json.loads(org.books_cursor)["invoices"] > first_cursor
