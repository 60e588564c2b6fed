"""Fixtures for driving the mock providers with Django's test client. The PKCE pair is
computed here independently of sandbox.tokens, so a bug there cannot hide itself."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from sandbox.testing import complete_bank_dialog

from .edge_days import HTTP_TODAYS, frozen_at

# The platform's own callbacks under SITE_URL (config/test_settings.py): registered for the
# sandbox client, so the banks will redirect there from any host the sandbox is served on.
REDIRECT_URI = "http://testserver/integrations/truelayer/callback/"
GC_REDIRECT = "http://testserver/integrations/gocardless/callback/"
FULL_SCOPE = "info accounts balance cards transactions offline_access"
CLIENT = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}
TL_DATA = "/sandbox/truelayer/api/data/v1"
TL_TOKEN = "/sandbox/truelayer/auth/connect/token"
GC_API = "/sandbox/gocardless/api/v2"


@pytest.fixture(autouse=True)
def _fast_sandbox(settings):
    settings.SANDBOX_SLOW_MS = 60
    settings.SANDBOX_LATENCY_MS = 0
    settings.SANDBOX_CLIENT_ID = CLIENT["client_id"]
    settings.SANDBOX_CLIENT_SECRET = CLIENT["client_secret"]


@pytest.fixture(params=HTTP_TODAYS, ids=str)
def sandbox_today(request):
    """Runs the test with real time frozen on each of HTTP_TODAYS. List it first among a test's
    fixtures, so that tokens made by the others are made on that day too."""
    with frozen_at(request.param):
        yield request.param


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def auth_link(*, scope: str = FULL_SCOPE, state: str = "state-123", challenge: str | None = None,
              **extra: str) -> str:
    params = {"response_type": "code", "client_id": CLIENT["client_id"], "redirect_uri": REDIRECT_URI,
              "scope": scope, "state": state, "providers": "uk-ob-all uk-oauth-all", **extra}
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    return f"/sandbox/truelayer/auth/?{urlencode(params)}"


@pytest.fixture
def authorise_code(client, db):
    """Runs the TrueLayer dialog; returns (code, verifier)."""

    def run(username: str = "john", institution: str = "monzo", *, scope: str = FULL_SCOPE) -> tuple[str, str]:
        verifier, challenge = pkce_pair()
        location = complete_bank_dialog(client, auth_link(scope=scope, challenge=challenge), username=username,
                                        institution=institution)
        assert location.startswith(REDIRECT_URI)
        return query_of(location)["code"], verifier

    return run


@pytest.fixture
def truelayer_tokens(client, authorise_code):
    """A full connection: returns the token response body."""

    def connect(username: str = "john", institution: str = "monzo", *, scope: str = FULL_SCOPE) -> dict:
        code, verifier = authorise_code(username, institution, scope=scope)
        response = client.post(TL_TOKEN, {"grant_type": "authorization_code", "code": code,
                                          "redirect_uri": REDIRECT_URI, "code_verifier": verifier, **CLIENT})
        assert response.status_code == 200, response.content
        return response.json()

    return connect


@pytest.fixture
def tl_get(client):
    def get(path: str, token: str, **params):
        return client.get(f"{TL_DATA}/{path}", params, headers={"Authorization": f"Bearer {token}"})

    return get


@pytest.fixture
def gc_access(client, db) -> str:
    response = client.post(f"{GC_API}/token/new/", {"secret_id": CLIENT["client_id"],
                                                    "secret_key": CLIENT["client_secret"]},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["access"]


@pytest.fixture
def gc(client, gc_access):
    """Calls the GoCardless API with the bearer token: gc("get", "institutions/", data)."""

    def call(method: str, path: str, data=None, **params):
        headers = {"Authorization": f"Bearer {gc_access}"}
        url = f"{GC_API}/{path}"
        if method == "get":
            return client.get(url, data or {}, headers=headers)
        return getattr(client, method)(url, data or {}, content_type="application/json", headers=headers)

    return call


@pytest.fixture
def gc_linked(client, gc):
    """Creates a requisition, clicks through the link, returns the linked requisition body."""

    def link(username: str = "john", institution_id: str = "MONZO_MONZGB2L", **requisition) -> dict:
        created = gc("post", "requisitions/", {"redirect": GC_REDIRECT, "institution_id": institution_id,
                                               **requisition})
        assert created.status_code == 201, created.content
        location = complete_bank_dialog(client, created.json()["link"], username=username)
        assert query_of(location) == {"ref": created.json()["reference"]}
        body = gc("get", f"requisitions/{created.json()['id']}/").json()
        assert body["status"] == "LN"
        return body

    return link
