"""PayPal REST over HTTP only: the client-credentials token of the merchant's own REST app, the
Transaction Search and Balances reporting APIs, the Disputes API and the webhook signature check.
Raises the shared error vocabulary; never logs or shows a secret or a token.

Tokens: POST /v1/oauth2/token with HTTP Basic client_id:secret and grant_type=client_credentials
(requests-oauthlib's BackendApplicationClient). The token lives in memory for this client only
(one bound source = one sync): fetched on the first call, fetched again when `expires_in` is
nearly up, and once more when PayPal answers 401 invalid_token mid-sync (a token PayPal dropped
early). A second refusal is a ProviderAuthError. The client secret never leaves this object."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

import requests
from django.views.decorators.debug import sensitive_variables
from oauthlib.oauth2 import BackendApplicationClient, OAuth2Error
from requests_oauthlib import OAuth2Session

from integrations_core.providers.errors import (
    BadProviderResponse,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
    ScopeMissing,
)
from integrations_core.providers.http import build_session, json_body, parse_retry_after, safe_json, send

logger = logging.getLogger(__name__)

TOKEN_PATH = "/v1/oauth2/token"
TRANSACTIONS_PATH = "/v1/reporting/transactions"
BALANCES_PATH = "/v1/reporting/balances"
DISPUTES_PATH = "/v1/customer/disputes"
VERIFY_WEBHOOK_PATH = "/v1/notifications/verify-webhook-signature"

# The scopes the token must carry (the REST app's "Transaction search" and "Disputes" features).
SCOPE_SEARCH = "https://uri.paypal.com/services/reporting/search/read"
SCOPE_DISPUTES = "https://uri.paypal.com/services/disputes/read-seller"
PAGE_SIZE = 500  # Transaction Search's maximum page_size
DISPUTES_PAGE_SIZE = 50  # the Disputes API's maximum
TOKEN_MARGIN_SECONDS = 300  # fetch a new token this long before the old one expires
# PayPal's 429 says RATE_LIMIT_REACHED and seldom a Retry-After; its limits are per minute.
DEFAULT_RETRY_AFTER = 60.0


def paypal_time(moment: datetime) -> str:
    """ISO 8601 with the offset, as Transaction Search takes it: 2026-01-31T00:00:00+00:00."""
    return moment.isoformat(timespec="seconds")


class PayPalClient:
    """One REST app's credentials against one host (live or sandbox)."""

    @sensitive_variables("client_secret")
    def __init__(self, *, base_url: str, client_id: str, client_secret: str, timeout: float | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.session = build_session(timeout=timeout)
        self._token: str = ""
        self._token_expires: float = 0.0
        self.scopes: frozenset[str] = frozenset()
        self.app_id: str = ""
        self.calls = 0

    def __repr__(self) -> str:  # never the secret or the token
        return f"PayPalClient(base_url={self.base_url!r})"

    # --- token --------------------------------------------------------------------------------
    def token(self, *, fresh: bool = False) -> str:
        if fresh or not self._token or time.time() > self._token_expires - TOKEN_MARGIN_SECONDS:
            self._fetch_token()
        return self._token

    @sensitive_variables("answer")
    def _fetch_token(self) -> None:
        oauth = OAuth2Session(client=BackendApplicationClient(client_id=self.client_id))
        for prefix, adapter in self.session.adapters.items():  # the shared timeouts, retries, meter
            oauth.mount(prefix, adapter)
        oauth.register_compliance_hook("access_token_response", _token_status_check)
        self.calls += 1
        try:
            answer = oauth.fetch_token(self.base_url + TOKEN_PATH, client_id=self.client_id,
                                       client_secret=self._secret, timeout=self.session.default_timeout)
        except ProviderError:
            raise
        except OAuth2Error as exc:
            # invalid_client: the id or secret is wrong (or the app was deleted).
            logger.info("paypal token refused error=%s", exc.error)
            raise ProviderAuthError("PayPal refused the app's credentials", provider_code=exc.error or "",
                                    status=getattr(exc, "status_code", None)) from None
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise ProviderUnavailable("Could not reach PayPal's token endpoint") from exc
        except ValueError as exc:
            raise BadProviderResponse("PayPal's token endpoint sent an unreadable answer") from exc
        self._token = str(answer.get("access_token") or "")
        if not self._token:
            raise BadProviderResponse("PayPal's token answer had no access token")
        try:
            expires_in = float(answer.get("expires_in") or 0)
        except (TypeError, ValueError):
            expires_in = 0.0
        # No expires_in: use it for this call only (a margin's worth from now).
        self._token_expires = time.time() + (expires_in or TOKEN_MARGIN_SECONDS)
        scope = answer.get("scope") or ""
        self.scopes = frozenset(scope.split() if isinstance(scope, str) else scope)
        self.app_id = str(answer.get("app_id") or "")

    # --- requests -----------------------------------------------------------------------------
    def _request(self, method: str, path: str, *, params: dict | None = None, json: Any = None,
                 scope: str = "") -> Any:
        for attempt in (1, 2):
            token = self.token(fresh=attempt == 2)
            self.calls += 1
            try:
                response = send(self.session, method, self.base_url + path, params=params, json=json,
                                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                                classify=lambda r, body: classify(r, body, scope=scope))
            except ProviderAuthError as exc:
                if attempt == 1 and exc.provider_code == "invalid_token":
                    logger.info("paypal token refused mid-sync; fetching a new one")
                    continue
                raise
            return json_body(response)
        raise AssertionError("unreachable")

    def transactions_page(self, start: datetime, end: datetime, page: int, *,
                          page_size: int = PAGE_SIZE) -> dict[str, Any]:
        """One page of GET /v1/reporting/transactions for [start, end] (at most 31 days)."""
        body = self._request("GET", TRANSACTIONS_PATH, scope=SCOPE_SEARCH, params={
            "start_date": paypal_time(start), "end_date": paypal_time(end), "fields": "all",
            "page_size": min(PAGE_SIZE, max(1, page_size)), "page": page})
        if not isinstance(body, dict):
            raise BadProviderResponse("PayPal's transaction search answer is not an object")
        return body

    def balances(self) -> dict[str, Any]:
        body = self._request("GET", BALANCES_PATH, scope=SCOPE_SEARCH, params={"currency_code": "ALL"})
        if not isinstance(body, dict):
            raise BadProviderResponse("PayPal's balances answer is not an object")
        return body

    def disputes(self, *, update_time_after: datetime | None) -> list[dict[str, Any]]:
        """Every dispute updated after the time (all when None), following next_page_token."""
        params: dict[str, Any] = {"page_size": DISPUTES_PAGE_SIZE}
        if update_time_after is not None:
            params["update_time_after"] = update_time_after.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        items: list[dict[str, Any]] = []
        seen: set[str] = set()
        while True:
            body = self._request("GET", DISPUTES_PATH, params=params, scope=SCOPE_DISPUTES)
            if not isinstance(body, dict) or not isinstance(body.get("items", []), list):
                raise BadProviderResponse("PayPal's disputes answer is not a list of items")
            items.extend(i for i in body.get("items", []) if isinstance(i, dict))
            token = _next_page_token(body)
            if not token or token in seen:
                return items
            seen.add(token)
            params = {"page_size": DISPUTES_PAGE_SIZE, "next_page_token": token}

    def dispute(self, dispute_id: str) -> dict[str, Any]:
        body = self._request("GET", f"{DISPUTES_PATH}/{requests.utils.quote(dispute_id, safe='')}",
                             scope=SCOPE_DISPUTES)
        if not isinstance(body, dict):
            raise BadProviderResponse("PayPal's dispute answer is not an object")
        return body

    def verify_webhook_signature(self, payload: dict[str, Any]) -> str:
        """POST /v1/notifications/verify-webhook-signature: PayPal's verification_status."""
        body = self._request("POST", VERIFY_WEBHOOK_PATH, json=payload)
        status = body.get("verification_status") if isinstance(body, dict) else None
        if not isinstance(status, str):
            raise BadProviderResponse("PayPal's verification answer has no verification_status")
        return status


def _next_page_token(body: dict[str, Any]) -> str:
    from urllib.parse import parse_qs, urlsplit

    for link in body.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and isinstance(link.get("href"), str):
            return (parse_qs(urlsplit(link["href"]).query).get("next_page_token") or [""])[0]
    return ""


def _token_status_check(response: requests.Response) -> requests.Response:
    """Before requests-oauthlib parses a token answer: a 429 or a 5xx is not a refused secret."""
    status = response.status_code
    if status == 429:
        raise RateLimited("PayPal is limiting token requests", status=status,
                          retry_after=parse_retry_after(response.headers.get("Retry-After")) or DEFAULT_RETRY_AFTER)
    if status >= 500:
        raise ProviderUnavailable(f"PayPal's token endpoint answered {status}", status=status)
    return response


def error_summary(body: Any) -> str:
    """PayPal's error name and the first detail's issue ("INVALID_REQUEST: Date range is greater
    than 31 days"): identifiers, never values the request carried."""
    if not isinstance(body, dict):
        return ""
    name = str(body.get("name") or body.get("error") or "")[:60]
    details = body.get("details")
    issue = ""
    if isinstance(details, list) and details and isinstance(details[0], dict):
        issue = str(details[0].get("issue") or "")[:120]
    elif body.get("error_description"):
        issue = str(body["error_description"])[:120]
    return f"{name}: {issue}" if issue else name


def classify(response: requests.Response, body: Any, *, scope: str = "") -> ProviderError | None:
    status = response.status_code
    name = str(body.get("name") or body.get("error") or "") if isinstance(body, dict) else ""
    if status == 401:
        # {"error": "invalid_token", "error_description": "Access Token not found in cache"}
        return ProviderAuthError("PayPal refused the access token", provider_code=name or "invalid_token",
                                 status=status)
    if status == 403:
        # {"name": "NOT_AUTHORIZED", "message": "Authorization failed due to insufficient permissions."}
        return ScopeMissing(scope=scope or "the app's permissions", provider_code=name, status=status)
    if status == 429:
        return RateLimited("PayPal rate limit reached", provider_code=name or "RATE_LIMIT_REACHED", status=status,
                           retry_after=parse_retry_after(response.headers.get("Retry-After")) or DEFAULT_RETRY_AFTER)
    if 400 <= status < 500 and status != 408:
        return RequestRejected(f"PayPal refused the request ({error_summary(body) or status})", provider_code=name,
                               status=status)
    return None


__all__ = ["PayPalClient", "classify", "error_summary", "paypal_time", "safe_json"]
