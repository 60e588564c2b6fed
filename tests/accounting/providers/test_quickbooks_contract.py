"""QuickBooks passes the shared books-source contract against the mock QuickBooks."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounting.models import BooksConnection, Organisation
from integrations_core.providers.errors import ConsentExpired
from integrations_core.providers.registry import registry
from integrations_core.services.connections import connection_create
from integrations_core.services.oauth import authorization_begin, authorization_complete
from sandbox.quickbooks.books import book_edit
from sandbox.quickbooks.models import QboEntity, QboRealm
from tests.integrations_core.contract.accounting import BooksSourceContract
from tests.integrations_core.contract.sandbox_http import HOST

from .quickbooks_sandbox import connect_link_code

pytestmark = pytest.mark.django_db
PREFIX = f"{HOST}/sandbox/quickbooks"


class TestQuickBooksContract(BooksSourceContract):
    slug = "quickbooks"
    expected_organisations = 1  # one realm per consent

    def configure(self, settings) -> None:
        settings.QUICKBOOKS_AUTH_URL = f"{PREFIX}/appcenter/connect/oauth2"
        settings.QUICKBOOKS_TOKEN_URL = f"{PREFIX}/oauth/oauth2/v1/tokens/bearer"
        settings.QUICKBOOKS_REVOKE_URL = f"{PREFIX}/developer/v2/oauth2/tokens/revoke"
        settings.QUICKBOOKS_API_URL = f"{PREFIX}/api"
        settings.QUICKBOOKS_CLIENT_ID = django_settings.SANDBOX_CLIENT_ID
        settings.QUICKBOOKS_CLIENT_SECRET = django_settings.SANDBOX_CLIENT_SECRET

    def connect(self, user, http):
        connection = connection_create(user=user, provider_slug="quickbooks")
        request, state = authorization_begin(connection)
        params = connect_link_code(Client(), request.url, username="contract-co")
        return authorization_complete(user=user, provider_slug="quickbooks", state=state, code=params["code"],
                                      params=params)

    def rate_limit_fault(self):
        def fault(method, path, query):
            if "/v3/company/" in path:
                body = {"Fault": {"Error": [{"Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                                             "Detail": "The request limit was reached.", "code": "003001"}],
                                  "type": "ThrottleExceeded"}, "time": "2026-03-10T12:00:00+00:00"}
                return 429, {"Retry-After": "42", "Content-Type": "application/json"}, json.dumps(body).encode()
            return None
        return fault

    def refresh_refused_fault(self):
        def fault(method, path, query):
            if path.endswith("/oauth2/v1/tokens/bearer"):
                return (400, {"Content-Type": "application/json"},
                        json.dumps({"error": "invalid_grant", "error_description": "Token invalid"}).encode())
            return None
        return fault

    def write_calls(self, http) -> int:
        return sum(1 for c in http.calls if c.method == "POST" and c.path.endswith(("/purchase", "/deposit")))

    def edit_in_books(self, organisation: Organisation, reference: str) -> None:
        realm = QboRealm.objects.get(pk=organisation.external_id)
        row = next(r for r in QboEntity.objects.filter(realm=realm, entity__in=("Purchase", "Deposit"))
                   if f"[ref:{reference}]" in r.data.get("PrivateNote", ""))
        book_edit(realm, row.entity, str(row.entity_id), PrivateNote=row.data["PrivateNote"] + " (recoded)")

    def test_refresh_tokens_rotate(self, connected):
        """The contract's version asks again with the old token straight away. Intuit keeps a
        superseded refresh token until its successor is used (a lost answer must not end the
        connection), and our refresh() never spends a token another worker already rotated, so
        here the old token is refused once the new pair has been used."""
        provider = registry.get(self.slug)
        old = connected.refresh_token
        tokens = provider.refresh(connected)
        assert tokens.refresh_token and tokens.refresh_token != old
        assert BooksConnection.objects.get(pk=connected.pk).refresh_token == tokens.refresh_token
        provider.bind(BooksConnection.objects.get(pk=connected.pk)).list_organisations()  # the new pair in use
        with pytest.raises(ConsentExpired):
            provider._token_call({"grant_type": "refresh_token", "refresh_token": old})
