"""Two-factor sign-in (allauth.mfa): TOTP enrolment and login with a real code computed here,
recovery codes, WebAuthn as far as it goes without an authenticator, the app (headless) flow,
and the rule that operators reach the console only with a second factor used this session."""

from __future__ import annotations

import json
import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django.utils import timezone
from fido2.utils import websafe_encode

from .softkey import SoftKey

PASSWORD = "correct-horse-battery"


def totp_now(secret: str) -> str:
    """The code an authenticator app shows right now (RFC 6238: 30 s steps, 6 digits)."""
    return format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))


def password_login(client: Client, email: str, next_url: str = ""):
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": email, "password": PASSWORD})


def with_totp(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.mark.django_db
def test_totp_enrolment_then_login_asks_for_the_code(make_user):
    user = make_user("pat@example.com")
    client = Client()
    assert password_login(client, user.email).status_code == 302
    # Changing sign-in security asks for the password again first (allauth's re-authentication).
    assert client.get("/accounts/2fa/totp/activate/")["Location"].startswith("/accounts/reauthenticate/")
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302

    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert secret in page.content.decode()  # shown for typing in, beside the QR code
    wrong = client.post("/accounts/2fa/totp/activate/", {"code": "000000" if totp_now(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and not Authenticator.objects.filter(user=user).exists()
    assert client.post("/accounts/2fa/totp/activate/", {"code": totp_now(secret)}).status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    # allauth creates the recovery codes with the first authenticator.
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists()

    client.post("/accounts/logout/")
    fresh = Client()
    response = password_login(fresh, user.email)
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert fresh.get("/my-accounts/").status_code == 302  # the password alone is not a sign-in
    assert fresh.post("/accounts/2fa/authenticate/", {"code": "12345"}).status_code == 200
    done = fresh.post("/accounts/2fa/authenticate/", {"code": totp_now(secret)})
    assert done.status_code == 302
    assert fresh.get("/my-accounts/").status_code == 200


@pytest.mark.django_db
def test_a_recovery_code_signs_in_once(make_user):
    user = make_user("rae@example.com")
    with_totp(user)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    client = Client()
    password_login(client, user.email)
    assert client.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    assert client.get("/my-accounts/").status_code == 200
    # The same code is spent.
    again = Client()
    password_login(again, user.email)
    assert again.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 200
    assert again.get("/my-accounts/").status_code == 302
    assert again.post("/accounts/2fa/authenticate/", {"code": codes[1]}).status_code == 302


def webauthn_challenge(client: Client) -> str:
    return client.session["mfa.webauthn.state"]["challenge"]


@pytest.mark.django_db
def test_a_passkey_is_registered_and_signs_in(make_user, settings):
    """allauth's real fido2 verification against a software authenticator (tests/security/softkey.py).
    Not tested: the browser half (navigator.credentials and allauth's webauthn.js), which needs a
    browser authenticator (Chromium's virtual authenticator over CDP)."""
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True  # the test client is plain http://testserver
    user = make_user("kim@example.com")
    key = SoftKey()
    client = Client()
    password_login(client, user.email)
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    page = client.get("/accounts/2fa/webauthn/add/")
    assert page.status_code == 200 and '"challenge"' in page.content.decode()

    # Signed for another challenge: refused, nothing stored.
    refused = client.post("/accounts/2fa/webauthn/add/", {"name": "Forged", "credential": json.dumps(
        key.register(websafe_encode(b"not-the-challenge-at-all")))})
    assert refused.status_code == 200
    assert not Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).exists()

    client.get("/accounts/2fa/webauthn/add/")
    added = client.post("/accounts/2fa/webauthn/add/", {"name": "Desk key", "credential": json.dumps(
        key.register(webauthn_challenge(client)))})
    assert added.status_code == 302
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).count() == 1

    fresh = Client()
    assert password_login(fresh, user.email)["Location"] == "/accounts/2fa/authenticate/"
    fresh.get("/accounts/2fa/authenticate/")
    stranger = SoftKey()
    stranger.credential_id = key.credential_id  # the right id, the wrong private key
    bad = fresh.post("/accounts/2fa/authenticate/", {"credential": json.dumps(stranger.assert_(
        webauthn_challenge(fresh)))})
    assert bad.status_code == 200 and fresh.get("/my-accounts/").status_code == 302
    fresh.get("/accounts/2fa/authenticate/")
    good = fresh.post("/accounts/2fa/authenticate/", {"credential": json.dumps(key.assert_(webauthn_challenge(fresh)))})
    assert good.status_code == 302
    assert fresh.get("/my-accounts/").status_code == 200
    # The app gets passkey login options from the headless API as well.
    options = Client().get("/_allauth/app/v1/auth/webauthn/login")
    assert options.status_code == 200 and "challenge" in options.json()["data"]["request_options"]["publicKey"]


@pytest.mark.django_db
def test_the_app_signs_in_with_password_then_a_totp_code(make_user):
    user = make_user("app@example.com")
    secret = with_totp(user)
    app = Client()
    first = app.post("/_allauth/app/v1/auth/login", {"email": user.email, "password": PASSWORD},
                     content_type="application/json")
    assert first.status_code == 401
    body = first.json()
    assert any(flow["id"] == "mfa_authenticate" and flow.get("is_pending") for flow in body["data"]["flows"])
    token = body["meta"]["session_token"]
    second = app.post("/_allauth/app/v1/auth/2fa/authenticate", {"code": totp_now(secret)},
                      content_type="application/json", HTTP_X_SESSION_TOKEN=token)
    assert second.status_code == 200
    assert Client(HTTP_X_SESSION_TOKEN=second.json()["meta"]["session_token"]).get(
        "/api/v1/providers/").status_code == 200


# --- operators ---------------------------------------------------------------------------------
@pytest.fixture
def operator(make_user):
    return make_user("op@example.com", is_staff=True, is_superuser=True)


@pytest.mark.django_db
def test_an_operator_without_two_factor_is_sent_to_set_it_up(operator):
    client = Client()
    password_login(client, operator.email)
    for path in ("/admin/", "/admin/open_banking/bankconnection/", "/admin/auth/user/"):
        response = client.get(path, follow=True)
        assert response.redirect_chain[-1][0] == "/accounts/2fa/", path
        assert "Operators must set up two-factor sign-in" in response.content.decode()


@pytest.mark.django_db
def test_an_operator_signed_in_with_two_factor_reaches_the_console(operator):
    secret = with_totp(operator)
    client = Client()
    first = client.get("/admin/")
    assert first.status_code == 302 and first["Location"].startswith("/admin/login/")
    login_page = client.get(first["Location"])
    assert login_page.status_code == 302 and login_page["Location"].startswith("/accounts/login/")
    password_login(client, operator.email, next_url="/admin/")
    done = client.post("/accounts/2fa/authenticate/", {"code": totp_now(secret)})
    assert done["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/open_banking/bankconnection/").status_code == 200


@pytest.mark.django_db
def test_an_operator_enrolled_but_not_verified_this_session_must_reauthenticate(operator):
    secret = with_totp(operator)
    client = Client()
    client.force_login(operator)  # a session that never used the second factor
    response = client.get("/admin/", follow=False)
    assert response.status_code == 302
    to_login = client.get(response["Location"])
    assert to_login["Location"].startswith("/accounts/reauthenticate/") or \
        to_login["Location"].startswith("/accounts/2fa/reauthenticate/")
    assert re.search(r"next=%2Fadmin%2F|next=/admin/", to_login["Location"])
    reauth = client.post(to_login["Location"], {"code": totp_now(secret)})
    assert reauth.status_code == 302 and reauth["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@pytest.mark.django_db
def test_a_person_who_is_not_an_operator_never_gets_the_console(make_user):
    user = make_user("person@example.com")
    with_totp(user)
    client = Client()
    client.force_login(user)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/"  # the home screen
