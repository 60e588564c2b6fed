"""Fixtures for the open banking tests: provider hosts pointed at test doubles, a `responses`
mock that fails on any request nobody registered, and payload loading."""

from __future__ import annotations

import pytest
import responses

TL_AUTH = "https://auth.truelayer.test"
TL_API = "https://api.truelayer.test"
GC_API = "https://bankaccountdata.gocardless.test/api/v2"


@pytest.fixture(autouse=True)
def provider_settings(settings):
    settings.TRUELAYER_AUTH_URL = TL_AUTH
    settings.TRUELAYER_API_URL = TL_API
    settings.TRUELAYER_CLIENT_ID = "test-client-id"
    settings.TRUELAYER_CLIENT_SECRET = "test-client-secret-XYZ"
    settings.TRUELAYER_PROVIDERS = "uk-ob-all uk-oauth-all"
    settings.GOCARDLESS_API_URL = GC_API
    settings.GOCARDLESS_SECRET_ID = "test-secret-id"
    settings.GOCARDLESS_SECRET_KEY = "test-secret-key-XYZ"
    settings.SYNC_POST_IMPORT_HOOKS = ["transactions.hooks.categorise_after_import"]
    return settings


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture(autouse=True)
def clear_cache():
    """Throttle counters live in the cache; one test's requests must not throttle the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bank_data(db, user):
    """A synced-looking TrueLayer connection with two accounts, transactions and snapshots,
    written through the ORM (the sync itself is covered by the provider contract tests)."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from integrations_core.models import ConnectionStatus
    from open_banking.models import BalanceSnapshot, BankAccount, BankConnection, BankTransaction

    today = timezone.localdate()
    connection = BankConnection.objects.create(
        user=user, provider="truelayer", status=ConnectionStatus.ACTIVE, institution_id="ob-lloyds",
        institution_name="Lloyds", access_token="tl-access-token-SECRET-0001",
        refresh_token="tl-refresh-token-SECRET-0001", token_expires_at=timezone.now() + timedelta(hours=1),
        consent_expires_at=timezone.now() + timedelta(days=60), last_synced_at=timezone.now())
    current = BankAccount.objects.create(connection=connection, external_id="acc-1", name="Club Lloyds",
                                         type="current", currency="GBP", current_balance=Decimal("1170.20"),
                                         masked_number="****5678")
    card = BankAccount.objects.create(connection=connection, external_id="card-1", name="Platinum",
                                      type="credit_card", currency="GBP", current_balance=Decimal("20.00"),
                                      credit_limit=Decimal("3300.00"))
    rows = [
        (current, "t1", 1, "-2.99", "GOOGLE PLAY STORE", "booked", "entertainment"),
        (current, "t2", 3, "-25.25", "PAYPAL EBAY", "booked", "shopping"),
        (current, "t3", 5, "1500.00", "ACME LTD SALARY", "booked", "income"),
        (current, "t4", 0, "-4.50", "COSTA COFFEE", "pending", ""),
        (card, "c1", 2, "-49.99", "AMAZON.CO.UK", "booked", "shopping"),
        (card, "c2", 4, "10.00", "AMAZON REFUND", "booked", "shopping"),
    ]
    txns = {}
    for account, ext, days, amount, description, status, category in rows:
        txns[ext] = BankTransaction.objects.create(
            account=account, external_id=ext, fingerprint=ext, booked_date=today - timedelta(days=days),
            amount=Decimal(amount), currency="GBP", description=description, status=status, category=category)
    for days in range(5):
        BalanceSnapshot.objects.create(account=current, date=today - timedelta(days=days),
                                       current=Decimal("1000") + days, currency="GBP")
    return {"connection": connection, "current": current, "card": card, "txns": txns, "today": today}
