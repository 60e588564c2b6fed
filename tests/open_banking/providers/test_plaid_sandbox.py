"""The Plaid provider against the sandbox's mock Plaid: Link, the first sync, pending -> posted
under a new id, modifications and removals, a mutation during pagination, rate limits (per Item
and per client), ITEM_LOGIN_REQUIRED and update mode, /item/remove."""

from __future__ import annotations

from decimal import Decimal

import pytest
import responses
from django.test import Client

from integrations_core.models import ConnectionStatus, ProviderSetting, SyncOutcome
from integrations_core.services.oauth import authorization_complete
from integrations_core.services.sync import connection_sync
from open_banking.models import BankAccount, BankConnection, BankTransaction, Institution
from open_banking.services import bank_connection_initiate, bank_connection_reconnect, bank_connection_revoke
from sandbox import clock
from sandbox.data.generator import build_book
from sandbox.models import PlaidItem

from .plaid_router import PlaidRouter, link_through, plaid_sandbox_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def plaid_sandbox(settings):
    plaid_sandbox_settings(settings)
    settings.PROVIDER_HTTP_RETRIES = 0
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the tests run each sync themselves


@pytest.fixture
def router():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield PlaidRouter(mock)


@pytest.fixture
def chase(db):
    return Institution.objects.create(provider="plaid", external_id="ins_56", name="Chase", country="US")


@pytest.fixture
def browser(user):
    client = Client()
    client.force_login(user)
    return client


def connect(user, browser, *, username="user_good") -> BankConnection:
    authorization = bank_connection_initiate(user=user, provider_slug="plaid", institution_id="ins_56")
    params = link_through(browser, authorization.authorization_url, username=username)
    return authorization_complete(user=user, provider_slug="plaid", state=params["state"], params=params)


def test_link_connects_and_the_first_sync_writes_the_chase_book(user, chase, router, browser):
    connection = connect(user, browser)
    connection.refresh_from_db()
    item = PlaidItem.objects.get()
    assert (connection.status, connection.external_id) == (ConnectionStatus.ACTIVE, item.item_id)
    assert connection.access_token.startswith("access-sandbox-")
    run = connection_sync(connection, trigger="manual")
    assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
    book = build_book("chase", "user_good", clock.today())
    assert BankAccount.objects.filter(connection=connection).count() == len(book.accounts) == 3
    assert BankTransaction.objects.count() == sum(len(s.booked) + len(s.pending) for s in book.accounts)
    assert set(BankTransaction.objects.values_list("currency", flat=True)) == {"USD"}
    # Plaid's sign (positive = out) is turned into ours (negative = out) for every row.
    for txn in BankTransaction.objects.all():
        assert txn.amount == Decimal(0) - Decimal(str(txn.raw["amount"]))
    card = BankAccount.objects.get(connection=connection, type="credit_card")
    owed = next(s for s in book.accounts if s.account.is_card).owed
    assert card.current_balance == -owed
    # The PFC arrives as a category of our own taxonomy.
    coffee = BankTransaction.objects.filter(description__startswith="STARBUCKS").first()
    assert coffee is not None and coffee.category == "FOOD_AND_DRINK_COFFEE"


def test_a_repeated_sync_changes_nothing(user, chase, router, browser):
    connection = connect(user, browser)
    connection_sync(connection, trigger="manual")
    before = sorted(BankTransaction.objects.values_list("id", "external_id", "amount", "updated_at"))
    run = connection_sync(connection, trigger="manual")
    assert (run.outcome, run.added, run.updated, run.removed) == (SyncOutcome.SUCCEEDED, 0, 0, 0)
    assert sorted(BankTransaction.objects.values_list("id", "external_id", "amount", "updated_at")) == before


def test_pending_posts_under_a_new_id_and_one_row_remains(user, chase, router, browser):
    connection = connect(user, browser)
    connection_sync(connection, trigger="manual")
    pending = list(BankTransaction.objects.filter(status="pending"))
    assert pending, "the Chase book has pending card payments"
    clock.advance(10)  # every pending payment has posted by then
    run = connection_sync(connection, trigger="manual")
    assert run.outcome == SyncOutcome.SUCCEEDED
    for row in pending:
        posted = BankTransaction.objects.filter(pk=row.pk).first()
        assert posted is not None, "the posted row took over the pending one"
        assert posted.status == "booked" and posted.external_id != row.external_id
        assert posted.raw["pending_transaction_id"] == row.external_id
    assert not BankTransaction.objects.filter(external_id__in=[r.external_id for r in pending]).exists()


