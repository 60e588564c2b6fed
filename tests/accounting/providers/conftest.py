from __future__ import annotations

import pytest
import responses

from .quickbooks_sandbox import QuickBooksRouter, quickbooks_sandbox_settings


@pytest.fixture
def qbo_settings(settings):
    quickbooks_sandbox_settings(settings)
    return settings


@pytest.fixture(autouse=True)
def clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def qbo(qbo_settings):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield QuickBooksRouter(mock)


@pytest.fixture
def quickbooks():
    from integrations_core.providers.registry import registry

    return registry.get("quickbooks")


@pytest.fixture
def qbo_connection(db, user, qbo, quickbooks, client):
    """A QuickBooks connection made through the mock's connect page and a real code exchange."""
    from accounting.models import BooksConnection
    from integrations_core.models import ConnectionStatus
    from integrations_core.services.tokens import token_store

    from .quickbooks_sandbox import REDIRECT_URI, auth_url, connect_link_code

    def make(username: str = "qbo-owner"):
        callback = connect_link_code(client, auth_url(), username=username)
        connection = BooksConnection.objects.create(user=user, provider="quickbooks", status=ConnectionStatus.ACTIVE,
                                                    institution_name="QuickBooks Online")
        tokens = quickbooks.exchange_code(connection, code=callback["code"], redirect_uri=REDIRECT_URI,
                                          code_verifier=None, params=callback)
        token_store(connection, tokens)
        return connection

    return make
