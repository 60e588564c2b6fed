"""The returns, allocation and net-worth pages: 200 for the owner with their figures, 404 for a
scope that is someone else's, 400 with field errors for a bad custom range, "cannot be computed
because ..." instead of a number, the charts drawn server-side, and the figures recomputed after
a sync (and only then). Today is frozen wherever the periods depend on it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache

from integrations_core.models import ConnectionStatus
from integrations_core.person_cache import person_data_changed
from investments import performance
from investments.models import (
    Holding,
    HoldingSnapshot,
    InvestmentAccount,
    InvestmentConnection,
    InvestmentTransaction,
    Security,
    SecurityPrice,
)
from open_banking.models import BalanceSnapshot, BankAccount, BankConnection
from open_banking.services.manual import manual_account_create
from web import charts

pytestmark = pytest.mark.django_db
D = Decimal
NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_series():
    performance._LAST.clear()
    yield
    performance._LAST.clear()


def _txn(account, type_, day, amount, security=None, quantity=None, price=None, n=[0]):  # noqa: B006
    n[0] += 1
    return InvestmentTransaction.objects.create(
        account=account, external_id=f"w{n[0]}", provider_transaction_id=f"w{n[0]}", fingerprint=f"wf{n[0]}",
        type=type_, booked_date=day, amount=D(amount), currency="GBP", security=security,
        quantity=None if quantity is None else D(quantity), price=None if price is None else D(price),
        price_currency="GBX" if price else "")


def _portfolio(user, *, provider="fake-broker", prices_until=date(2026, 7, 1)):
    connection = InvestmentConnection.objects.create(user=user, provider=provider, status=ConnectionStatus.ACTIVE,
                                                     institution_name="Fake Broker")
    isa = InvestmentAccount.objects.create(connection=connection, external_id=f"isa-{user.pk}", name="Stocks ISA",
                                           currency="GBP", wrapper="isa", current_balance=D("990.00"))
    # An ISIN is 12 characters; primary keys keep growing across tests on PostgreSQL.
    vusa = Security.objects.create(name=f"Vanguard S&P 500 {user.pk}", isin=f"IE00B3XXRP{user.pk % 100:02d}",
                                   ticker="VUSA", type="etf", quote_currency="GBX", sector="", country="")
    _txn(isa, "deposit", date(2026, 1, 1), "1000.00")
    _txn(isa, "buy", date(2026, 1, 1), "-10.00", vusa, "10", "100")
    days = (prices_until - date(2026, 1, 1)).days
    SecurityPrice.objects.bulk_create([SecurityPrice(security=vusa, date=date(2026, 1, 1) + timedelta(days=i),
                                                     close=D(100) + i, currency="GBX", source="test")
                                       for i in range(days)])
    snap = HoldingSnapshot.objects.create(account=isa, date=date(2026, 6, 30), as_of=NOW)
    Holding.objects.create(snapshot=snap, security=vusa, quantity=D(10), value=D("28.00"), currency="GBP")
    isa.current_snapshot = snap
    isa.save()
    return isa, vusa


@pytest.fixture
def invested(user):
    return _portfolio(user)


# --- returns --------------------------------------------------------------------------------------
@time_machine.travel(NOW)
def test_returns_page_shows_every_scope_and_the_chart(client, user, invested):
    isa, vusa = invested
    client.force_login(user)
    response = client.get("/portfolio/returns/")
    assert response.status_code == 200
    page = response.content.decode()
    for kind in ("overall", "platform", "wrapper", "account", "holding"):
        assert f'data-kind="{kind}"' in page
    assert f'data-scope="account:{isa.pk}"' in page and "Vanguard S&amp;P 500" in page
    assert "<svg" in page and 'class="series series--value"' in page and "series--invested" in page
    assert 'data-period="5Y"' in page and 'data-period="ALL"' in page
    # The YTD account figure: 1,000 in, ends with 990 cash + 10 units at 280p = 1,018.00.
    ytd = client.get("/portfolio/returns/", {"period": "YTD"}).content.decode()
    row = ytd[ytd.index(f'data-scope="account:{isa.pk}"'):][:2500]
    assert "+1.80%" in row and "£1,018.00" in row


@time_machine.travel(NOW)
def test_a_scope_chart_and_someone_elses_scope_is_404(client, user, other_user, invested):
    isa, _ = invested
    theirs, _ = _portfolio(other_user)
    client.force_login(user)
    mine = client.get("/portfolio/returns/", {"kind": "account", "key": str(isa.pk)})
    assert mine.status_code == 200 and "Stocks ISA: value and money invested" in mine.content.decode()
    assert client.get("/portfolio/returns/", {"kind": "account", "key": str(theirs.pk)}).status_code == 404
    assert client.get("/portfolio/returns/", {"kind": "holding", "key": "nope"}).status_code == 404


@time_machine.travel(NOW)
@pytest.mark.parametrize("query, field, message", [
    ({"period": "CUSTOM"}, "date_from", "Give the first day of the range."),
    ({"period": "CUSTOM", "date_from": "2026-03-01"}, "date_to", "Give the last day of the range."),
    ({"period": "CUSTOM", "date_from": "2026-05-01", "date_to": "2026-04-01"}, "date_to", "on or after the first day"),
    ({"period": "CUSTOM", "date_from": "2026-05-01", "date_to": "2026-12-01"}, "date_to", "cannot end after today"),
    ({"period": "CUSTOM", "date_from": "not-a-date", "date_to": "2026-04-01"}, "date_from", "Enter a valid date."),
    ({"period": "10Y"}, "period", "Select a valid choice."),
    ({"currency": "JPY"}, "currency", "Select a valid choice."),
])
def test_a_bad_range_is_a_400_with_the_field_error(client, user, invested, query, field, message):
    client.force_login(user)
    response = client.get("/portfolio/returns/", query)
    assert response.status_code == 400
    assert message in response.context["form"].errors[field][0]
    assert f'id="id_{field}-error"' in response.content.decode()


@time_machine.travel(NOW)
def test_a_custom_range(client, user, invested):
    isa, _ = invested
    client.force_login(user)
    response = client.get("/portfolio/returns/", {"period": "CUSTOM", "date_from": "2026-02-01",
                                                   "date_to": "2026-02-28"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Custom range 1 Feb 2026 – 28 Feb 2026" in page
    history = response.context["history"]
    assert history.first.day == date(2026, 2, 1) and history.last.day == date(2026, 2, 28)


@time_machine.travel(NOW)
def test_a_price_gap_says_why_instead_of_a_number(client, user):
    _portfolio(user, prices_until=date(2026, 3, 1))  # no prices since 1 March
    client.force_login(user)
    page = client.get("/portfolio/returns/", {"period": "YTD"}).content.decode()
    assert "Cannot be computed: " in page and "no price for Vanguard" in page
    assert "Some days have no value" in page


@time_machine.travel(NOW)
def test_holdings_in_their_own_currency(client, user, invested):
    client.force_login(user)
    response = client.get("/portfolio/returns/", {"currency": "local"})
    assert response.status_code == 200 and "holdings in their own currency" in response.content.decode()


def test_a_person_with_nothing_yet(client, user):
    client.force_login(user)
    for url in ("/portfolio/returns/", "/portfolio/allocation/", "/net-worth/"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "No trades yet" in client.get("/portfolio/returns/").content.decode()


@pytest.mark.parametrize("url", ["/portfolio/returns/", "/portfolio/allocation/", "/net-worth/"])
def test_pages_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- allocation -------------------------------------------------------------------------------
@time_machine.travel(NOW)
def test_allocation_page_one_line_with_both_platforms(client, user, invested):
    _, vusa = invested
    other = InvestmentConnection.objects.create(user=user, provider="other-broker", status=ConnectionStatus.ACTIVE)
    gia = InvestmentAccount.objects.create(connection=other, external_id="g", name="Dealing account",
                                           currency="GBP", wrapper="gia")
    snap = HoldingSnapshot.objects.create(account=gia, date=date(2026, 6, 30), as_of=NOW)
    Holding.objects.create(snapshot=snap, security=vusa, quantity=D(5), value=D("14.00"), currency="GBP")
    gia.current_snapshot = snap
    gia.save()
    client.force_login(user)
    response = client.get("/portfolio/allocation/")
    assert response.status_code == 200
    page = response.content.decode()
    for dimension in ("asset_class", "asset_subclass", "region", "country", "currency", "sector", "platform",
                      "wrapper"):
        assert f'data-dimension="{dimension}"' in page
    row = page[page.index(f'data-line="{vusa.pk}"'):][:1500]
    assert "Stocks ISA" in row and "Dealing account" in row and "£42.00" in row
    assert "Held on more than one platform" in page
    assert 'class="donut__slice"' in page and "stroke-dasharray" in page
    assert "£1,032.00" in page  # 990 cash + 28 + 14


@time_machine.travel(NOW)
def test_allocation_leaves_out_someone_elses_and_revoked(client, user, other_user, invested):
    _portfolio(other_user)
    client.force_login(user)
    found = client.get("/portfolio/allocation/").context["allocation"]
    assert found.total == D("1018.00")
    InvestmentConnection.objects.filter(user=user).update(status=ConnectionStatus.REVOKED)
    person_data_changed(user.pk)
    assert client.get("/portfolio/allocation/").context["allocation"].total == 0


# --- net worth -----------------------------------------------------------------------------------
@pytest.fixture
def banks(user):
    bank = BankConnection.objects.create(user=user, provider="truelayer", status=ConnectionStatus.ACTIVE,
                                         institution_name="Monzo")
    gone = BankConnection.objects.create(user=user, provider="truelayer", status=ConnectionStatus.REVOKED,
                                         institution_name="Old bank")
    current = BankAccount.objects.create(connection=bank, external_id="c", name="Current", currency="GBP",
                                         type="current", current_balance=D("1000.00"))
    card = BankAccount.objects.create(connection=bank, external_id="k", name="Card", currency="GBP",
                                      type="credit_card", current_balance=D("-250.00"))
    BankAccount.objects.create(connection=gone, external_id="o", name="Old", currency="GBP", type="current",
                               current_balance=D("5000.00"))
    BalanceSnapshot.objects.create(account=current, date=date(2026, 6, 1), current=D("900.00"), currency="GBP")
    BalanceSnapshot.objects.create(account=current, date=date(2026, 6, 29), current=D("1000.00"), currency="GBP")
    BalanceSnapshot.objects.create(account=card, date=date(2026, 6, 1), current=D("-250.00"), currency="GBP")
    return current, card


@time_machine.travel(NOW)
def test_net_worth_page_totals_families_institutions_and_manual_accounts(client, user, banks, invested):
    manual_account_create(user=user, name="Premium bonds", type="savings", currency="GBP", balance=D("500.00"))
    client.force_login(user)
    response = client.get("/net-worth/")
    assert response.status_code == 200
    page = response.content.decode()
    # 1,000 - 250 (card) + 1,018 (ISA) + 500 (manual); the revoked bank's 5,000 does not count.
    assert response.context["now"].total == D("2268.00")
    assert "£2,268.00" in page and "Old bank" not in page
    # A manual account is a bank account under the person's own "Added by you" connection.
    assert "Premium bonds" not in page  # a family and an institution line, not the account
    assert "Monzo" in page and "Fake Broker" in page and "Added by you" in page
    assert 'class="series series--value"' in page
    # The history: the last day is today's total.
    assert response.context["last"].total == D("2268.00")
    assert client.get("/net-worth/", {"range": "5Y"}).status_code == 200


def test_net_worth_bad_range_is_400(client, user):
    client.force_login(user)
    response = client.get("/net-worth/", {"range": "forever"})
    assert response.status_code == 400 and "Unknown range" in response.content.decode()


@time_machine.travel(NOW)
def test_a_manual_balance_changed_is_seen_at_once(client, user, banks):
    from open_banking.services.manual import manual_account_balance_update as manual_account_update

    account = manual_account_create(user=user, name="Cash", type="savings", currency="GBP", balance=D("10.00"))
    client.force_login(user)
    assert client.get("/net-worth/").context["now"].total == D("760.00")
    manual_account_update(account, balance=D("20.00"))
    assert client.get("/net-worth/").context["now"].total == D("770.00")


# --- caching ----------------------------------------------------------------------------------------
@time_machine.travel(NOW)
def test_pages_are_cached_until_a_sync_finishes(client, user, invested, django_assert_max_num_queries):
    from integrations_core.services import sync as sync_service

    isa, _ = invested
    client.force_login(user)
    for url in ("/portfolio/returns/", "/portfolio/allocation/", "/net-worth/"):
        client.get(url)
    with django_assert_max_num_queries(6):  # session, user: the figures come from the cache
        client.get("/portfolio/returns/")
        client.get("/portfolio/allocation/")
        client.get("/net-worth/")
    _txn(isa, "deposit", date(2026, 6, 1), "500.00")
    performance._LAST.clear()
    def account_row():
        page = client.get("/portfolio/returns/", {"period": "YTD"}).content.decode()
        return page[page.index(f'data-scope="account:{isa.pk}"'):][:2500]

    assert "+£1,000.00" in account_row()  # net money in: still the cached figure
    # The sync's end bumps the person's data version (integrations_core/services/sync.py).
    assert sync_service.person_data_changed is person_data_changed
    person_data_changed(user.pk)
    assert "+£1,500.00" in account_row()


def test_another_persons_cache_is_not_dropped(user, other_user):
    from integrations_core.person_cache import person_cached

    cache.clear()
    person_cached(other_user.pk, "x", lambda: 1)
    person_data_changed(user.pk)
    assert person_cached(other_user.pk, "x", lambda: 2) == 1
    assert person_cached(user.pk, "x", lambda: 3) == 3


# --- chart geometry ------------------------------------------------------------------------------------
def test_line_chart_breaks_at_a_gap_and_thins_long_series():
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(5)]
    chart = charts.line_chart(days, [("Value", "v", [D(1), D(2), None, D(4), D(5)])])
    assert len(chart.lines[0].paths) == 2 and chart.y_ticks[0].label == "£0"
    long = [date(2016, 1, 1) + timedelta(days=i) for i in range(3653)]
    chart = charts.line_chart(long, [("Value", "v", [D(i) for i in range(3653)])])
    assert chart.lines[0].paths[0].count("L") < charts.MAX_POINTS + 1
    assert chart.lines[0].paths[0].split(" L")[-1].startswith(f"{chart.plot_right:.1f} ")  # the last day kept
    assert charts.line_chart([], []).empty


def test_donut_slices_add_up_and_skip_negative_parts():
    ring = charts.donut([("A", D("60.00")), ("B", D("40.00")), ("Overdrawn", D("-1.00"))])
    assert [s.label for s in ring] == ["A", "B"] and ring[1].offset == "-35.00"


# --- the API behind the pages ------------------------------------------------------------------------
def test_the_schema_covers_every_figure_the_pages_show(client):
    import json

    schema = json.loads(client.get("/api/schema/", {"format": "json"}).content)
    for path in ("/api/v1/investments/returns/", "/api/v1/investments/returns/history/",
                 "/api/v1/investments/allocation/", "/api/v1/net-worth/"):
        assert path in schema["paths"], path
        assert "200" in schema["paths"][path]["get"]["responses"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/investments/returns/"]["get"]["parameters"]}
    assert {"period", "date_from", "date_to", "currency"} <= parameters


@time_machine.travel(NOW)
def test_net_worth_history_ends_at_the_reported_value_across_a_price_gap(client, user):
    _portfolio(user, prices_until=date(2026, 3, 1))  # the rebuild has no value after early March
    client.force_login(user)
    response = client.get("/net-worth/")
    assert response.context["now"].total == D("1018.00")  # 990 cash + the platform's 28.00
    assert response.context["last"].total == D("1018.00")  # not the last rebuilt value carried on


def test_a_sync_run_finishing_drops_the_persons_cached_figures(user, other_user, settings):
    """Through the real sync service: whatever the run's outcome, its end bumps the version."""
    settings.TRADING212_DEMO_URL = "http://127.0.0.1:9/api/v0"  # nothing listens: the run fails fast
    from integrations_core.person_cache import person_cached
    from integrations_core.services.sync import connection_sync

    connection = InvestmentConnection.objects.create(user=user, provider="trading212", status=ConnectionStatus.ACTIVE,
                                                     credentials={"api_key": "k", "api_secret": "s",
                                                                  "environment": "demo"})
    person_cached(user.pk, "probe", lambda: "before")
    person_cached(other_user.pk, "probe", lambda: "theirs")
    try:
        connection_sync(connection, trigger="manual")
    except Exception:  # noqa: BLE001 (no platform answers here; the outcome does not matter)
        pass
    assert person_cached(user.pk, "probe", lambda: "after") == "after"
    assert person_cached(other_user.pk, "probe", lambda: "again") == "theirs"
