"""Fixtures for the web pages: a logged-in client and a synced-looking bank connection written
through the ORM (the real sync is covered by the sandbox and browser tests)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import responses
from django.core.cache import cache
from django.utils import timezone

from integrations_core.models import ConnectionStatus
from open_banking.models import BalanceSnapshot, BankAccount, BankConnection, BankTransaction


@pytest.fixture(autouse=True)
def clear_cache():
    """Throttle counters live in the cache; one test's requests must not throttle the next."""
    cache.clear()
    yield
    cache.clear()


TL_AUTH = "https://auth.truelayer.test"
TL_API = "https://api.truelayer.test"


@pytest.fixture(autouse=True)
def provider_settings(settings):
    """Providers configured against hosts that do not exist: any HTTP call not mocked fails."""
    settings.TRUELAYER_AUTH_URL = TL_AUTH
    settings.TRUELAYER_API_URL = TL_API
    settings.TRUELAYER_CLIENT_ID = "test-client-id"
    settings.TRUELAYER_CLIENT_SECRET = "test-client-secret"
    settings.GOCARDLESS_API_URL = "https://bankaccountdata.gocardless.test/api/v2"
    settings.GOCARDLESS_SECRET_ID = "test-secret-id"
    settings.GOCARDLESS_SECRET_KEY = "test-secret-key"
    settings.REVOKED_DATA_RETENTION_DAYS = 30
    return settings


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def queue_only(monkeypatch):
    """Queued syncs stay queued (no worker picks them up), as on a busy production queue."""
    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async", lambda *a, **k: None)


@pytest.fixture
def web(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def other_web(client_factory, other_user):
    client = client_factory()
    client.force_login(other_user)
    return client


@pytest.fixture
def client_factory():
    from django.test import Client

    return Client


def make_connection(user, **fields) -> BankConnection:
    values = {"provider": "truelayer", "status": ConnectionStatus.ACTIVE, "institution_id": "ob-lloyds",
              "institution_name": "Lloyds", "access_token": "tl-access", "refresh_token": "tl-refresh",
              "token_expires_at": timezone.now() + timedelta(hours=1),
              "consent_expires_at": timezone.now() + timedelta(days=60), "last_synced_at": timezone.now()}
    values.update(fields)
    return BankConnection.objects.create(user=user, **values)


@pytest.fixture
def bank(db, user):
    today = timezone.localdate()
    connection = make_connection(user)
    current = BankAccount.objects.create(connection=connection, external_id="acc-1", name="Club Lloyds",
                                         type="current", currency="GBP", current_balance=Decimal("1170.20"),
                                         available_balance=Decimal("1100.00"))
    card = BankAccount.objects.create(connection=connection, external_id="card-1", name="Platinum",
                                      type="credit_card", currency="GBP", current_balance=Decimal("40.00"))
    rows = [
        (current, "t1", 0, "-2.99", "GOOGLE PLAY STORE", "booked", "ENTERTAINMENT_VIDEO_GAMES"),
        (current, "t2", 0, "-25.25", "TESCO STORES 123", "booked", "FOOD_AND_DRINK_GROCERIES"),
        (current, "t3", 1, "1500.00", "ACME LTD SALARY", "booked", "INCOME_SALARY"),
        (current, "t4", 0, "-4.50", "COSTA COFFEE", "pending", "FOOD_AND_DRINK_COFFEE"),
        (card, "c1", 1, "-49.99", "AMAZON.CO.UK", "booked", "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES"),
        (card, "c2", 2, "=HYPERLINK(1)", "", "booked", ""),
    ]
    txns = {}
    for account, ext, days, amount, description, status, category in rows:
        if amount.startswith("="):  # a description a spreadsheet would run: the CSV must defuse it
            amount, description = "-10.00", "=HYPERLINK(\"x\")"
        txns[ext] = BankTransaction.objects.create(
            account=account, external_id=ext, fingerprint=ext, booked_date=today - timedelta(days=days),
            amount=Decimal(amount), currency="GBP", description=description, status=status, category=category)
    BalanceSnapshot.objects.create(account=current, date=today, current=Decimal("1170.20"), currency="GBP")
    return {"connection": connection, "current": current, "card": card, "txns": txns, "today": today}
