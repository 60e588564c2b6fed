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
