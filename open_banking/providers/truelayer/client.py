"""TrueLayer Data API v1 over HTTP. Speaks HTTP only: returns parsed bodies (numbers as
Decimal) and raises the shared error types; knows nothing about our models."""

from __future__ import annotations

from datetime import date
from typing import Any

import requests

from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from integrations_core.providers.http import build_session, parse_retry_after, send

from ..utils import decimal_json


class EndpointNotSupported(BadProviderResponse):
    """The bank behind TrueLayer does not offer this endpoint (no cards, no pending)."""

    code = "not_supported"
    transient = False


class HistoryTooOld(BadProviderResponse):
    """The bank refused the date range: too far back, or old history needs a fresh SCA."""

    code = "history_too_old"
    transient = False


# TrueLayer error codes -> our vocabulary. Codes win over statuses: the mock bank's fault users
# answer with codes whose status is not documented.
_REAUTH = {"invalid_grant", "access_denied", "wrong_credentials", "account_permanently_locked",
           "user_input_required", "consent_expired", "consent_revoked"}
_DOWN = {"provider_error", "internal_error", "provider_timeout", "temporarily_unavailable",
         "account_temporarily_locked", "internal_server_error", "service_unavailable"}


def classify(response: requests.Response, body: Any) -> ProviderError | None:
    code = body.get("error", "") if isinstance(body, dict) else ""
    code = code if isinstance(code, str) else ""
    status = response.status_code
    kwargs = {"provider_code": code, "status": status}
    if code in _REAUTH:
        return ConsentExpired(f"TrueLayer refused access ({code})", **kwargs)
    if code in ("invalid_token", "unauthorized") or status == 401:
        return ProviderAuthError(f"TrueLayer refused the token ({code or status})", **kwargs)
    if code in ("invalid_date_range", "sca_exceeded"):
        return HistoryTooOld(f"TrueLayer refused the date range ({code})", **kwargs)
    if code == "endpoint_not_supported" or status == 501:
        return EndpointNotSupported("Endpoint not supported by this bank", **kwargs)
    if code == "provider_too_many_requests" or status == 429:
        return RateLimited("TrueLayer rate limited", retry_after=parse_retry_after(response.headers.get("Retry-After")),
                           **kwargs)
    if code in _DOWN or status >= 500:
        return ProviderUnavailable(f"TrueLayer or the bank failed ({code or status})", **kwargs)
    return None  # the status defaults in integrations_core.providers.http


class TrueLayerClient:
    def __init__(self, *, api_url: str, auth_url: str, access_token: str, session: requests.Session | None = None):
        self.api_url = api_url.rstrip("/") + "/data/v1"
        self.auth_url = auth_url.rstrip("/")
        self._token = access_token
        self.session = session or build_session()
        self.calls = 0

    def _get(self, path: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        self.calls += 1
        response = send(self.session, "GET", f"{self.api_url}{path}", classify=classify, params=params,
                        headers={"Authorization": f"Bearer {self._token}"})
        body = decimal_json(response)
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list) or not all(isinstance(item, dict) for item in results):
            raise BadProviderResponse("TrueLayer answered without a results list")
        return results

    # --- connection metadata ----------------------------------------------------------------
    def me(self) -> dict[str, Any]:
        results = self._get("/me")
        return results[0] if results else {}

    def delete_connection(self) -> None:
        """Revoke the access token and with it the consent (DELETE {auth}/api/delete)."""
        self.calls += 1
        send(self.session, "DELETE", f"{self.auth_url}/api/delete", classify=classify,
             headers={"Authorization": f"Bearer {self._token}"})

    # --- accounts and cards -----------------------------------------------------------------
    def accounts(self) -> list[dict[str, Any]]:
        return self._get("/accounts")

    def cards(self) -> list[dict[str, Any]]:
        return self._get("/cards")

    def balance(self, kind: str, resource_id: str) -> dict[str, Any] | None:
        results = self._get(f"/{kind}/{resource_id}/balance")
        return results[0] if results else None

    def transactions(self, kind: str, resource_id: str, *, date_from: date, date_to: date) -> list[dict[str, Any]]:
        return self._get(f"/{kind}/{resource_id}/transactions",
                         params={"from": date_from.isoformat(), "to": date_to.isoformat()})

    def pending(self, kind: str, resource_id: str) -> list[dict[str, Any]]:
        return self._get(f"/{kind}/{resource_id}/transactions/pending")
