"""Shared fixtures. Provider-specific fixtures live beside their tests."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient


@pytest.fixture
def make_user(db):
    counter = {"n": 0}

    def make(email: str | None = None, password: str = "correct-horse-battery", **extra):
        counter["n"] += 1
        email = email or f"user{counter['n']}@example.com"
        user = get_user_model().objects.create_user(username=email, email=email, password=password, **extra)
        # Sign-up verifies the address (ACCOUNT_EMAIL_VERIFICATION=mandatory): a test user has done so.
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        return user

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice@example.com")


@pytest.fixture
def other_user(make_user):
    return make_user("mallory@example.com")


@pytest.fixture
def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def other_api_client(other_user) -> APIClient:
    client = APIClient()
    client.force_authenticate(other_user)
    return client


@pytest.fixture(autouse=True)
def _provider_registry_restored():
    """Tests register fakes and unregister them afterwards; one that unregisters a provider the
    settings installed (or replaces it) would leak into every later test. Each test starts from,
    and hands back, the registry as it found it."""
    from integrations_core.providers.registry import registry

    before = dict(registry._providers)
    yield
    registry._providers.clear()
    registry._providers.update(before)


@pytest.fixture(autouse=True)
def operators_signed_in_with_two_factor(request, monkeypatch):
    """The operators' console demands a second factor used this session (security/admin.py).
    Tests of admin features sign operators in with `force_login`; for a staff user this also
    enrols a real TOTP authenticator and writes the record allauth itself writes when a code is
    accepted, so the console's own check still runs and passes. tests/security/ tests the
    enforcement itself and opts out."""
    if "tests/security/" in str(request.node.fspath).replace("\\", "/"):
        return
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if not user.is_staff:
            return
        import time

        from allauth.account.internal.flows.login import (
            _AUTHENTICATION_METHODS_USER_SESSION_KEY,
            AUTHENTICATION_METHODS_SESSION_KEY,
        )
        from allauth.account.internal.userkit import user_id_to_str
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, generate_totp_secret())
        session = self.session
        session[AUTHENTICATION_METHODS_SESSION_KEY] = [
            *session.get(AUTHENTICATION_METHODS_SESSION_KEY, []),
            {"method": "mfa", "at": time.time(), "type": "totp"}]
        session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)
