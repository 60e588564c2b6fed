"""Stripe's HTTP API through the official client (`stripe.StripeClient`), nothing else: every
call counted, every failure raised as the shared error vocabulary. The hosts come from the
caller (`base_addresses`), so the sandbox stands in for api.stripe.com and connect.stripe.com by
changing only them.

Errors (docs.stripe.com/error-handling, /error-codes):
- 401 (an invalid, expired or rolled key)      -> ProviderAuthError (ConsentExpired for a Connect
                                                  account: there is no token to refresh)
- 403 account_invalid / "access ... revoked"   -> ConsentExpired (the account disconnected the app)
- 403 on a restricted key lacking a permission -> ScopeMissing, naming the permission Stripe names
- 429 (or 400 code=rate_limit, older answers)   -> RateLimited (Stripe sends no Retry-After)
- 5xx, network                                 -> ProviderUnavailable; an unreadable body BadProviderResponse"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import stripe

from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
    ScopeMissing,
)

PAGE_SIZE = 100  # Stripe's largest page
# How a restricted key's 403 names what it lacks: "... Having the 'rak_payout_read' permission
# would allow this request to continue."
PERMISSION = re.compile(r"'(rak_[a-z_]+)'")
REVOKED_HINTS = ("access may have been revoked", "does not have access to account")


def error_from(exc: stripe.StripeError, *, connected_account: bool) -> ProviderError:
    status = exc.http_status
    body = exc.json_body if isinstance(exc.json_body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    code = str(error.get("code") or getattr(exc, "code", "") or "")
    message = str(error.get("message") or "")
    if isinstance(exc, stripe.RateLimitError):
        return RateLimited("Stripe is limiting requests", provider_code=code or "rate_limit", status=status)
    if isinstance(exc, stripe.AuthenticationError):
        if connected_account:
            return ConsentExpired("Stripe refused the platform's access to the account", provider_code=code,
                                  status=status)
        return ProviderAuthError("Stripe did not accept the key", provider_code=code, status=status)
    if isinstance(exc, stripe.PermissionError) or status == 403:
        lowered = message.lower()
        if code == "account_invalid" or any(hint in lowered for hint in REVOKED_HINTS):
            return ConsentExpired("The Stripe account disconnected this app", provider_code=code or "account_invalid",
                                  status=status)
        found = PERMISSION.search(message)
        return ScopeMissing("The restricted key lacks a permission", scope=found.group(1) if found else "",
                            provider_code=code, status=status)
    if isinstance(exc, stripe.APIConnectionError):
        return ProviderUnavailable("Could not reach Stripe")
    if isinstance(exc, stripe.InvalidRequestError):
        return RequestRejected("Stripe refused the request", provider_code=code, status=status)
    if status is not None and status >= 500:
        return ProviderUnavailable("Stripe is not answering properly", status=status)
    if status == 200 or exc.json_body is None:
        return BadProviderResponse("Stripe sent an unreadable answer", status=status)
    return BadProviderResponse("Stripe sent an unexpected error", provider_code=code, status=status)


class StripeApiClient:
    """One connection's view of Stripe: a restricted key (`api_key` rk_...), or the platform's
    secret key acting for a connected account (`stripe_account` acct_..., Connect OAuth)."""

    def __init__(self, *, api_key: str, api_url: str, connect_url: str, stripe_account: str = "",
                 client_id: str = "", timeout: float = 20.0) -> None:
        self.calls = 0
        self.connected_account = bool(stripe_account)
        self._client = stripe.StripeClient(
            api_key, stripe_account=stripe_account or None, client_id=client_id or None,
            base_addresses={"api": api_url, "connect": connect_url}, max_network_retries=0,
            http_client=stripe.RequestsClient(timeout=timeout))

    def _call(self, fn, *args, **kwargs) -> dict[str, Any]:
        self.calls += 1
        try:
            answer = fn(*args, **kwargs)
        except stripe.StripeError as exc:
            raise error_from(exc, connected_account=self.connected_account) from None
        except (ValueError, KeyError, TypeError, AttributeError):
            # The client could not read the answer at all (an error body that is not Stripe's
            # shape, from a proxy in front of it): the provider is not answering properly.
            raise BadProviderResponse("Stripe sent an unreadable answer") from None
        return answer.to_dict(for_json=True) if hasattr(answer, "to_dict") else answer

    def _pages(self, service, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every object of a list, newest first, paging with starting_after while has_more."""
        params = {"limit": PAGE_SIZE, **params}
        while True:
            page = self._call(service.list, params=dict(params))
            data = page.get("data")
            if page.get("object") != "list" or not isinstance(data, list):
                raise BadProviderResponse("Stripe sent a list without data")
            yield from data
            if not page.get("has_more") or not data:
                return
            last = data[-1].get("id") if isinstance(data[-1], dict) else None
            if not isinstance(last, str):
                raise BadProviderResponse("Stripe sent a list item without an id")
            params["starting_after"] = last

    # --- reads -------------------------------------------------------------------------------
    def account(self) -> dict[str, Any]:
        """GET /v1/account: who the key or the connected account is."""
        return self._call(self._client.v1.accounts.retrieve_current)

    def balance(self) -> dict[str, Any]:
        return self._call(self._client.v1.balance.retrieve)

    def balance_transactions(self, *, created_gte: int | None = None, payout: str = "") -> Iterator[dict]:
        params: dict[str, Any] = {"expand": ["data.source"]}
        if created_gte is not None:
            params["created"] = {"gte": created_gte}
        if payout:
            params["payout"] = payout
        return self._pages(self._client.v1.balance_transactions, params)

    def payouts(self, *, created_gte: int | None = None) -> Iterator[dict]:
        params: dict[str, Any] = {}
        if created_gte is not None:
            params["created"] = {"gte": created_gte}
        return self._pages(self._client.v1.payouts, params)

    def disputes(self, *, created_gte: int | None = None) -> Iterator[dict]:
        params: dict[str, Any] = {}
        if created_gte is not None:
            params["created"] = {"gte": created_gte}
        return self._pages(self._client.v1.disputes, params)

    # --- Connect OAuth (connect.stripe.com) -------------------------------------------------------
    def authorize_url(self, params: dict[str, Any]) -> str:
        return self._client.oauth.authorize_url(params=params)

    def oauth_token(self, code: str) -> dict[str, Any]:
        self.calls += 1
        try:
            answer = self._client.oauth.token(params={"grant_type": "authorization_code", "code": code})
        except stripe.oauth_error.OAuthError as exc:
            raise ProviderAuthError("Stripe refused the authorisation code",
                                    provider_code=str(getattr(exc, "code", "") or "")) from None
        except stripe.StripeError as exc:
            raise error_from(exc, connected_account=False) from None
        return answer.to_dict(for_json=True)

    def oauth_deauthorize(self, stripe_user_id: str) -> None:
        self.calls += 1
        try:
            self._client.oauth.deauthorize(params={"stripe_user_id": stripe_user_id})
        except stripe.oauth_error.OAuthError:
            return  # already disconnected (invalid_client: "not connected to your platform")
        except stripe.StripeError as exc:
            raise error_from(exc, connected_account=False) from None
