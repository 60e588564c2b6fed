"""The one client the mock providers know (TrueLayer client_id/secret, GoCardless
secret_id/secret_key). Read per call so tests can override the settings."""

from __future__ import annotations

from django.conf import settings


def sandbox_client_id() -> str:
    return getattr(settings, "SANDBOX_CLIENT_ID", "sandbox-client")


def sandbox_client_secret() -> str:
    return getattr(settings, "SANDBOX_CLIENT_SECRET", "sandbox-secret")


def trading212_api_key() -> str:
    """The one Trading 212 key the mock knows (variants follow it after a dot)."""
    return getattr(settings, "SANDBOX_TRADING212_API_KEY", "sandbox-t212-key")


def trading212_api_secret() -> str:
    return getattr(settings, "SANDBOX_TRADING212_API_SECRET", "sandbox-t212-secret")


# IBKR Flex: any token works except these fault tokens (see sandbox/ibkr/views.py); the query id
# must be the sandbox's.
IBKR_FAULT_TOKENS = ("error.invalid_token", "error.expired", "error.rate_limit", "error.generating",
                     "error.malformed")


def sandbox_ibkr_query_id() -> str:
    return getattr(settings, "SANDBOX_IBKR_QUERY_ID", "987654")
