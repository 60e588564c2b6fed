"""OAuth state: single use, bound to user and connection, expiring; PKCE; nothing changes on a bad callback."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from django.utils import timezone

from integrations_core.models import AuditEvent, ConnectionStatus, OAuthState
from integrations_core.services.oauth import AuthorizationError, authorization_complete, authorization_start
from open_banking.models import BankConnection

from .fakes import AUTH_URL, TOKEN_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(make_connection):
    return make_connection(status=ConnectionStatus.PENDING, access_token="", refresh_token="", token_expires_at=None)


def start(connection) -> dict:
    url = authorization_start(connection)
    assert url.startswith(AUTH_URL)
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def token_ok(rsps):
    rsps.add(responses.POST, TOKEN_URL, json={"access_token": "new-access-XYZ", "refresh_token": "new-refresh-XYZ",
                                              "expires_in": 3600, "token_type": "Bearer"})


def test_start_builds_link_with_state_and_pkce(pending):
    params = start(pending)
    assert params["response_type"] == "code"
    assert params["client_id"] == "fake-client"
    assert params["redirect_uri"] == "http://testserver/integrations/fakebank/callback/"
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) >= 43
    state = OAuthState.objects.get(state=params["state"])
    assert state.connection_id == pending.pk and state.user_id == pending.user_id
    assert timedelta(minutes=9) < state.expires_at - timezone.now() <= timedelta(minutes=10)


@responses.activate
def test_valid_callback_activates_and_sends_code_verifier(pending, user, fake_provider,
                                                          django_capture_on_commit_callbacks):
    params = start(pending)
    token_ok(responses)
    with django_capture_on_commit_callbacks(execute=True):
        connection = authorization_complete(user=user, provider_slug="fakebank", state=params["state"],
                                            code="c0de")
    assert connection.status == ConnectionStatus.ACTIVE
    body = parse_qs(responses.calls[0].request.body)
    assert body["code"] == ["c0de"] and body["grant_type"] == ["authorization_code"]
    assert "code_verifier" in body and len(body["code_verifier"][0]) >= 43
    fresh = BankConnection.objects.get(pk=pending.pk)
    assert fresh.access_token == "new-access-XYZ" and fresh.refresh_token == "new-refresh-XYZ"
    assert fresh.consent_expires_at is not None
    assert AuditEvent.objects.filter(action="connection.authorized", connection_id=pending.pk).exists()
    # The first sync ran (eager Celery in tests) with the new token.
    assert fake_provider.seen_tokens == ["new-access-XYZ"]


@responses.activate
def test_replayed_state_is_rejected_and_changes_nothing(pending, user):
    params = start(pending)
    token_ok(responses)
    authorization_complete(user=user, provider_slug="fakebank", state=params["state"], code="c0de")
    before = BankConnection.objects.get(pk=pending.pk).updated_at
    with pytest.raises(AuthorizationError) as exc:
        authorization_complete(user=user, provider_slug="fakebank", state=params["state"], code="c0de")
    assert exc.value.code == "state_used"
    assert len(responses.calls) == 1  # no second exchange
    assert BankConnection.objects.get(pk=pending.pk).updated_at == before


@pytest.mark.parametrize("tamper", ["tampered", "other_user", "expired", "other_provider", "other_connection"])
@responses.activate
def test_bad_state_rejected(tamper, pending, user, other_user, make_connection):
    params = start(pending)
    kwargs = {"user": user, "provider_slug": "fakebank", "state": params["state"], "code": "c0de"}
    expected = "invalid_state"
    if tamper == "tampered":
        kwargs["state"] = params["state"][:-2] + "xx"
    elif tamper == "other_user":
        kwargs["user"] = other_user
    elif tamper == "expired":
        OAuthState.objects.filter(state=params["state"]).update(expires_at=timezone.now() - timedelta(seconds=1))
        expected = "state_expired"
    elif tamper == "other_provider":
        kwargs["provider_slug"] = "truelayer"
    elif tamper == "other_connection":
        kwargs["connection_id"] = make_connection(status=ConnectionStatus.PENDING).pk
    with pytest.raises(AuthorizationError) as exc:
        authorization_complete(**kwargs)
    assert exc.value.code == expected
    assert len(responses.calls) == 0
    fresh = BankConnection.objects.get(pk=pending.pk)
    assert fresh.status == ConnectionStatus.PENDING and fresh.access_token == ""


@responses.activate
def test_provider_error_on_exchange_marks_error_without_tokens(pending, user):
    params = start(pending)
    responses.add(responses.POST, TOKEN_URL, status=400, json={"error": "invalid_grant"})
    with pytest.raises(AuthorizationError) as exc:
        authorization_complete(user=user, provider_slug="fakebank", state=params["state"], code="bad")
    assert exc.value.code == "exchange_failed"
    fresh = BankConnection.objects.get(pk=pending.pk)
    assert fresh.status == ConnectionStatus.ERROR and fresh.access_token == ""


def test_user_declined_at_provider(pending, user):
    params = start(pending)
    with pytest.raises(AuthorizationError) as exc:
        authorization_complete(user=user, provider_slug="fakebank", state=params["state"],
                               params={"error": "access_denied"})
    assert exc.value.code == "access_denied"
    assert BankConnection.objects.get(pk=pending.pk).status == ConnectionStatus.ERROR


@responses.activate
def test_browser_callback_view(client, pending, user):
    params = start(pending)
    token_ok(responses)
    client.force_login(user)
    response = client.get("/integrations/fakebank/callback/", {"code": "c0de", "state": params["state"]})
    assert response.status_code == 302 and "connected=" in response["Location"]
    again = client.get("/integrations/fakebank/callback/", {"code": "c0de", "state": params["state"]})
    assert again.status_code == 302 and "error=state_used" in again["Location"]


def test_callback_requires_login(client, pending):
    params = start(pending)
    response = client.get("/integrations/fakebank/callback/", {"code": "c0de", "state": params["state"]})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert BankConnection.objects.get(pk=pending.pk).status == ConnectionStatus.PENDING


@responses.activate
def test_mobile_complete_endpoint(api_client, other_api_client, pending):
    params = start(pending)
    token_ok(responses)
    url = f"/api/v1/connections/{pending.pk}/complete/"
    assert other_api_client.post(url, {"code": "c0de", "state": params["state"]}).status_code == 404
    bad = api_client.post(url, {"code": "c0de"})
    assert bad.status_code == 400 and "state" in bad.json()["error"]["fields"]
    ok = api_client.post(url, {"code": "c0de", "state": params["state"]})
    assert ok.status_code == 200, ok.content
    assert ok.json()["status"] == "active"
    assert "access_token" not in ok.content.decode() and "new-access-XYZ" not in ok.content.decode()
    replay = api_client.post(url, {"code": "c0de", "state": params["state"]})
    assert replay.status_code == 400 and replay.json()["error"]["code"] == "state_used"


@responses.activate
def test_a_narrower_granted_scope_still_connects_and_is_kept(pending, user, fake_provider):
    """RFC 6749 3.3: the server may grant fewer scopes than asked (a person refused one). oauthlib
    signals that by raising a bare Warning; the grant is good, so the connect goes through with the
    scopes actually granted, for the provider to skip what the consent cannot answer."""
    params = start(pending)
    responses.add(responses.POST, TOKEN_URL, json={"access_token": "narrow-access", "refresh_token": "narrow-refresh",
                                                   "expires_in": 3600, "token_type": "Bearer",
                                                   "scope": "accounts offline_access"})
    tokens = fake_provider.exchange_code(pending, code="c0de", redirect_uri="http://testserver/cb/",
                                         code_verifier=None, params={})
    assert tokens.access_token == "narrow-access" and tokens.refresh_token == "narrow-refresh"
    assert tokens.scope.split() == ["accounts", "offline_access"]
    connection = authorization_complete(user=user, provider_slug="fakebank", state=params["state"], code="c0de")
    assert connection.status == ConnectionStatus.ACTIVE


def test_a_warning_without_a_token_is_not_swallowed(fake_provider):
    def call():
        raise Warning("something else")

    with pytest.raises(Warning, match="something else"):
        fake_provider._call_token_endpoint(call)
