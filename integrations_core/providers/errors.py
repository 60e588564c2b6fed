"""The small error vocabulary every provider client raises. The core decides what each means
for the connection (refresh, reconnect, back off, retry) without knowing the provider."""

from __future__ import annotations


class ProviderError(Exception):
    """Base of every provider failure. `code` is stable and machine-readable; `user_message`
    is safe to show to the person (never a token, a URL with a code, or a raw body)."""

    code = "provider_error"
    transient = False
    user_message = "The provider returned an error."

    def __init__(self, message: str = "", *, provider_code: str = "", status: int | None = None):
        super().__init__(message or self.user_message)
        self.provider_code = provider_code
        self.status = status


class ProviderAuthError(ProviderError):
    """The access token was refused (expired or invalid): refresh it once, then give up."""

    code = "auth_error"
    user_message = "The provider did not accept our credentials."


class ConsentExpired(ProviderAuthError):
    """The person's consent has expired or been revoked: they must reconnect."""

    code = "consent_expired"
    user_message = "Your consent has expired. Reconnect to keep your data up to date."


class RateLimited(ProviderError):
    code = "rate_limited"
    transient = True
    user_message = "The provider is limiting how often we can fetch your data. We will try again later."

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ProviderRateLimited(RateLimited):
    """A limit on our client as a whole, not on this connection (Plaid's per-client limits): it
    is retried with backoff like any 429, and it counts towards the provider's circuit breaker,
    since every other connection would meet it too."""

    provider_wide = True


class DataNotReady(ProviderError):
    """The provider is still preparing this connection's data (Plaid's PRODUCT_NOT_READY just
    after linking): not a failure. The sync is retried after `retry_after` seconds without
    counting towards the connection's failures."""

    code = "not_ready"
    transient = True
    user_message = "The provider is still preparing your data. We will fetch it shortly."

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ProviderUnavailable(ProviderError):
    code = "provider_down"
    transient = True
    user_message = "The provider is not responding right now. We will try again later."


class BadProviderResponse(ProviderError):
    code = "bad_response"
    transient = True
    user_message = "The provider sent data we could not read. We will try again later."


class RequestRejected(BadProviderResponse):
    """The provider refused one request for this connection with a client-side 4xx it did not
    explain (a closed account's 404, a 400, a 409, a 422). It says nothing about the provider's
    health, so it never counts towards the circuit breaker, and retrying at once will not help:
    the next scheduled sync tries again. A subclass of BadProviderResponse only so that code
    catching "the provider's answer was unusable" keeps catching it; its code is its own."""

    code = "request_rejected"
    transient = False
    user_message = "The bank refused part of our request for this connection. We will try again at the next sync."


class ProviderConfigurationError(ProviderError):
    """The operator has not configured this provider (missing client id/secret)."""

    code = "not_configured"
    user_message = "This provider is not available right now."


class ScopeMissing(ProviderAuthError):
    """The key works but lacks a permission the sync needs (Trading 212 answers 403). Refreshing
    will not help: the person must create a key with that scope. `scope` names it."""

    code = "scope_missing"
    user_message = "The key is missing a permission we need."

    def __init__(self, message: str = "", *, scope: str = "", **kwargs):
        super().__init__(message or (f"The key is missing the '{scope}' permission." if scope else ""), **kwargs)
        self.scope = scope
        if scope:  # said to the person too: the key to make must have it
            self.user_message = (f"The key is missing the '{scope}' permission. Create a key with it and "
                                 f"connect again.")


class CursorRestart(ProviderError):
    """The provider's data changed while we paged through it (Plaid's
    TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION): start again from the first page's cursor."""

    code = "cursor_restart"
    transient = True
    user_message = "The provider's data changed while we were reading it. We will try again."
