"""OAuth attacks against the real TrueLayer client and the sandbox's TrueLayer over HTTP: an
authorisation code brought to another person's connection (code injection; PKCE and the state's
binding to the user stop it) and a redirect URI that does not match the authorisation request.
Tampered, replayed, expired and cross-user states are in tests/integrations_core/test_oauth_flow.py
and the provider contract (tests/open_banking/providers/contract.py)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client

from integrations_core.models import AuditEvent, ConnectionStatus, OAuthState
from open_banking.models import BankAccount, BankConnection, BankTransaction
from sandbox import testing
from tests.open_banking.test_sandbox_http import sandbox  # noqa: F401 - the live sandbox fixture

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "/api/v1/open-banking"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def start(client: Client) -> tuple[BankConnection, str]:
    response = client.post(f"{BASE}/connections/", {"provider": "truelayer", "institution": "ob-monzo"},
                           content_type="application/json")
    assert response.status_code == 201, response.content
    return BankConnection.objects.get(pk=response.json()["id"]), response.json()["authorization_url"]


def consent_at_the_bank(authorization_url: str) -> dict[str, str]:
    """Log in and consent at the mock bank; return the code and state it redirects back with."""
    location = testing.complete_bank_dialog(requests.Session(), authorization_url, username="john")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def state_of(connection) -> OAuthState:
    return OAuthState.objects.get(connection_id=connection.pk)


def frozen(connection) -> tuple:
    fresh = BankConnection.objects.get(pk=connection.pk)
    return (fresh.status, fresh.access_token, fresh.refresh_token, fresh.last_synced_at,
            BankAccount.objects.filter(connection=fresh).count())


def test_a_code_for_another_users_connection_is_refused(sandbox, user, other_user):  # noqa: F811
    alice, bob = logged_in(user), logged_in(other_user)
    alice_connection, alice_link = start(alice)
    bob_connection, _ = start(bob)
    alice_callback = consent_at_the_bank(alice_link)  # Alice's code, bound to her PKCE challenge
    alice_before = frozen(alice_connection)

    # Bob replays Alice's code with his own (valid) state: the exchange goes out with his PKCE
    # verifier, which the bank refuses for a code issued against Alice's challenge.
    injected = bob.get("/integrations/truelayer/callback/",
                       {"code": alice_callback["code"], "state": state_of(bob_connection).state})
    assert injected.status_code == 302 and "error=exchange_failed" in injected["Location"]
    bob_after = BankConnection.objects.get(pk=bob_connection.pk)
    assert bob_after.status == ConnectionStatus.ERROR
    assert (bob_after.access_token, bob_after.refresh_token) == ("", "")
    assert not BankAccount.objects.filter(connection=bob_after).exists()

    # Bob replays Alice's code with Alice's state: the state belongs to another user.
    stolen = bob.get("/integrations/truelayer/callback/", alice_callback)
    assert stolen.status_code == 302 and "error=invalid_state" in stolen["Location"]
    # Through the API, against Alice's connection id: not even found.
    api = bob.post(f"/api/v1/connections/{alice_connection.pk}/complete/", alice_callback,
                   content_type="application/json")
    assert api.status_code == 404

    assert frozen(alice_connection) == alice_before and state_of(alice_connection).used_at is None
    assert not AuditEvent.objects.filter(connection_id=alice_connection.pk, action="connection.authorized").exists()
    # Alice's own callback still works: the attempts neither spent her state nor her code.
    done = alice.get("/integrations/truelayer/callback/", alice_callback)
    assert done.status_code == 302 and "connected=" in done["Location"]
    alice_connection.refresh_from_db()
    assert alice_connection.status == ConnectionStatus.ACTIVE
    assert BankTransaction.objects.filter(account__connection__user=other_user).count() == 0


def test_redirect_uri_mismatch_is_refused_and_records_nothing(sandbox, user, settings):  # noqa: F811
    web = logged_in(user)
    connection, link = start(web)
    callback = consent_at_the_bank(link)
    record = state_of(connection)

    # The bank itself refuses an exchange whose redirect_uri differs from the authorisation request.
    direct = requests.post(f"{settings.TRUELAYER_AUTH_URL}/connect/token", timeout=10, data={
        "grant_type": "authorization_code", "code": callback["code"], "client_id": settings.TRUELAYER_CLIENT_ID,
        "client_secret": settings.TRUELAYER_CLIENT_SECRET, "redirect_uri": "https://attacker.example/cb",
        "code_verifier": record.code_verifier})
    assert direct.status_code == 400 and direct.json()["error"] == "invalid_grant"

    # Our side: the redirect URI on record no longer matches the one the link was made with (a
    # deploy changed SITE_URL mid-flow, or the row was tampered with). The exchange is refused.
    OAuthState.objects.filter(pk=record.pk).update(redirect_uri="https://attacker.example/cb")
    response = web.get("/integrations/truelayer/callback/", callback)
    assert response.status_code == 302 and "error=exchange_failed" in response["Location"]
    fresh = BankConnection.objects.get(pk=connection.pk)
    assert fresh.status == ConnectionStatus.ERROR and fresh.last_error_code == "consent_expired"
    assert (fresh.access_token, fresh.refresh_token, fresh.last_synced_at) == ("", "", None)
    assert not BankAccount.objects.filter(connection=fresh).exists()
    assert not AuditEvent.objects.filter(connection_id=connection.pk, action="connection.authorized").exists()
    # The state is spent: the same link cannot be tried again.
    OAuthState.objects.filter(pk=record.pk).update(redirect_uri=record.redirect_uri)
    again = web.get("/integrations/truelayer/callback/", callback)
    assert "error=state_used" in again["Location"]
    assert BankConnection.objects.get(pk=connection.pk).access_token == ""
