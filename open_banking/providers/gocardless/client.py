"""GoCardless Bank Account Data API v2 over HTTP. Speaks HTTP only: returns parsed bodies and
the per-account quota headers, raises the shared error types. Token caching and the quota
ledger live in open_banking.services (they write to the database)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import requests

from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderAuthError,
    ProviderConfigurationError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from integrations_core.providers.http import RETRY_STATUSES, build_session, parse_retry_after, send

from ..utils import decimal_json


class ServerTokenRejected(ProviderAuthError):
    """Our server token (not the person's consent) was refused: mint a new one and retry."""

    code = "server_token_rejected"


class NotFound(BadProviderResponse):
    code = "not_found"
    transient = False


@dataclass(frozen=True)
class QuotaInfo:
    """What GoCardless announced about an account's daily limit on this response."""

    limit: int | None = None
    remaining: int | None = None
    reset_seconds: int | None = None


@dataclass(frozen=True)
class Reply:
    body: Any
    quota: QuotaInfo


def _header_int(response: requests.Response, *names: str) -> int | None:
    for name in names:
        value = response.headers.get(name)
        if value not in (None, ""):
            try:
                return int(float(value))
            except ValueError:
                return None
    return None


def quota_info(response: requests.Response) -> QuotaInfo:
    # GoCardless documents these headers with an HTTP_ prefix, literally; accept both spellings.
    return QuotaInfo(
        limit=_header_int(response, "HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_LIMIT", "X-RateLimit-Account-Success-Limit"),
        remaining=_header_int(response, "HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_REMAINING",
                              "X-RateLimit-Account-Success-Remaining"),
        reset_seconds=_header_int(response, "HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_RESET",
                                  "X-RateLimit-Account-Success-Reset"),
    )


_TRY_AGAIN = re.compile(r"try again in (\d+) seconds", re.IGNORECASE)


def classify(response: requests.Response, body: Any) -> ProviderError | None:
    body = body if isinstance(body, dict) else {}
    status = response.status_code
    kind = str(body.get("type") or "")
    text = f"{body.get('summary', '')} {body.get('detail', '')}"
    kwargs = {"provider_code": kind, "status": status}
    if status == 429:
        info = quota_info(response)
        match = _TRY_AGAIN.search(text)
        retry_after = info.reset_seconds
        if retry_after is None:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is None and match:
            retry_after = float(match.group(1))
        bank_limit = kind == "RateLimitError" or "Institution" in text or info.limit is not None
        exc = RateLimited("GoCardless rate limited", retry_after=retry_after,
                          provider_code="bank_daily_limit" if bank_limit else "api_rate_limit", status=status)
        exc.quota = info  # type: ignore[attr-defined]
        return exc
    if status == 401:
        if kind in ("AccessExpiredError", "AccountInactiveError") or "Access has expired" in text:
            return ConsentExpired("GoCardless access has expired", **kwargs)
        return ServerTokenRejected("GoCardless refused the server token", **kwargs)
    if status == 403:
        if kind == "IPAccessDenied":
            return ProviderConfigurationError("GoCardless refused our IP address", **kwargs)
        return ConsentExpired("GoCardless refused access to the account", **kwargs)
    if status == 409:
        if kind == "AccountSuspendedError" or "suspended" in text.lower():
            return ConsentExpired("GoCardless suspended the account", **kwargs)
        return ProviderUnavailable("The account is in an error state at the bank", **kwargs)
    if status == 404:
        return NotFound("GoCardless could not find the resource", **kwargs)
    if status >= 500:
        return ProviderUnavailable(f"GoCardless or the bank failed ({kind or status})", **kwargs)
    return None


def data_session() -> requests.Session:
    """The shared session, minus inline retries of 429: a bank's daily limit will not lift in a
    few seconds, and GoCardless's per-minute limit is better honoured by rescheduling."""
    session = build_session()
    for adapter in session.adapters.values():
        retry = adapter.max_retries
        limit = retry.max_inline_retry_after
        adapter.max_retries = retry.new(status_forcelist=RETRY_STATUSES - {429})
        adapter.max_retries.max_inline_retry_after = limit
    return session


class GoCardlessClient:
    def __init__(self, *, base_url: str, access_token: str = "", session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.session = session or data_session()
        self.calls = 0

    def _request(self, method: str, path: str, *, auth: bool = True, **kwargs) -> requests.Response:
        self.calls += 1
        headers = kwargs.pop("headers", {})
        if auth:
            headers["Authorization"] = f"Bearer {self.access_token}"
        headers.setdefault("Accept", "application/json")
        return send(self.session, method, f"{self.base_url}/{path.lstrip('/')}", classify=classify,
                    headers=headers, **kwargs)

    def _json(self, method: str, path: str, **kwargs) -> Any:
        return decimal_json(self._request(method, path, **kwargs))

    # --- server token -------------------------------------------------------------------------
    def token_new(self, secret_id: str, secret_key: str) -> dict[str, Any]:
        try:
            body = self._json("POST", "token/new/", auth=False, json={"secret_id": secret_id, "secret_key": secret_key})
        except (ServerTokenRejected, ConsentExpired) as exc:
            raise ProviderConfigurationError("GoCardless refused our secret id/key") from exc
        if not isinstance(body, dict) or not body.get("access"):
            raise BadProviderResponse("GoCardless token response without an access token")
        return body

    def token_refresh(self, refresh: str) -> dict[str, Any]:
        body = self._json("POST", "token/refresh/", auth=False, json={"refresh": refresh})
        if not isinstance(body, dict) or not body.get("access"):
            raise BadProviderResponse("GoCardless refresh response without an access token")
        return body

    # --- institutions and consent ---------------------------------------------------------------
    def institutions(self, country: str) -> list[dict[str, Any]]:
        body = self._json("GET", "institutions/", params={"country": country.lower()})
        if not isinstance(body, list):
            raise BadProviderResponse("GoCardless institutions is not a list")
        return body

    def create_agreement(self, *, institution_id: str, max_historical_days: int, access_valid_for_days: int,
                         access_scope: list[str]) -> dict[str, Any]:
        return self._json("POST", "agreements/enduser/", json={
            "institution_id": institution_id, "max_historical_days": max_historical_days,
            "access_valid_for_days": access_valid_for_days, "access_scope": access_scope,
        })

    def agreement(self, agreement_id: str) -> dict[str, Any]:
        return self._json("GET", f"agreements/enduser/{agreement_id}/")

    def create_requisition(self, *, redirect: str, institution_id: str, agreement: str, reference: str,
                           user_language: str = "EN") -> dict[str, Any]:
        return self._json("POST", "requisitions/", json={
            "redirect": redirect, "institution_id": institution_id, "agreement": agreement,
            "reference": reference, "user_language": user_language,
        })

    def requisition(self, requisition_id: str) -> dict[str, Any]:
        body = self._json("GET", f"requisitions/{requisition_id}/")
        if not isinstance(body, dict):
            raise BadProviderResponse("GoCardless requisition is not an object")
        return body

    def delete_requisition(self, requisition_id: str) -> None:
        self._request("DELETE", f"requisitions/{requisition_id}/")

    # --- account data (each scope counts against the bank's daily limit) --------------------------
    def _account(self, account_id: str, scope: str, params: dict[str, str] | None = None) -> Reply:
        response = self._request("GET", f"accounts/{account_id}/{scope}/", params=params)
        body = decimal_json(response)
        if not isinstance(body, dict):
            raise BadProviderResponse(f"GoCardless {scope} is not an object")
        return Reply(body=body, quota=quota_info(response))

    def account_details(self, account_id: str) -> Reply:
        return self._account(account_id, "details")

    def account_balances(self, account_id: str) -> Reply:
        return self._account(account_id, "balances")

    def account_transactions(self, account_id: str, *, date_from: date | None = None,
                             date_to: date | None = None) -> Reply:
        params = {}
        if date_from is not None:
            params["date_from"] = date_from.isoformat()
        if date_to is not None:
            params["date_to"] = date_to.isoformat()
        return self._account(account_id, "transactions", params=params or None)
