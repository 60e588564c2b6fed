"""Investment selectors: figures per account and wrapper, holdings rows (GBX exact), the
reconciliation against stored trades, the lists, and their query counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection as db_connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from integrations_core.models import RecordSource
from integrations_core.services.imports.portfolio import portfolio_import
from investments import selectors
from investments.models import HoldingSnapshot, InvestmentAccount, InvestmentConnection, Security

from .conftest import AAPL, VUSA, holding, portfolio, snapshot, trade

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def synced(account):
    """VUSA 10 units at 6,500.00 GBX (value 650.00, book cost 600.00) and £100 cash; the history
    bought 10 VUSA for £600.00 and 2 AAPL the platform no longer reports."""
    data = portfolio(
        snap=snapshot(holding(VUSA, "10", price="6500.00", price_currency="GBX", value="650.00", book_cost="600.00")),
        transactions=[trade("deposit", date(2026, 1, 2), "1000.00", external_id="d1"),
                      trade("buy", date(2026, 1, 3), "-600.00", security=VUSA, quantity="10", external_id="b1"),
                      trade("buy", date(2026, 1, 4), "-300.00", security=AAPL, quantity="2", external_id="b2"),
                      trade("dividend", date(2026, 2, 1), "3.20", security=VUSA, external_id="v1")])
    portfolio_import(account, data)
    account.refresh_from_db()
    return account


def test_account_holdings_quote_price_as_sent_and_in_pounds_exactly(synced):
    [row] = selectors.account_holdings(synced)
    assert (row.security.isin, row.quantity, row.price, row.price_currency) == (VUSA.isin, D(10), D("6500.00"), "GBX")
    assert row.account_price == D("65.0000")
    assert (row.value, row.book_cost, row.gain, row.gain_percent) == (D("650.00"), D("600.00"), D("50.00"), D("8.33"))
    assert row.source == RecordSource.SYNCED


def test_portfolio_summary_groups_by_wrapper_with_totals(synced, user):
    manual_connection = InvestmentConnection.objects.create(user=user, provider="manual", status="active")
    InvestmentAccount.objects.create(connection=manual_connection, external_id="m", name="Old GIA", currency="GBP",
                                     wrapper="gia", is_manual=True, current_balance=D("5.00"))
    groups = selectors.portfolio_summary(user)
    assert [g.wrapper for g in groups] == ["isa", "gia"]
    [isa] = groups[0].accounts
    figures = isa.figures
    assert (figures.cash, figures.holdings_value, figures.book_cost, figures.value) == (
        D("100.00"), D("650.00"), D("600.00"), D("750.00"))
    assert (figures.gain, figures.gain_percent) == (D("50.00"), D("8.33"))
    [gia_total] = groups[1].totals
    assert (gia_total.currency, gia_total.value, gia_total.gain) == ("GBP", D("5.00"), D("0"))


def test_reconciliation_reports_what_the_platform_no_longer_holds(synced):
    differences = selectors.account_reconciliation(synced)
    assert [(d.security_external_id, d.field, d.ours) for d in differences] == [
        (AAPL.isin, "missing_on_platform", D(2))]


def test_reconciliation_has_nothing_to_compare_for_statement_or_manual_snapshots(synced):
    HoldingSnapshot.objects.filter(pk=synced.current_snapshot_id).update(source=RecordSource.STATEMENT)
    synced.refresh_from_db()
    assert selectors.account_reconciliation(synced) == []
    synced.current_snapshot = None
    assert selectors.account_reconciliation(synced) == []


def test_lists_and_filters(synced, user, other_user):
    vusa = Security.objects.get(isin=VUSA.isin)
    assert {s.isin for s in selectors.security_list_for(user)} == {VUSA.isin, AAPL.isin}
    assert selectors.security_list_for(other_user).count() == 0
    with pytest.raises(Http404):
        selectors.security_get_for(other_user, vusa.pk)
    with pytest.raises(Http404):
        selectors.investment_account_get(other_user, synced.pk)
    assert [t.external_id for t in selectors.security_transactions(synced, vusa)] == ["b1", "v1"]
    assert [t.external_id for t in selectors.investment_transaction_list(user, {"type": "buy"})] == ["b2", "b1"]
    assert [t.external_id for t in selectors.investment_transaction_list(
        user, {"amount_min": D("0"), "date_from": date(2026, 1, 10)})] == ["v1"]
    assert [h.security_id for h in selectors.holding_list(user)] == [vusa.pk]
    assert selectors.holding_list(other_user).count() == 0


def test_summary_queries_do_not_grow_with_accounts_or_holdings(synced, user):
    def count() -> int:
        with CaptureQueriesContext(db_connection) as queries:
            groups = selectors.portfolio_summary(user)
            for group in groups:
                for summary in group.accounts:
                    selectors.account_holdings(summary.account)
        return len(queries)

    before = count()
    for n in range(3):
        other = InvestmentAccount.objects.create(connection=synced.connection, external_id=f"x{n}", name=f"GIA {n}",
                                                 currency="GBP", wrapper="gia")
        portfolio_import(other, portfolio(snap=snapshot(holding(VUSA, "1", value="65.00"),
                                                        holding(AAPL, "1", value="150.00"))))
    assert count() == before == 2
