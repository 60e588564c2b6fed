"""Throttling of sync requests and of the authentication endpoints (web and headless app).
Connection creation: tests/open_banking/test_api.py::
test_connection_creation_is_throttled_per_user_with_retry_after; the generic per-user API throttle:
tests/integrations_core/test_api_and_tasks.py::test_throttled_requests_get_429_with_retry_after."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from integrations_core.models import SyncRun

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
APP_LOGIN = "/_allauth/app/v1/auth/login"


def rate(scope: str) -> int:
    return int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope].split("/")[0])


def test_sync_requests_are_throttled_per_user(api_client, other_api_client, bank_data, make_user, monkeypatch):
    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async", lambda *a, **k: None)
    url = f"/api/v1/open-banking/connections/{bank_data['connection'].pk}/sync/"
    limit = rate("sync_request")
    for _ in range(limit):
        assert api_client.post(url).status_code == 202
    refused = api_client.post(url)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "throttled"
    assert SyncRun.objects.count() == limit, "a refused request queues nothing"
    # Per person: someone else's requests are not counted against this one.
    assert other_api_client.post(url).status_code == 404
    assert api_client.get(f"/api/v1/open-banking/connections/{bank_data['connection'].pk}/").status_code == 200


def _limit(action: str, part: int = 0) -> int:
    """The allowed count of one of allauth's rates ("10/m/ip,5/5m/key")."""
    from allauth.account import app_settings

    return int(app_settings.RATE_LIMITS[action].split(",")[part].split("/")[0])


def _failed_limit_per_key() -> int:
    return _limit("login_failed", 1)  # failures for one e-mail address


@pytest.mark.parametrize("endpoint", ["web", "app"])
def test_login_attempts_are_throttled_per_ip_with_429(user, client, endpoint):
    """allauth's "login" rate (every attempt, right or wrong, per address): then 429."""
    api = APIClient()

    def attempt(n: int):
        if endpoint == "web":
            return client.post("/accounts/login/", {"login": f"nobody{n}@example.com", "password": "x"})
        return api.post(APP_LOGIN, {"email": f"nobody{n}@example.com", "password": "x"}, format="json")

    for n in range(_limit("login")):
        assert attempt(n).status_code in (200, 400), n
    refused = attempt(-1)
    assert refused.status_code == 429
    if endpoint == "web":
        ok = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    else:
        ok = api.post(APP_LOGIN, {"email": user.email, "password": PASSWORD}, format="json")
    assert ok.status_code == 429, "no way around it with the right password"


def test_app_login_locks_an_account_after_failed_attempts(user):
    client = APIClient()
    for _ in range(_failed_limit_per_key()):
        wrong = client.post(APP_LOGIN, {"email": user.email, "password": "wrong-password"}, format="json")
        assert wrong.json()["errors"][0]["code"] == "email_password_mismatch"
    for password in ("wrong-password", PASSWORD):  # even the right password waits now
        refused = client.post(APP_LOGIN, {"email": user.email, "password": password}, format="json")
        assert refused.status_code == 400
        assert refused.json()["errors"][0]["code"] == "too_many_login_attempts"
        assert "session_token" not in refused.content.decode()


def test_web_login_is_rate_limited_after_failed_attempts(client, user):
    for _ in range(_failed_limit_per_key()):
        response = client.post("/accounts/login/", {"login": user.email, "password": "wrong-password"})
        assert response.status_code == 200 and not response.wsgi_request.user.is_authenticated
    refused = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert refused.status_code in (200, 429)
    assert "_auth_user_id" not in client.session, "the right password does not get in while limited"
    assert b"Too many failed login attempts" in refused.content


def test_app_signup_is_rate_limited_per_ip():
    client = APIClient()
    limit = _limit("signup")
    for n in range(limit):
        response = client.post("/_allauth/app/v1/auth/signup",
                               {"email": f"new{n}@example.com", "password": "a-long-enough-Pa55word"}, format="json")
        # 401 with the pending verify_email flow: accepted, waiting for the e-mailed code.
        assert response.status_code == 401 and b'"verify_email", "is_pending": true' in response.content, \
            response.content
        client = APIClient()  # a fresh session each time, same address
    refused = client.post("/_allauth/app/v1/auth/signup",
                          {"email": "one-too-many@example.com", "password": "a-long-enough-Pa55word"}, format="json")
    assert refused.status_code == 429
