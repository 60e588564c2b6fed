from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations_core.models import ConnectionStatus
from integrations_core.providers.registry import registry
from integrations_core.records import AccountRecord
from open_banking.models import BankConnection

from .fakes import FakeBankProvider


@pytest.fixture
def fake_provider():
    provider = FakeBankProvider()
    registry.register(provider)
    yield provider
    registry.unregister(provider.slug)


@pytest.fixture
def make_connection(user, fake_provider):
    def make(owner=None, **fields):
        values = {
            "user": owner or user, "provider": fake_provider.slug, "status": ConnectionStatus.ACTIVE,
            "access_token": "access-token-secret-AAA", "refresh_token": "refresh-token-secret-BBB",
            "token_expires_at": timezone.now() + timedelta(hours=1), "institution_name": "Fake Bank",
        }
        values.update(fields)
        return BankConnection.objects.create(**values)

    return make


@pytest.fixture
def connection(make_connection):
    return make_connection()


@pytest.fixture
def account(connection):
    """One GBP current account of the fake bank, for the import service's tests."""
    from integrations_core.services.imports import account_upsert

    return account_upsert(connection, AccountRecord(external_id="acc-1", name="Current", type="current",
                                                    currency="GBP"))
