"""Plaid over HTTP (API version 2020-09-14). Every endpoint is a POST with a JSON body and the
client id and secret in headers. Speaks HTTP only: returns parsed bodies (numbers as Decimal)
and raises the shared error types; knows nothing about our models.

We call Plaid with the project's shared session (timeouts, retries with backoff, call metering
for the SyncRun) rather than through `plaid-python`: the generated client brings its own urllib3
pool and exception type, which would bypass both. `plaid-python` is tested against the mock
(tests/open_banking/providers/test_plaid_python.py) so the two speak the same protocol."""

from __future__ import annotations

from typing import Any

import requests

from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    CursorRestart,
    DataNotReady,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
)
from integrations_core.providers.http import build_session, send

from ..utils import decimal_json

API_VERSION = "2020-09-14"
# Plaid sends no Retry-After. Its limits are per minute: a minute for an Item's limit, and a
# little longer for the client-wide one (every connection is meeting it).
ITEM_LIMIT_WAIT = 60
CLIENT_LIMIT_WAIT = 120
NOT_READY_WAIT = 300

# Item errors the person fixes by going through Link again (update mode).
_REAUTH = {"ITEM_LOGIN_REQUIRED", "PENDING_EXPIRATION", "ITEM_LOCKED", "USER_PERMISSION_REVOKED",
           "INVALID_CREDENTIALS", "INVALID_MFA", "ACCESS_NOT_GRANTED", "NO_ACCOUNTS", "ITEM_NOT_FOUND"}
# Limits on the client as a whole ("for this client"), as opposed to the per-Item `*_LIMIT`s.
_CLIENT_LIMITS = {"RATE_LIMIT", "INSTITUTION_RATE_LIMIT"}
_DOWN_TYPES = {"API_ERROR", "INSTITUTION_ERROR"}


class PlaidItemError(ConsentExpired):
    """An Item error that needs the person in Link (update mode): ITEM_LOGIN_REQUIRED,
    PENDING_EXPIRATION and their kin. `provider_code` says which."""


def plaid_error(status: int, body: Any) -> ProviderError | None:
    """Plaid's error object -> our vocabulary. None when the body is not a Plaid error."""
    if not isinstance(body, dict) or "error_code" not in body:
        return None
    code = str(body.get("error_code") or "")
    kind = str(body.get("error_type") or "")
    kwargs = {"provider_code": code, "status": status}
    if code == "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION":
        return CursorRestart("Plaid's data changed during pagination", **kwargs)
    if code in _REAUTH:
        return PlaidItemError(f"Plaid needs the person in Link ({code})", **kwargs)
    if code in ("INVALID_ACCESS_TOKEN", "INVALID_API_KEYS", "INVALID_PUBLIC_TOKEN"):
        return ProviderAuthError(f"Plaid refused the credentials ({code})", **kwargs)
    if code == "PRODUCT_NOT_READY":
        return DataNotReady("Plaid is still preparing the data", retry_after=NOT_READY_WAIT, **kwargs)
    if kind == "RATE_LIMIT_EXCEEDED" or status == 429:
        if code in _CLIENT_LIMITS:
            return ProviderRateLimited(f"Plaid client rate limit ({code})", retry_after=CLIENT_LIMIT_WAIT, **kwargs)
        return RateLimited(f"Plaid Item rate limit ({code})", retry_after=ITEM_LIMIT_WAIT, **kwargs)
    if kind in _DOWN_TYPES or status >= 500:
        # INSTITUTION_DOWN, INSTITUTION_NOT_RESPONDING, INTERNAL_SERVER_ERROR, PLANNED_MAINTENANCE
        return ProviderUnavailable(f"Plaid or the institution is down ({code})", **kwargs)
    return RequestRejected(f"Plaid refused the request ({code})", **kwargs)


def _classify(response: requests.Response, body: Any) -> ProviderError | None:
    return plaid_error(response.status_code, body)


class PlaidClient:
    def __init__(self, *, base_url: str, client_id: str, secret: str, access_token: str = "",
                 session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self._client_id, self._secret, self._token = client_id, secret, access_token
        # Every Plaid call is a POST; the shared session's retries cover POSTs here because every
        # endpoint we call is a read or idempotent (a repeated /item/remove answers the same).
        self.session = session or build_session(allowed_methods=frozenset({"POST"}))
        self.calls = 0

    def post(self, path: str, body: dict[str, Any], *, with_token: bool = True) -> dict[str, Any]:
        self.calls += 1
        payload = {**body, "access_token": self._token} if with_token else dict(body)
        response = send(self.session, "POST", f"{self.base_url}{path}", classify=_classify, json=payload,
                        headers={"PLAID-CLIENT-ID": self._client_id, "PLAID-SECRET": self._secret,
                                 "Plaid-Version": API_VERSION})
        answer = decimal_json(response)
        if not isinstance(answer, dict):
            raise BadProviderResponse("Plaid answered without a JSON object")
        return answer

    # --- Link and Items -------------------------------------------------------------------
    def link_token_create(self, body: dict[str, Any]) -> dict[str, Any]:
        return self.post("/link/token/create", body, with_token=False)

    def public_token_exchange(self, public_token: str) -> dict[str, Any]:
        return self.post("/item/public_token/exchange", {"public_token": public_token}, with_token=False)

    def item_remove(self) -> None:
        self.post("/item/remove", {})

    def webhook_verification_key(self, key_id: str) -> dict[str, Any]:
        return self.post("/webhook_verification_key/get", {"key_id": key_id}, with_token=False)

    # --- data -----------------------------------------------------------------------------
    def accounts_balance(self) -> dict[str, Any]:
        return self.post("/accounts/balance/get", {})

    def transactions_sync(self, cursor: str | None, count: int) -> dict[str, Any]:
        body: dict[str, Any] = {"count": count, "options": {"include_personal_finance_category": True}}
        if cursor:
            body["cursor"] = cursor
        return self.post("/transactions/sync", body)

    def accounts_get(self) -> dict[str, Any]:
        return self.post("/accounts/get", {})

    def investments_holdings(self) -> dict[str, Any]:
        return self.post("/investments/holdings/get", {})

    def investments_transactions(self, start_date: str, end_date: str, *, offset: int, count: int,
                                 account_ids: list[str] | None = None) -> dict[str, Any]:
        options: dict[str, Any] = {"offset": offset, "count": count}
        if account_ids:
            options["account_ids"] = list(account_ids)
        return self.post("/investments/transactions/get", {"start_date": start_date, "end_date": end_date,
                                                           "options": options})
