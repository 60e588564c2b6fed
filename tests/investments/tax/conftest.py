"""A person with a GIA on one platform, an ISA and a USD GIA on another, and builders for their
trades: enough to check which accounts count, that pooling is per person and not per account,
and that foreign-currency trades are converted on the trade date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from integrations_core.models import ConnectionStatus
from investments.models import InvestmentAccount, InvestmentConnection, InvestmentTransaction, Security


class FixedFx:
    """1 USD = 0.80 GBP before 2024-07-01, 0.75 from then; nothing for other currencies."""

    name = "test"

    def rate(self, base: str, quote: str, on: date) -> Decimal | None:
        if (base, quote) != ("USD", "GBP"):
            return None
        return Decimal("0.80") if on < date(2024, 7, 1) else Decimal("0.75")


@pytest.fixture
def fx():
    return FixedFx()


def _connection(user, provider: str) -> InvestmentConnection:
    return InvestmentConnection.objects.create(user=user, provider=provider, status=ConnectionStatus.ACTIVE,
                                               institution_name=provider.title())


@pytest.fixture
def accounts(user):
    one, two = _connection(user, "broker-one"), _connection(user, "broker-two")
    return {
        "gia": InvestmentAccount.objects.create(connection=one, external_id="gia", name="Broker One GIA",
                                                currency="GBP", wrapper="gia"),
        "isa": InvestmentAccount.objects.create(connection=one, external_id="isa", name="Broker One ISA",
                                                currency="GBP", wrapper="isa"),
        "usd": InvestmentAccount.objects.create(connection=two, external_id="usd", name="Broker Two USD",
                                                currency="USD", wrapper="gia"),
        "other": InvestmentAccount.objects.create(connection=two, external_id="x", name="Broker Two unknown",
                                                  currency="GBP", wrapper="other"),
    }


@pytest.fixture
def security(db):
    return Security.objects.create(name="Lobster plc", isin="GB0000000001", ticker="LOB", quote_currency="GBP")


def trade(account, type_, day, *, security=None, quantity=None, amount="0", fees="0", taxes="0", ref=None,
          price=None, price_currency=""):
    return InvestmentTransaction.objects.create(
        account=account, external_id=ref or f"{account.external_id}-{type_}-{day}-{quantity}-{amount}",
        fingerprint="f", type=type_, booked_date=day, amount=Decimal(amount), currency=account.currency,
        description=type_, security=security, quantity=None if quantity is None else Decimal(quantity),
        fees=Decimal(fees), taxes=Decimal(taxes), price=None if price is None else Decimal(price),
        price_currency=price_currency)


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
