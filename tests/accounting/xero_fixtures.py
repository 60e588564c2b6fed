"""Xero against the sandbox's mock Xero, in-process: settings pointing the provider at it, and
a connect that goes through the real flow (auth link -> mock login and organisation picker ->
callback -> code exchange)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
import time_machine
from django.conf import settings as django_settings
from django.test import Client

from accounting.models import BooksConnection
from integrations_core.services.connections import connection_create
from integrations_core.services.oauth import authorization_begin, authorization_complete
from tests.integrations_core.contract.sandbox_http import HOST, SandboxHttp

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def xero_settings(settings, monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the in-process sandbox speaks http://
    settings.XERO_LOGIN_URL = f"{HOST}/sandbox/xero/login"
    settings.XERO_IDENTITY_URL = f"{HOST}/sandbox/xero/identity"
    settings.XERO_API_URL = f"{HOST}/sandbox/xero/api"
    settings.XERO_CLIENT_ID = django_settings.SANDBOX_CLIENT_ID
    settings.XERO_CLIENT_SECRET = django_settings.SANDBOX_CLIENT_SECRET
    settings.PROVIDER_HTTP_BACKOFF = 0
    return settings


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def xero_http(xero_settings, frozen):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield SandboxHttp(mock)


def consent(url: str, username: str, *, tenants: int = 1, decision: str = "allow") -> dict:
    """What the person does on the mock Xero pages: log in, tick organisations, allow."""
    parts = urlsplit(url)
    browser = Client()
    page = browser.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200, page.content[:300]
    link = page.context["link"]
    consent_page = browser.post(parts.path, {"link": link, "username": username, "password": "x"})
    organisations = consent_page.context["organisations"]
    answer = browser.post(parts.path, {"link": link, "username": username, "decision": decision,
                                       "tenant": [tid for tid, _ in organisations[:tenants]]})
    assert answer.status_code == 302, answer.content[:300]
    return {k: v[0] for k, v in parse_qs(urlsplit(answer["Location"]).query).items()}


@pytest.fixture
def xero_connect(xero_http, user):
    def connect(username: str = "sole-trader", *, tenants: int = 1, owner=None) -> BooksConnection:
        owner = owner or user
        connection = connection_create(user=owner, provider_slug="xero")
        request, state = authorization_begin(connection)
        params = consent(request.url, username, tenants=tenants)
        assert params["state"] == state
        return authorization_complete(user=owner, provider_slug="xero", state=state, code=params["code"],
                                      params=params)

    return connect