def test_a_modification_and_a_removal_are_applied(user, chase, router, browser):
    connection = connect(user, browser)
    connection_sync(connection, trigger="manual")
    first, second = BankTransaction.objects.filter(status="booked").order_by("booked_date")[:2]
    answer = browser.post(f"/sandbox/plaid/mock/items/{connection.external_id}/mutate/",
                          {"modify": {first.external_id: {"amount": 99.99, "name": "CORRECTED"}},
                           "remove": [second.external_id]}, content_type="application/json")
    assert answer.status_code == 200
    run = connection_sync(connection, trigger="manual")
    assert (run.outcome, run.updated, run.removed) == (SyncOutcome.SUCCEEDED, 1, 1)
    first.refresh_from_db()
    assert (first.amount, first.description) == (Decimal("-99.99"), "CORRECTED")
    assert not BankTransaction.objects.filter(pk=second.pk).exists()


def test_a_mutation_during_pagination_restarts_from_the_first_cursor(user, chase, router, browser, settings):
    settings.PLAID_SYNC_PAGE_SIZE = 40
    connection = connect(user, browser, username="plaid.mutation")
    run = connection_sync(connection, trigger="manual")
    assert run.outcome == SyncOutcome.SUCCEEDED
    assert router.count("/transactions/sync", status=400) == 1
    book = build_book("chase", "plaid.mutation", clock.today())
    expected = sum(len(s.booked) + len(s.pending) for s in book.accounts)
    assert expected > 40, "the update spans several pages"
    assert BankTransaction.objects.count() == expected == run.added  # nothing twice, nothing half


def test_mutations_that_never_stop_fail_the_sync_with_nothing_applied(user, chase, router, browser, settings):
    settings.PLAID_SYNC_PAGE_SIZE = 40
    connection = connect(user, browser, username="plaid.mutation")
    PlaidItem.objects.update(faults={"mutations": 5})
    run = connection_sync(connection, trigger="manual")
    connection.refresh_from_db()
    assert (run.outcome, run.error_code) == (SyncOutcome.FAILED, "cursor_restart")
    assert BankTransaction.objects.count() == 0 and not (connection.sync_state or {}).get("cursor")


def test_a_per_item_rate_limit_waits_without_tripping_the_breaker(user, chase, router, browser):
    connection = connect(user, browser, username="error.rate_limit")
    run = connection_sync(connection, trigger="manual")
    connection.refresh_from_db()
    assert (run.outcome, run.error_code, connection.user_state) == (SyncOutcome.FAILED, "rate_limited", "rate_limited")
    assert connection.retry_after is not None
    assert not ProviderSetting.objects.filter(provider="plaid", breaker_failures__gt=0).exists()


def test_a_per_client_rate_limit_counts_towards_the_breaker(user, chase, router, browser):
    connection = connect(user, browser, username="plaid.client_limit")
    run = connection_sync(connection, trigger="manual")
    connection.refresh_from_db()
    assert (run.outcome, connection.user_state) == (SyncOutcome.FAILED, "rate_limited")
    assert ProviderSetting.objects.get(provider="plaid").breaker_failures == 1


def test_institution_down_is_a_provider_outage(user, chase, router, browser):
    connection = connect(user, browser, username="error.provider_error")
    run = connection_sync(connection, trigger="manual")
    connection.refresh_from_db()
    assert (run.error_code, connection.user_state) == ("provider_down", "provider_down")


def test_item_login_required_then_update_mode_keeps_the_item(user, chase, router, browser):
    connection = connect(user, browser)
    connection_sync(connection, trigger="manual")
    token = connection.access_token
    browser.post("/sandbox/plaid/api/sandbox/item/reset_login", {"access_token": token},
                 content_type="application/json", HTTP_PLAID_CLIENT_ID="sandbox-client",
                 HTTP_PLAID_SECRET="sandbox-secret")
    run = connection_sync(connection, trigger="manual")
    connection.refresh_from_db()
    assert (run.next_action, connection.status) == ("reconnect", ConnectionStatus.REAUTH_REQUIRED)

    authorization = bank_connection_reconnect(connection, actor=user)
    params = link_through(browser, authorization.authorization_url)
    authorization_complete(user=user, provider_slug="plaid", state=params["state"], params=params)
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ACTIVE and connection.access_token == token
    assert router.count("/item/public_token/exchange") == 1, "update mode exchanges nothing"
    assert PlaidItem.objects.count() == 1
    assert connection_sync(connection, trigger="manual").outcome == SyncOutcome.SUCCEEDED


def test_disconnect_removes_the_item_at_plaid(user, chase, router, browser):
    connection = connect(user, browser)
    bank_connection_revoke(connection, actor=user)
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED and connection.access_token == ""
    assert PlaidItem.objects.get().removed_at is not None
