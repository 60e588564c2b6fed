"""The portfolio pages: accounts by wrapper with holdings and gains, a holding's trades, Sync
now, Disconnect, and isolation (another person's account, security, connection or preview is a
404). Rows are written through the ORM; the real sync runs in the browser journey."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations_core.models import ConnectionStatus, SyncOutcome
from investments.models import (
    Holding,
    HoldingSnapshot,
    InvestmentAccount,
    InvestmentConnection,
    InvestmentTransaction,
    Security,
)

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 3, 14)  # a fixed day: nothing here depends on today


def make_portfolio(user, *, provider="trading212", key="secret-key-123", wrapper="isa", name="Stocks ISA"):
    connection = InvestmentConnection.objects.create(
        user=user, provider=provider, status=ConnectionStatus.ACTIVE, institution_name="Trading 212",
        credentials={"environment": "demo", "api_key": key}, last_synced_at=timezone.now())
    account = InvestmentAccount.objects.create(connection=connection, external_id=f"acc-{user.pk}-{wrapper}",
                                               name=name, currency="GBP", wrapper=wrapper,
                                               current_balance=Decimal("100.00"))
    vusa, _ = Security.objects.get_or_create(isin="IE00B3XXRP09", defaults={
        "name": "Vanguard S&P 500", "ticker": "VUSA", "quote_currency": "GBX"})
    aapl, _ = Security.objects.get_or_create(isin="US0378331005", defaults={
        "name": "Apple", "ticker": "AAPL", "quote_currency": "USD"})
    snapshot = HoldingSnapshot.objects.create(account=account, date=DAY, as_of=timezone.now(),
                                              value=Decimal("1491.24"))
    Holding.objects.create(snapshot=snapshot, security=vusa, quantity=Decimal("10.5"), price=Decimal("8912.25"),
                           price_currency="GBX", value=Decimal("935.79"), book_cost=Decimal("800.00"), currency="GBP")
    Holding.objects.create(snapshot=snapshot, security=aapl, quantity=Decimal("3"), price=Decimal("228.52"),
                           price_currency="USD", value=Decimal("455.45"), book_cost=Decimal("500.00"), currency="GBP")
    account.current_snapshot = snapshot
    account.save()
    InvestmentTransaction.objects.create(
        account=account, external_id=f"t-{account.pk}", fingerprint="f1", booked_date=DAY, type="buy",
        security=aapl, quantity=Decimal("3"), price=Decimal("166.67"), price_currency="USD",
        amount=Decimal("-500.00"), currency="GBP", fees=Decimal("1.50"), description="Buy AAPL")
    return {"connection": connection, "account": account, "vusa": vusa, "aapl": aapl}


@pytest.fixture
def mine(user):
    return make_portfolio(user)


@pytest.fixture
def theirs(other_user):
    return make_portfolio(other_user, key="their-secret-key", name="Their ISA")


def test_portfolio_shows_accounts_by_wrapper_with_holdings_and_gains(web, mine):
    html = web.get("/portfolio/").content.decode()
    assert 'aria-current="page">Portfolio</a>' in html
    assert "Stocks &amp; Shares ISA" in html and "Stocks ISA" in html
    assert "10.5" in html and "8,912.25p" in html and "$228.52" in html
    assert "£935.79" in html and "£800.00" in html and "+£135.79" in html and "+16.97%" in html
    assert "\u2212£44.55" in html and "\u22128.91%" in html and "gain--down" in html  # a loss, clearly
    assert "£100.00" in html  # cash
    assert "Synced" in html and "Sync now" in html
    assert "secret-key-123" not in html


def test_portfolio_says_which_ecb_fixing_converted_a_dollar_holding(web, mine):
    account, aapl = mine["account"], mine["aapl"]
    sunday = HoldingSnapshot.objects.create(account=account, date=dt.date(2025, 6, 15), as_of=timezone.now())
    Holding.objects.create(snapshot=sunday, security=aapl, quantity=Decimal("10"), price=Decimal("200.00"),
                           price_currency="USD", value=Decimal("2000.00"), currency="USD")
    account.current_snapshot = sunday
    account.save()
    html = web.get("/portfolio/").content.decode()
    assert "£1,477.59 at the ECB rate of 13 June 2025" in html  # Friday's fixing for a Sunday
    assert "converted at the ECB rate of 13 June 2025; book cost is not converted" in html


def test_portfolio_never_shows_another_persons_rows(web, mine, theirs):
    html = web.get("/portfolio/").content.decode()
    assert "Their ISA" not in html and str(theirs["connection"].pk) not in html


def test_a_holdings_trades(web, mine):
    response = web.get(f"/portfolio/accounts/{mine['account'].pk}/securities/{mine['aapl'].pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Apple" in html and "14 Mar 2025" in html and "$166.67" in html and "£1.50" in html
    assert "\u2212£500.00" in html and "Buy" in html


@pytest.mark.parametrize("url", [
    "/portfolio/accounts/{account}/securities/{aapl}/",
    "/portfolio/connections/{connection}/disconnect/",
])
def test_another_persons_rows_are_404(web, mine, theirs, url):
    target = url.format(account=theirs["account"].pk, aapl=theirs["aapl"].pk, connection=theirs["connection"].pk)
    assert web.get(target).status_code == 404


def test_another_persons_sync_and_disconnect_are_404_and_change_nothing(web, theirs, queue_only):
    pk = theirs["connection"].pk
    assert web.post(f"/portfolio/connections/{pk}/sync/").status_code == 404
    assert web.post(f"/portfolio/connections/{pk}/disconnect/").status_code == 404
    theirs["connection"].refresh_from_db()
    assert theirs["connection"].status == ConnectionStatus.ACTIVE
    assert theirs["connection"].credentials["api_key"] == "their-secret-key"


def test_a_security_the_account_does_not_hold_is_404(web, mine):
    other = Security.objects.create(name="Tesla", ticker="TSLA")
    assert web.get(f"/portfolio/accounts/{mine['account'].pk}/securities/{other.pk}/").status_code == 404


def test_sync_now_queues_a_run_and_answers_json(web, mine, queue_only):
    pk = mine["connection"].pk
    response = web.post(f"/portfolio/connections/{pk}/sync/", HTTP_ACCEPT="application/json")
    assert response.status_code == 202
    data = response.json()
    assert data["outcome"] == SyncOutcome.QUEUED and data["finished"] is False
    status = web.get(data["status_url"]).json()
    assert status["run"] == data["run"]
    page = web.get("/portfolio/").content.decode()
    assert "Waiting for the sync to start" in page  # the latest run's status on the card


def test_disconnect_asks_first_then_erases_the_key(web, mine):
    pk = mine["connection"].pk
    page = web.get(f"/portfolio/connections/{pk}/disconnect/").content.decode()
    assert "Disconnect Trading 212?" in page and "secret-key-123" not in page
    response = web.post(f"/portfolio/connections/{pk}/disconnect/")
    assert response.status_code == 302
    connection = InvestmentConnection.objects.get(pk=pk)
    assert connection.status == ConnectionStatus.REVOKED and connection.credentials == {}
    assert InvestmentAccount.objects.filter(connection=connection).exists()  # kept unless asked
    html = web.get("/portfolio/").content.decode()
    assert "Disconnected platforms (1)" in html and "Sync now" not in html


def test_disconnect_can_delete_the_data(web, mine):
    pk = mine["connection"].pk
    web.post(f"/portfolio/connections/{pk}/disconnect/", {"delete_data": "on"})
    assert not InvestmentAccount.objects.filter(connection_id=pk).exists()


def test_pages_need_a_login(client):
    assert client.get("/portfolio/").status_code == 302
    assert client.get("/portfolio/connect/").status_code == 302


def test_sync_now_while_the_platform_asks_to_wait_says_how_long(web, mine):
    connection = mine["connection"]
    connection.retry_after = timezone.now() + dt.timedelta(seconds=42)
    connection.save()
    response = web.post(f"/portfolio/connections/{connection.pk}/sync/", HTTP_ACCEPT="application/json")
    assert response.status_code == 409
    assert "try again in 4" in response.json()["error"]["message"]  # 42 s, or 41 by the time it runs


def test_a_statement_connection_offers_an_import_not_a_sync(web, user):
    make_portfolio(user, provider="hargreaves_lansdown", key="")
    html = web.get("/portfolio/").content.decode()
    assert "Sync now" not in html and "Import a file" in html and "Statement files" in html


def test_the_person_sets_an_accounts_wrapper_and_nobody_else_can(web, mine, theirs):
    account = InvestmentAccount.objects.get(name="Stocks ISA")
    other = InvestmentAccount.objects.get(name="Their ISA")
    assert web.post(f"/portfolio/accounts/{other.pk}/wrapper/", {"wrapper": "sipp"}).status_code == 404
    response = web.post(f"/portfolio/accounts/{account.pk}/wrapper/", {"wrapper": "sipp"}, follow=True)
    assert "Stocks ISA is now shown as SIPP" in response.content.decode()
    account.refresh_from_db()
    other.refresh_from_db()
    assert (account.wrapper, account.wrapper_set_by_person, other.wrapper) == ("sipp", True, "isa")
    bad = web.post(f"/portfolio/accounts/{account.pk}/wrapper/", {"wrapper": "nope"}, follow=True)
    assert "Choose one of the listed wrappers" in bad.content.decode()
