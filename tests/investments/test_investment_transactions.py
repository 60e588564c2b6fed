"""Investment transactions through portfolio_import: deduplicated by provider id, else by a
fingerprint; re-imports and overlapping statements never duplicate; only synced answers remove."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from integrations_core.providers.errors import BadProviderResponse
from integrations_core.services.imports.portfolio import portfolio_import
from investments.models import InvestmentTransaction

from .conftest import AAPL, VUSA, portfolio, table_state, trade

pytestmark = pytest.mark.django_db
D1, D2, D3, D4 = (date(2026, 2, d) for d in (2, 3, 4, 5))


def january_to_march():
    """A statement's rows, without ids (as HL and Vanguard CSVs): two identical fills on D2."""
    return [
        trade("deposit", D1, "1000"),
        trade("buy", D2, "-400.00", security=VUSA, quantity="5", price=Decimal("8000"), price_currency="GBX"),
        trade("buy", D2, "-400", security=VUSA, quantity="5.0", price=Decimal("8000"), price_currency="GBX"),
        trade("dividend", D3, "3.20", security=VUSA),
        trade("fee", D4, "-1.00"),
    ]


def test_rows_are_written_with_their_columns(account):
    result = portfolio_import(account, portfolio(transactions=january_to_march()), source="statement")
    assert result.transactions.as_dict() == {"added": 5, "updated": 0, "removed": 0}
    buys = InvestmentTransaction.objects.filter(type="buy")
    assert buys.count() == 2  # genuine twins both survive
    buy = buys.first()
    assert (buy.security.isin, buy.quantity, buy.price, buy.price_currency) == (VUSA.isin, 5, 8000, "GBX")
    assert buy.description == f"Buy {VUSA.name}"
    assert set(InvestmentTransaction.objects.values_list("type", flat=True)) == {"deposit", "buy", "dividend", "fee"}


def test_reimporting_the_same_statement_changes_nothing(account):
    with time_machine.travel("2026-03-01 09:00Z", tick=False):
        portfolio_import(account, portfolio(transactions=january_to_march()), source="statement")
    before = table_state()
    with time_machine.travel("2026-03-01 10:00Z", tick=False):
        result = portfolio_import(account, portfolio(transactions=january_to_march()), source="statement")
    assert result.as_dict()["transactions"] == {"added": 0, "updated": 0, "removed": 0}
    assert table_state() == before


def test_an_overlapping_statement_adds_only_the_new_days(account):
    rows = january_to_march()
    portfolio_import(account, portfolio(transactions=rows[:4]), source="statement")  # D1..D3
    # The next file starts on D2 (both fills again) and adds D4; it says nothing about D1.
    result = portfolio_import(account, portfolio(transactions=rows[1:]), source="statement")
    assert result.transactions.as_dict() == {"added": 1, "updated": 0, "removed": 0}
    assert InvestmentTransaction.objects.count() == 5


def test_provider_ids_dedupe_and_changes_are_applied(account):
    first = [trade("buy", D2, "-190.50", security=AAPL, quantity="1", external_id="ord-1"),
             trade("dividend", D3, "0.24", security=AAPL, external_id="div-1")]
    portfolio_import(account, portfolio(transactions=first))
    amended = [trade("buy", D2, "-190.75", security=AAPL, quantity="1", external_id="ord-1"), first[1]]
    result = portfolio_import(account, portfolio(transactions=amended))
    assert result.transactions.as_dict() == {"added": 0, "updated": 1, "removed": 0}
    assert InvestmentTransaction.objects.get(external_id="ord-1").amount == Decimal("-190.75")


def test_fields_the_person_edited_are_left_alone(account):
    rows = [trade("deposit", D1, "1000", external_id="dep-1", description="Top up")]
    portfolio_import(account, portfolio(transactions=rows))
    InvestmentTransaction.objects.update(description="Birthday money", locked_fields=["description"])
    portfolio_import(account, portfolio(transactions=[trade("deposit", D1, "1000", external_id="dep-1",
                                                            description="Top up (bank transfer)")]))
    assert InvestmentTransaction.objects.get().description == "Birthday money"


def test_a_synced_window_removes_what_the_platform_no_longer_reports(account):
    rows = [trade("buy", D2, "-10", security=AAPL, quantity="1", external_id="o1"),
            trade("buy", D3, "-10", security=AAPL, quantity="1", external_id="o2"),
            trade("buy", D1, "-10", security=AAPL, quantity="1", external_id="o0")]
    portfolio_import(account, portfolio(transactions=rows))
    # The platform cancelled o2. Its answer covers D1..D4, but D1 (its first day) is not trusted.
    result = portfolio_import(account, portfolio(transactions=[rows[0]], window=(D1, D4)))
    assert result.transactions.removed == 1
    assert set(InvestmentTransaction.objects.values_list("external_id", flat=True)) == {"o0", "o1"}


def test_a_statement_never_removes_anything(account):
    portfolio_import(account, portfolio(transactions=january_to_march()), source="statement")
    result = portfolio_import(account, portfolio(transactions=january_to_march()[:1], window=(D1, D4)),
                              source="statement")
    assert result.transactions.removed == 0
    assert InvestmentTransaction.objects.count() == 5


def test_a_trade_in_an_unknown_security_writes_nothing(account):
    bad = [trade("deposit", D1, "5"), trade("buy", D2, "-1", security=VUSA, quantity="1")]
    with pytest.raises(BadProviderResponse):
        portfolio_import(account, portfolio(securities=[AAPL], transactions=bad))
    assert table_state()["InvestmentTransaction"] == [] and table_state()["Security"] == []


def test_a_trade_repeated_in_one_answer_is_written_once(account):
    # Overlapping pages can list one order twice: the platform's id names one trade.
    fill = trade("buy", D2, "-10", security=AAPL, quantity="1", external_id="ord-9")
    result = portfolio_import(account, portfolio(transactions=[fill, fill]))
    assert result.transactions.added == 1
    assert InvestmentTransaction.objects.get().external_id == "ord-9"


def test_rows_go_through_the_shared_row_writer(account, monkeypatch):
    from integrations_core.services.imports import investment_transactions as module

    calls = []
    real = module.transaction_rows_write

    def spy(account, keyed, **kwargs):
        calls.append((kwargs["spec"], type(kwargs["removals"]).__name__))
        return real(account, keyed, **kwargs)

    monkeypatch.setattr(module, "transaction_rows_write", spy)
    portfolio_import(account, portfolio(transactions=january_to_march()), source="statement")
    portfolio_import(account, portfolio(transactions=january_to_march(), window=(D1, D4)))
    assert [name for _, name in calls] == ["ExplicitReconciler", "WindowReconciler"]
    assert all(spec is InvestmentTransaction.row_spec and spec.claims is False for spec, _ in calls)
