"""Plaid investments against the mock Plaid: an Item at an institution with a brokerage account
gets a linked investments connection (the core's linked connections); its sync writes the
securities (one with a null ticker), the holdings snapshot (cash as the snapshot's cash, a
holding with a null cost basis), and two years of investment transactions paged by
offset/count; the linked connection follows its bank connection (reconnect, revoke)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
import responses
import time_machine
from django.test import Client

from integrations_core.models import ConnectionLink, ConnectionStatus, SyncOutcome
from integrations_core.services.linked import connection_primary, connections_linked
from integrations_core.services.oauth import authorization_complete
from integrations_core.services.sync import connection_sync
from investments.models import (
    Holding,
    InvestmentAccount,
    InvestmentConnection,
    InvestmentTransaction,
    Security,
)
from open_banking.models import BankAccount, BankConnection, Institution
from open_banking.providers.plaid import mapper
from open_banking.services import bank_connection_initiate, bank_connection_revoke
from sandbox import clock
from sandbox.models import PlaidItem
from sandbox.plaid import investments as mock_investments

from .plaid_router import PlaidRouter, link_through, plaid_sandbox_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def plaid_sandbox(settings):
    plaid_sandbox_settings(settings)
    settings.PROVIDER_HTTP_RETRIES = 0
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the tests run each sync themselves


@pytest.fixture(autouse=True)
def frozen_now():
    """The mock Plaid's book is a function of the day and its window of "now": a sync that
    straddles a second, an hour or midnight would see another book. One fixed moment (a
    Wednesday, inside the 24 months Plaid serves) makes every sync here see the same one."""
    with time_machine.travel(datetime(2026, 11, 18, 15, 30, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def router():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield PlaidRouter(mock)


@pytest.fixture
def browser(user):
    client = Client()
    client.force_login(user)
    return client


def connect(user, browser, *, institution="ins_56", name="Chase", username="user_good") -> BankConnection:
    Institution.objects.get_or_create(provider="plaid", external_id=institution,
                                      defaults={"name": name, "country": "US"})
    authorization = bank_connection_initiate(user=user, provider_slug="plaid", institution_id=institution)
    params = link_through(browser, authorization.authorization_url, username=username)
    return authorization_complete(user=user, provider_slug="plaid", state=params["state"], params=params)


def linked_of(bank: BankConnection) -> InvestmentConnection:
    [linked] = connections_linked(bank)
    assert isinstance(linked, InvestmentConnection)
    return linked


def test_an_item_with_a_brokerage_gets_a_linked_investments_connection(user, router, browser):
    bank = connect(user, browser)
    linked = linked_of(bank)
    assert (linked.user_id, linked.provider, linked.status) == (user.pk, "plaid", ConnectionStatus.ACTIVE)
    assert linked.external_id == bank.external_id and not linked.access_token  # no second copy of the token
    assert connection_primary(linked) == bank and connection_primary(bank) is None


def test_an_item_without_investments_links_nothing(user, router, browser):
    bank = connect(user, browser, institution="ins_10", name="American Express")
    assert connections_linked(bank) == [] and not ConnectionLink.objects.exists()


def test_the_investments_sync_writes_securities_holdings_cash_and_the_history(user, router, browser, settings):
    settings.PLAID_INVESTMENTS_PAGE_SIZE = 7  # several pages of offset/count
    bank = connect(user, browser)
    linked = linked_of(bank)
    run = connection_sync(linked, trigger="manual")
    assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
    item = PlaidItem.objects.get()
    today = clock.today()
    [account] = InvestmentAccount.objects.filter(connection=linked)
    assert account.external_id == mock_investments.investment_account_id(item) and account.currency == "USD"
    # The bank side never shows the brokerage account (its own family has it).
    connection_sync(bank, trigger="manual")
    assert not BankAccount.objects.filter(connection=bank, type="investment").exists()

    raw_holdings, raw_securities = mock_investments.holdings(item, today)
    positions = [h for h in raw_holdings if h["security_id"] != mock_investments.security_id("cash-usd")]
    snapshot = account.current_snapshot
    assert snapshot.holdings.count() == len(positions)
    # Cash is the snapshot's cash, not a position of a "U S Dollar" security.
    cash = next(h for h in raw_holdings if h["security_id"] == mock_investments.security_id("cash-usd"))
    assert account.current_balance == Decimal(str(cash["institution_value"]))
    assert not Security.objects.filter(name="U S Dollar").exists()
    # A null ticker is stored as no ticker, the fund found by its Plaid id and name.
    fund = Holding.objects.filter(snapshot=snapshot, security__name__startswith="NH PORTFOLIO").first()
    if fund is not None:
        assert fund.security.ticker == "" and fund.book_cost is None  # cost_basis null: unknown, not zero
    apple = Holding.objects.filter(snapshot=snapshot, security__ticker="AAPL").first()
    if apple is not None:
        assert apple.book_cost is not None and apple.security.isin == "US0378331005"

    history = mock_investments.transactions(item, today, today.replace(year=today.year - 2), today)
    stored = InvestmentTransaction.objects.filter(account=account)
    assert stored.count() == len(history) > 14  # every page of offset/count, each once
    pages = router.count("/investments/transactions/get")
    assert pages == -(-len(history) // 7)
    deposit = stored.filter(type="deposit").first()
    assert deposit.amount > 0 and deposit.security_id is None  # cash in, no "cash security"
    buy = stored.filter(type="buy").first()
    assert buy.amount < 0 and buy.quantity > 0 and buy.security is not None


def test_a_resync_changes_nothing_and_a_hidden_trade_inside_the_window_goes(user, router, browser):
    bank = connect(user, browser)
    linked = linked_of(bank)
    connection_sync(linked, trigger="manual")
    before = sorted(InvestmentTransaction.objects.values_list("id", "external_id", "amount", "updated_at"))
    run = connection_sync(linked, trigger="manual")
    assert run.outcome == SyncOutcome.SUCCEEDED and (run.added, run.updated, run.removed) == (0, 0, 0), \
        run.account_results
    assert sorted(InvestmentTransaction.objects.values_list("id", "external_id", "amount", "updated_at")) == before
    newest = InvestmentTransaction.objects.order_by("-booked_date", "external_id").first()
    oldest = InvestmentTransaction.objects.order_by("booked_date", "external_id").first()
    # The mock books a trade every 9-16 days, so its newest may be older than the sync's 10-day
    # overlap: date the last sync the day after it, so that trade is inside the window the next
    # sync reads, while the oldest (two years back) stays far outside it.
    InvestmentAccount.objects.filter(connection=linked).update(
        last_synced_at=datetime.combine(newest.booked_date + timedelta(days=1), time(12), tzinfo=UTC))
    item = PlaidItem.objects.get()
    item.mutations = {**item.mutations, "investments_removed": [newest.external_id, oldest.external_id]}
    item.save(update_fields=["mutations"])
    run = connection_sync(linked, trigger="manual")
    assert run.removed == 1 and not InvestmentTransaction.objects.filter(pk=newest.pk).exists(), \
        (run.account_results, newest.booked_date)
    # Outside the window a missing row is history the provider no longer pages, never a removal.
    assert InvestmentTransaction.objects.filter(pk=oldest.pk).exists()


def test_item_login_required_fails_the_linked_sync_and_nothing_is_lost(user, router, browser):
    bank = connect(user, browser)
    linked = linked_of(bank)
    connection_sync(linked, trigger="manual")
    count = InvestmentTransaction.objects.count()
    PlaidItem.objects.update(login_required=True)
    run = connection_sync(linked, trigger="manual")
    linked.refresh_from_db()
    assert run.outcome == SyncOutcome.FAILED and linked.status == ConnectionStatus.REAUTH_REQUIRED
    assert InvestmentTransaction.objects.count() == count


def test_the_bank_connection_needing_reconnect_takes_the_linked_one_along(user, router, browser):
    from integrations_core.services.connections import connection_reauth_required

    bank = connect(user, browser)
    linked = linked_of(bank)
    connection_reauth_required(bank, code="ITEM_LOGIN_REQUIRED")
    linked.refresh_from_db()
    assert linked.status == ConnectionStatus.REAUTH_REQUIRED


def test_revoking_the_bank_connection_revokes_the_linked_one_and_removes_the_item_once(user, router, browser):
    bank = connect(user, browser)
    linked = linked_of(bank)
    bank_connection_revoke(bank, actor=user)
    linked.refresh_from_db()
    assert linked.status == ConnectionStatus.REVOKED
    assert router.count("/item/remove", 200) == 1
    assert PlaidItem.objects.get().removed_at is not None


def test_revoking_only_the_linked_one_leaves_the_item(user, router, browser):
    from integrations_core.services.connections import connection_revoke

    bank = connect(user, browser)
    linked = linked_of(bank)
    connection_revoke(linked, actor=user)
    bank.refresh_from_db()
    assert bank.status == ConnectionStatus.ACTIVE and router.count("/item/remove") == 0


def test_mock_validates_offset_count_and_dates(user, router, browser):
    bank = connect(user, browser)
    client = bank_client(bank)
    from integrations_core.providers.errors import RequestRejected

    with pytest.raises(RequestRejected):
        client.investments_transactions("2026-01-01", "2025-01-01", offset=0, count=10)
    with pytest.raises(RequestRejected):
        client.investments_transactions("2025-01-01", "2026-01-01", offset=0, count=501)
    answer = client.investments_transactions("2000-01-01", clock.today().isoformat(), offset=3, count=2)
    assert len(answer["investment_transactions"]) == 2 and answer["total_investment_transactions"] > 5


def bank_client(bank):
    from integrations_core.providers.registry import registry

    return registry.get("plaid").client(bank.access_token)


# --- the mapper on Plaid's documented shapes (the spec's examples) ----------------------------
def test_security_with_null_ticker_and_isin():
    record = mapper.security_record({"security_id": "s1", "name": "NH PORTFOLIO 1055 (FIDELITY INDEX)",
                                     "ticker_symbol": None, "isin": None, "type": "mutual fund",
                                     "iso_currency_code": "USD"})
    assert (record.ticker, record.isin, record.type, record.name) == ("", "", "fund", "NH PORTFOLIO 1055 (FIDELITY INDEX)")


def test_holding_with_null_cost_basis_and_a_date_only_price():
    record = mapper.holding_record({"account_id": "a", "security_id": "s1", "quantity": Decimal("10000"),
                                    "institution_price": Decimal("0.011"), "institution_price_as_of": "2021-04-13",
                                    "institution_price_datetime": None, "institution_value": Decimal("110"),
                                    "cost_basis": None, "iso_currency_code": "USD"})
    assert record.book_cost is None and record.price == Decimal("0.011")
    assert record.price_as_of.isoformat() == "2021-04-13T00:00:00+00:00"


def test_cash_is_told_from_a_money_market_fund():
    assert mapper.is_cash_security({"type": "cash", "is_cash_equivalent": True, "ticker_symbol": "CUR:USD"})
    assert not mapper.is_cash_security({"type": "mutual fund", "is_cash_equivalent": True, "ticker_symbol": "VMFXX"})


def test_investment_transaction_signs():
    sell = mapper.investment_transaction_record({
        "investment_transaction_id": "t1", "account_id": "a", "security_id": "s", "date": "2025-05-01",
        "name": "SELL", "quantity": Decimal("-2"), "amount": Decimal("-300.50"), "price": Decimal("150.25"),
        "fees": Decimal("0"), "type": "sell", "subtype": "sell", "iso_currency_code": "USD"})
    assert (sell.type, sell.amount, sell.quantity) == ("sell", Decimal("300.50"), Decimal("2"))
    fee = mapper.investment_transaction_record({
        "investment_transaction_id": "t2", "account_id": "a", "security_id": None, "date": "2025-05-01",
        "name": "FEE", "quantity": 0, "amount": Decimal("4.95"), "price": 0, "fees": 0, "type": "fee",
        "subtype": "account fee", "iso_currency_code": "USD"})
    assert (fee.type, fee.amount, fee.security_external_id) == ("fee", Decimal("-4.95"), "")
