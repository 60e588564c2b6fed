"""Xero passes the shared books-source contract against the mock Xero."""

from __future__ import annotations

import json

import pytest
from django.conf import settings as django_settings

from accounting.models import Organisation
from integrations_core.services.connections import connection_create
from integrations_core.services.oauth import authorization_begin, authorization_complete
from sandbox.xero.books import books_edit
from tests.integrations_core.contract.accounting import BooksSourceContract
from tests.integrations_core.contract.sandbox_http import HOST

from ..xero_fixtures import consent

pytestmark = pytest.mark.django_db

WRITES = ("PUT", "POST")


class TestXeroContract(BooksSourceContract):
    slug = "xero"
    expected_organisations = 2

    def configure(self, settings) -> None:
        settings.XERO_LOGIN_URL = f"{HOST}/sandbox/xero/login"
        settings.XERO_IDENTITY_URL = f"{HOST}/sandbox/xero/identity"
        settings.XERO_API_URL = f"{HOST}/sandbox/xero/api"
        settings.XERO_CLIENT_ID = django_settings.SANDBOX_CLIENT_ID
        settings.XERO_CLIENT_SECRET = django_settings.SANDBOX_CLIENT_SECRET

    def connect(self, user, http):
        connection = connection_create(user=user, provider_slug="xero")
        request, state = authorization_begin(connection)
        params = consent(request.url, "contract-co", tenants=2)
        return authorization_complete(user=user, provider_slug="xero", state=state, code=params["code"],
                                      params=params)

    def rate_limit_fault(self):
        def fault(method, path, query):
            if "/api.xro/2.0/" in path:
                return (429, {"Retry-After": "42", "X-Rate-Limit-Problem": "minute", "X-MinLimit-Remaining": "0",
                              "Content-Type": "application/json"}, b'{"Title": "Too Many Requests", "Status": 429}')
            return None
        return fault

    def refresh_refused_fault(self):
        def fault(method, path, query):
            if path.endswith("/identity/connect/token"):
                return (400, {"Content-Type": "application/json"}, json.dumps({"error": "invalid_grant"}).encode())
            return None
        return fault

    def write_calls(self, http) -> int:
        return sum(1 for c in http.calls if c.method in WRITES and "/BankTransactions" in c.path)

    def edit_in_books(self, organisation: Organisation, reference: str) -> None:
        books_edit(organisation.external_id, reference, description="Recoded by the bookkeeper")
