"""The one client the mock providers know (TrueLayer client_id/secret, GoCardless
secret_id/secret_key). Read per call so tests can override the settings."""

from __future__ import annotations

from django.conf import settings


def sandbox_client_id() -> str:
    return getattr(settings, "SANDBOX_CLIENT_ID", "sandbox-client")


def sandbox_client_secret() -> str:
    return getattr(settings, "SANDBOX_CLIENT_SECRET", "sandbox-secret")
