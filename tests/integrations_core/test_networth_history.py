"""Net worth through the ledgers: credit cards subtract, revoked connections do not count,
the daily history carries each account's last known value forward, split by institution."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache

from integrations_core.models import ConnectionStatus
from integrations_core.networth import net_worth, net_worth_history
from open_banking.models import BalanceSnapshot, BankAccount, BankConnection

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def banks(user):
    monzo = BankConnection.objects.create(user=user, provider="truelayer", status=ConnectionStatus.ACTIVE,
                                          institution_name="Monzo")
    amex = BankConnection.objects.create(user=user, provider="truelayer", status=ConnectionStatus.ACTIVE,
                                         institution_name="Amex")
    gone = BankConnection.objects.create(user=user, provider="truelayer", status=ConnectionStatus.REVOKED,
                                         institution_name="Old bank")
    current = BankAccount.objects.create(connection=monzo, external_id="c", name="Current", currency="GBP",
                                         type="current", current_balance=D("1000.00"))
    card = BankAccount.objects.create(connection=amex, external_id="k", name="Card", currency="GBP",
                                      type="credit_card", current_balance=D("-250.00"))
    BankAccount.objects.create(connection=gone, external_id="o", name="Old", currency="GBP", type="current",
                               current_balance=D("5000.00"))
    BalanceSnapshot.objects.create(account=current, date=date(2026, 1, 1), current=D("900.00"), currency="GBP")
    BalanceSnapshot.objects.create(account=current, date=date(2026, 1, 3), current=D("1000.00"), currency="GBP")
    BalanceSnapshot.objects.create(account=card, date=date(2026, 1, 2), current=D("-250.00"), currency="GBP")
    return current, card


def test_credit_cards_subtract_and_revoked_connections_do_not_count(banks, user):
    worth = net_worth(user)
    assert worth.total == D("750.00")
    assert worth.by_institution == {"Monzo": D("1000.00"), "Amex": D("-250.00")}


def test_history_carries_the_last_known_balance_forward(banks, user):
    history = net_worth_history(user, date_from=date(2026, 1, 1), date_to=date(2026, 1, 4), currency="GBP")
    assert [d.total for d in history.days] == [D("900.00"), D("650.00"), D("750.00"), D("750.00")]
    assert [d.accounts_known for d in history.days] == [1, 2, 2, 2]
    assert history.by_institution == {"Monzo": D("1000.00"), "Amex": D("-250.00")}


def test_the_budgets_page_shows_the_same_net_worth(banks, user, client):
    client.force_login(user)
    page = client.get("/budgets/").content.decode()
    section = page[page.index("net-worth-summary"):][:300]
    assert "Net worth:</strong> 750.00 GBP" in section, section
