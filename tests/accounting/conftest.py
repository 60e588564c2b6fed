from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounting.models import BooksConnection
from integrations_core.models import ConnectionStatus
from integrations_core.providers.registry import registry

from .fakes import FakeBooksProvider


@pytest.fixture
def books_provider():
    provider = FakeBooksProvider()
    registry.register(provider)
    yield provider
    registry.unregister(provider.slug)


@pytest.fixture
def make_books_connection(user, books_provider):
    def make(owner=None, **fields):
        values = {"user": owner or user, "provider": books_provider.slug, "status": ConnectionStatus.ACTIVE,
                  "access_token": "access-secret", "refresh_token": "refresh-secret",
                  "token_expires_at": timezone.now() + timedelta(hours=1), "institution_name": "Fake Books"}
        values.update(fields)
        return BooksConnection.objects.create(**values)

    return make


@pytest.fixture
def books_connection(make_books_connection):
    return make_books_connection()


# The mock Xero fixtures, for every test of the family (the provider's, the push's, the API's).
from .xero_fixtures import frozen, xero_connect, xero_http, xero_settings  # noqa: E402,F401


@pytest.fixture(autouse=True)
def clear_cache():
    """Push locks and the mock Xero's call counters live in the cache."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_bank_account(user):
    """One of the person's bank accounts with categorised transactions, written through the ORM
    (how they got there is the banks' tests' business)."""
    from datetime import date
    from decimal import Decimal

    from open_banking.models import BankAccount, BankConnection, BankTransaction

    def make(owner=None, *, name="Business Current", rows=None):
        owner = owner or user
        connection = BankConnection.objects.create(user=owner, provider="truelayer", status=ConnectionStatus.ACTIVE,
                                                   institution_name="Sandbox Bank")
        account = BankAccount.objects.create(connection=connection, external_id=f"acc-{name}", name=name,
                                             currency="GBP", type="current")
        for n, (day, amount, description, category) in enumerate(rows if rows is not None else [
            (date(2026, 3, 2), "-12.50", "PRET A MANGER", "FOOD_AND_DRINK_RESTAURANT"),
            (date(2026, 3, 3), "-64.10", "SHELL", "TRANSPORTATION_GAS"),
            (date(2026, 3, 4), "850.00", "FASTER PAYMENT FROM GILES LLC", "INCOME_CONTRACTOR"),
            (date(2026, 3, 5), "-20.00", "CASH", ""),
        ]):
            BankTransaction.objects.create(account=account, external_id=f"tx-{name}-{n}", fingerprint=f"fp{n}",
                                           booked_date=day, amount=Decimal(amount), currency="GBP",
                                           description=description, merchant_name=description.title(),
                                           category=category)
        return account

    return make
