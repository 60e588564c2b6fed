"""The investment cash ledger and the family-agnostic net worth: cash movements count, trades
do not; spending and budgets read the categorised (bank) ledger only, so a deposit from a bank
is never counted twice; net worth = bank balances + investment cash + holdings value."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from integrations_core.models import ConnectionStatus
from integrations_core.networth import net_worth
from integrations_core.selectors import cash_movements_counted
from integrations_core.services.imports.portfolio import portfolio_import
from investments.ledger import investment_ledger
from investments.models import InvestmentAccount
from tests.open_banking.conftest import bank_data  # noqa: F401 (fixture)
from transactions.selectors.spending import spent_by_category, user_main_currency

from .conftest import VUSA, holding, portfolio, snapshot, trade

pytestmark = pytest.mark.django_db
D = Decimal
JAN = (date(2026, 1, 1), date(2026, 3, 31))


@pytest.fixture
def invested(account):
    portfolio_import(account, portfolio(
        snap=snapshot(holding(VUSA, "10", value="650.00", book_cost="600.00"), cash="100.00"),
        transactions=[trade("deposit", date(2026, 1, 2), "500.00", external_id="d1"),
                      trade("buy", date(2026, 1, 3), "-600.00", security=VUSA, quantity="10", external_id="b1"),
                      trade("dividend", date(2026, 2, 1), "3.20", security=VUSA, external_id="v1"),
                      trade("fee", date(2026, 2, 2), "-1.00", external_id="f1")]))
    return account


def test_only_cash_movements_are_counted(invested, user):
    counted = investment_ledger.counted_movements(user)
    assert sorted(counted.values_list("external_id", flat=True)) == ["d1", "f1", "v1"]
    assert [list(qs.values_list("external_id", flat=True)) for qs in cash_movements_counted(user)][1] == \
        list(counted.values_list("external_id", flat=True))


def test_spending_reads_the_bank_ledger_only(invested, user):
    # A £500 deposit into the platform is the bank's outgoing transfer: counted once, there.
    assert spent_by_category(user, date_from=JAN[0], date_to=JAN[1], currency="GBP") == {}


def test_usd_investment_accounts_do_not_move_the_spending_currency(invested, user, bank_data):  # noqa: F811
    for n in range(3):
        InvestmentAccount.objects.create(connection=invested.connection, external_id=f"u{n}", name="US",
                                         currency="USD")
    assert user_main_currency(user) == "GBP"


def test_net_worth_adds_bank_balances_cash_and_holdings(invested, user, bank_data):  # noqa: F811
    worth = net_worth(user)
    assert worth.currency == "GBP"
    assert worth.by_family == {"banking": D("1190.20"), "investments": D("750.00"), "pensions": D("0"),
                               "payments": D("0")}
    assert worth.total == D("1940.20")
    assert worth.unknown == []


def test_a_revoked_investment_connection_is_history(invested, user):
    invested.connection.status = ConnectionStatus.REVOKED
    invested.connection.save()
    assert investment_ledger.counted_movements(user).count() == 0
    assert net_worth(user).by_family["investments"] == 0


def test_other_currencies_are_listed_not_converted(invested, user):
    InvestmentAccount.objects.create(connection=invested.connection, external_id="usd", name="US", currency="USD",
                                     current_balance=D("10.00"))
    worth = net_worth(user)
    assert (worth.currency, worth.total, worth.other_currencies) == ("GBP", D("750.00"), {"USD": D("10.00")})
