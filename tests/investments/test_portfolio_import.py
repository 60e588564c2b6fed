"""The portfolio write paths: securities by alias then ISIN, holding snapshots, valuations, and
the whole portfolio atomically."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from integrations_core.providers.errors import BadProviderResponse, ProviderUnavailable
from integrations_core.records import SecurityRecord, ValuationRecord
from integrations_core.services.imports import portfolio as service
from integrations_core.services.imports.portfolio import (
    IncompleteSnapshot,
    holding_snapshot_import,
    portfolio_import,
    securities_upsert,
    valuation_upsert,
)
from investments.models import (
    AccountValuation,
    Holding,
    HoldingSnapshot,
    InvestmentConnection,
    Security,
    SecurityAlias,
)

from .conftest import (
    AAPL,
    AS_OF,
    CASH_FUND,
    DAY,
    PROVIDER,
    VUSA,
    holding,
    portfolio,
    snapshot,
    table_state,
    trade,
)

pytestmark = pytest.mark.django_db
T1, T2 = "2026-03-02 17:00Z", "2026-03-02 18:00Z"  # two sync times, so a rewritten updated_at shows


def upsert(records, slug=PROVIDER):
    return securities_upsert(slug, records, connection_model=InvestmentConnection)


# --- securities --------------------------------------------------------------------------------


def test_securities_are_created_once_with_an_alias_each():
    found = upsert([VUSA, AAPL, CASH_FUND])
    assert {k: v.name for k, v in found.items()} == {"VUSA_EQ": VUSA.name, "AAPL_US_EQ": "Apple Inc",
                                                     "MMF": "Money market fund"}
    assert found["VUSA_EQ"].quote_currency == "GBX"
    again = upsert([VUSA, AAPL, CASH_FUND])
    assert {k: v.pk for k, v in again.items()} == {k: v.pk for k, v in found.items()}
    assert Security.objects.count() == 3 and SecurityAlias.objects.count() == 3


def test_another_provider_finds_the_security_by_isin_and_gains_an_alias():
    first = upsert([VUSA])["VUSA_EQ"]
    theirs = SecurityRecord(external_id="conid-123", name="VANGUARD S&P500", isin="ie00b3xxrp09", sector="Funds")
    second = upsert([theirs], slug="other-broker")["conid-123"]
    assert second.pk == first.pk
    second.refresh_from_db()
    assert second.name == VUSA.name  # a shared security is not renamed by each provider...
    assert second.sector == "Funds"  # ...but gains what it lacked
    assert set(SecurityAlias.objects.values_list("provider", "external_id")) == {
        (PROVIDER, "VUSA_EQ"), ("other-broker", "conid-123")}


def test_the_alias_wins_over_the_isin():
    mine = upsert([CASH_FUND])["MMF"]
    other = Security.objects.create(name="Something else", isin="GB00B1234567")
    # The provider now reports an ISIN that another security holds: the alias keeps its mapping
    # and the ISIN is not copied (that would break uniqueness or silently merge two instruments).
    found = upsert([replace(CASH_FUND, isin="GB00B1234567")])["MMF"]
    assert found.pk == mine.pk != other.pk
    found.refresh_from_db()
    assert found.isin == ""


def test_a_malformed_isin_never_merges_two_securities():
    a = upsert([SecurityRecord(external_id="a", name="A", isin="N/A")])["a"]
    b = upsert([SecurityRecord(external_id="b", name="B", isin="N/A")])["b"]
    assert a.pk != b.pk and a.isin == b.isin == ""


# --- holding snapshots -------------------------------------------------------------------------


def full_portfolio(**overrides):
    snap = snapshot(holding(VUSA, "10.5", price="8123.5", price_currency="GBX", book_cost="800"),
                    holding(AAPL, "0.1234567891", value="20.00"))
    return portfolio(snap=overrides.pop("snap", snap), **overrides)


def test_snapshot_holdings_values_cash_and_valuation(account):
    result = portfolio_import(account, full_portfolio())
    assert result.holdings.as_dict() == {"added": 2, "updated": 0, "removed": 0}
    account.refresh_from_db()
    snap = account.current_snapshot
    assert snap.date == DAY and snap.source == "synced"
    vusa = snap.holdings.get(security__isin=VUSA.isin)
    assert vusa.price == Decimal("8123.5") and vusa.price_currency == "GBX"  # stored as sent
    assert vusa.value == Decimal("852.97")  # 10.5 x £81.235 = 852.9675, computed, so rounded to pence
    assert snap.holdings.get(security__isin=AAPL.isin).quantity == Decimal("0.1234567891")
    assert account.current_balance == Decimal("100.00")
    assert snap.value == Decimal("972.97")  # holdings + cash
    assert AccountValuation.objects.get(account=account, date=DAY).value == Decimal("972.97")


def test_reimporting_the_same_portfolio_changes_nothing(account):
    data = full_portfolio(transactions=[trade("buy", DAY, "-800", security=VUSA, quantity="10.5"),
                                        trade("deposit", DAY, "1000")])
    with time_machine.travel(T1, tick=False):
        portfolio_import(account, data)
    before = table_state()
    with time_machine.travel(T2, tick=False):
        result = portfolio_import(account, data)
    assert result.as_dict()["added"] == result.updated == result.removed == 0
    assert table_state() == before


def test_a_second_snapshot_the_same_day_updates_in_place(account):
    with time_machine.travel(T1, tick=False):
        portfolio_import(account, full_portfolio())
    untouched = Holding.objects.get(security__isin=AAPL.isin)
    later = snapshot(holding(AAPL, "0.1234567891", value="20.00"), holding(VUSA, "11", value="900"),
                     as_of=AS_OF + timedelta(hours=1))
    with time_machine.travel(T2, tick=False):
        result = portfolio_import(account, portfolio(snap=later))
    assert result.holdings.as_dict() == {"added": 0, "updated": 1, "removed": 0}
    assert HoldingSnapshot.objects.count() == 1
    assert Holding.objects.get(security__isin=AAPL.isin).updated_at == untouched.updated_at
    assert Holding.objects.get(security__isin=VUSA.isin).quantity == Decimal("11")


def test_vanished_holdings_are_removed(account):
    portfolio_import(account, full_portfolio())
    sold_out = snapshot(holding(AAPL, "0.1234567891", value="20.00"))
    result = portfolio_import(account, portfolio(snap=sold_out))
    assert result.holdings.removed == 1
    account.refresh_from_db()
    assert [h.security.isin for h in account.current_snapshot.holdings.all()] == [AAPL.isin]
    assert Security.objects.filter(isin=VUSA.isin).exists()  # reference data stays


def test_next_days_snapshot_keeps_yesterdays_and_becomes_current(account):
    portfolio_import(account, full_portfolio())
    tomorrow = snapshot(holding(AAPL, "1", value="150"), as_of=AS_OF + timedelta(days=1))
    portfolio_import(account, portfolio(snap=tomorrow))
    account.refresh_from_db()
    assert account.current_snapshot.date == DAY + timedelta(days=1)
    assert HoldingSnapshot.objects.count() == 2 and AccountValuation.objects.count() == 2


def test_an_old_statement_does_not_replace_the_current_portfolio(account):
    portfolio_import(account, full_portfolio())
    old = snapshot(holding(AAPL, "5", value="500"), cash="1.00", as_of=AS_OF - timedelta(days=30))
    portfolio_import(account, portfolio(snap=old), source="statement")
    account.refresh_from_db()
    assert account.current_snapshot.date == DAY
    assert account.current_balance == Decimal("100.00")
    assert HoldingSnapshot.objects.get(date=DAY - timedelta(days=30)).source == "statement"


def test_an_unknown_value_leaves_the_total_and_valuation_empty(account):
    foreign = snapshot(holding(AAPL, "1", price="190.5", price_currency="USD"))  # needs FX to value
    portfolio_import(account, portfolio(snap=foreign))
    assert HoldingSnapshot.objects.get().value is None
    assert not AccountValuation.objects.exists()


def test_incomplete_snapshot_writes_nothing_and_keeps_the_previous_one(account):
    portfolio_import(account, full_portfolio())
    before = table_state()
    half = snapshot(holding(AAPL, "3", value="60"), as_of=AS_OF + timedelta(days=1), complete=False)
    new_security = SecurityRecord(external_id="NEW", name="New", isin="GB0000000001")
    with pytest.raises(IncompleteSnapshot):
        portfolio_import(account, portfolio(securities=[AAPL, new_security], snap=half,
                                            transactions=[trade("deposit", DAY, "5")]))
    with pytest.raises(IncompleteSnapshot):
        holding_snapshot_import(account, half, {})
    assert table_state() == before


@pytest.mark.parametrize("error_field", ["snapshot_error", "transactions_error"])
def test_a_part_that_failed_at_the_provider_writes_nothing(account, error_field):
    portfolio_import(account, full_portfolio())
    before = table_state()
    data = full_portfolio(transactions=[trade("deposit", DAY, "5")], **{error_field: ProviderUnavailable()})
    with pytest.raises(ProviderUnavailable):
        portfolio_import(account, data)
    assert table_state() == before


def test_a_holding_of_an_unknown_security_is_refused(account):
    with pytest.raises(BadProviderResponse):
        portfolio_import(account, portfolio(securities=[VUSA], snap=snapshot(holding(AAPL, "1", value="1"))))
    assert table_state()["Security"] == []


def test_a_failure_mid_import_leaves_nothing_half_written(account, monkeypatch):
    portfolio_import(account, full_portfolio())
    before = table_state()

    def boom(*args, **kwargs):
        raise RuntimeError("worker died after the securities were written")

    monkeypatch.setattr(service, "holding_snapshot_import", boom)
    newer = snapshot(holding(CASH_FUND, "1", value="1"), as_of=AS_OF + timedelta(days=1))
    with pytest.raises(RuntimeError):
        portfolio_import(account, portfolio(securities=[CASH_FUND, AAPL], snap=newer))
    assert table_state() == before  # the new security and alias rolled back with the rest


def test_valuation_upsert_keeps_one_per_day(account):
    assert valuation_upsert(account, ValuationRecord(as_of=date(2026, 1, 5), value=Decimal("10"), currency="GBP"))
    assert not valuation_upsert(account, ValuationRecord(as_of=date(2026, 1, 5), value=Decimal("10.0000"),
                                                         currency="GBP"))
    assert valuation_upsert(account, ValuationRecord(as_of=date(2026, 1, 5), value=Decimal("11"), currency="GBP",
                                                     source="manual"))
    assert list(AccountValuation.objects.values_list("value", "source")) == [(Decimal("11"), "manual")]
