"""Web sign-up/login through allauth, and mobile app tokens through allauth headless, both
accepted by the API."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

pytestmark = pytest.mark.django_db


def test_mobile_login_returns_session_token_accepted_by_api(user):
    client = Client()
    response = client.post("/_allauth/app/v1/auth/login", {"email": user.email, "password": "correct-horse-battery"},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    token = response.json()["meta"]["session_token"]
    api = Client(HTTP_X_SESSION_TOKEN=token)
    assert api.get("/api/v1/providers/").status_code == 200
    assert Client(HTTP_X_SESSION_TOKEN="not-a-token").get("/api/v1/providers/").status_code in (401, 403)


def test_mobile_login_with_wrong_password_is_rejected(user):
    response = Client().post("/_allauth/app/v1/auth/login", {"email": user.email, "password": "nope"},
                             content_type="application/json")
    assert response.status_code == 400


def test_web_signup_and_login(client):
    response = client.post("/accounts/signup/", {"email": "new@example.com", "password1": "a-long-pass-phrase-1",
                                                 "password2": "a-long-pass-phrase-1"})
    assert response.status_code == 302
    assert client.get("/api/v1/providers/").status_code == 403  # not signed in until the address is verified
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[-1].body, re.M).group(1)
    assert client.post("/accounts/confirm-email/", {"code": code}).status_code == 302
    assert client.get("/api/v1/providers/").status_code == 200  # the session authenticates the API
    client.logout()
    assert client.get("/api/v1/providers/").status_code == 403
    assert client.post("/accounts/login/", {"login": "new@example.com", "password": "a-long-pass-phrase-1"}).status_code == 302
    assert client.get("/api/v1/providers/").status_code == 200
