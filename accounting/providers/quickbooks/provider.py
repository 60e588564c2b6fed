"""QuickBooks Online (Intuit): what it is and can do, its OAuth2 and the source bound to a connection.

OAuth2 authorization code (appcenter.intuit.com/connect/oauth2, scope
com.intuit.quickbooks.accounting); the callback carries `realmId`, the company the person
picked: the connection's one organisation (stored as connection.external_id). Tokens at
oauth.platform.intuit.com/oauth2/v1/tokens/bearer with HTTP basic auth (client id:secret).
Access tokens last an hour. Refresh tokens ROTATE: every refresh answers a new one, and its
`x_refresh_token_expires_in` (100 days, rolling) says how long the chain lives unused.

Rotation, written down (docs/business.md "QuickBooks"):
- refresh() takes the connection row FOR UPDATE, re-reads the refresh token under the lock (a
  worker that rotated it meanwhile is trusted: its access token is used, no second call), calls
  Intuit and stores the answer in that same transaction, so two workers never spend one
  refresh token twice and a stored access token always belongs to the stored refresh token.
- A lost answer (timeout, crash before commit) leaves the previous refresh token stored. Intuit
  keeps the previous token working until its successor is used, so the next attempt with it
  succeeds: a lost rotation never bricks the connection. Token calls are never retried inline.
- invalid_grant (the chain was refused: disconnected in QuickBooks, spent twice, or unused for
  100 days) is ConsentExpired: the person reconnects; the message says when it expired.

Hosts come from settings so the sandbox's mock stands in by changing only the host:
QUICKBOOKS_AUTH_URL, QUICKBOOKS_TOKEN_URL, QUICKBOOKS_REVOKE_URL, QUICKBOOKS_API_URL
(python-quickbooks' `api_url_v3` host)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables
from intuitlib.enums import Scopes
from quickbooks.client import QuickBooks

from integrations_core.providers.base import AuthorizationRequest, AuthType, Capability, Family
from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderAuthError,
    ProviderConfigurationError,
    ProviderError,
)
from integrations_core.providers.http import build_session, safe_json, send
from integrations_core.providers.oauth import OAuth2Provider
from integrations_core.records import TokenSet

from .client import THROTTLE_RETRY_AFTER, QuickBooksClient

logger = logging.getLogger(__name__)

REFRESH_TOKEN_DAYS = 100  # when Intuit's answer does not say (x_refresh_token_expires_in)


def consent_expired(expired_on=None) -> ConsentExpired:
    error = ConsentExpired("QuickBooks refused the refresh token", provider_code="invalid_grant")
    if expired_on is not None and expired_on <= timezone.now():
        error.user_message = (f"Your QuickBooks connection expired on {timezone.localdate(expired_on):%-d %B %Y} "
                              "(QuickBooks ends a connection unused for 100 days). Reconnect to keep your "
                              "books up to date.")
    else:
        error.user_message = ("QuickBooks no longer accepts our access (the app was disconnected in "
                              "QuickBooks, or the connection went unused for 100 days). Reconnect to keep your "
                              "books up to date.")
    return error


class QuickBooksProvider(OAuth2Provider):
    slug = "quickbooks"
    connected_page = "/accounting/"  # the callback lands on the family's own page
    name = "QuickBooks Online"
    logo_url = "/static/logos/quickbooks.svg"
    family = Family.ACCOUNTING
    auth_type = AuthType.OAUTH2
    capabilities = frozenset({
        Capability.ACCOUNTS, Capability.REFRESH_TOKENS, Capability.REVOKE, Capability.CONSENT_EXPIRY,
        Capability.SCHEDULED_SYNC, Capability.CHART_OF_ACCOUNTS, Capability.CONTACTS, Capability.INVOICES,
        Capability.TRACKING_CATEGORIES, Capability.BOOK_BANK_TRANSACTIONS, Capability.PUSH_BANK_TRANSACTIONS,
        Capability.CHANGE_DATA_CAPTURE, Capability.WEBHOOKS,
    })
    connection_model = "accounting.BooksConnection"
    consent_days = REFRESH_TOKEN_DAYS  # rolling: every refresh moves it (x_refresh_token_expires_in)
    default_retry_after = THROTTLE_RETRY_AFTER  # 500 requests a minute per realm
    scopes = [Scopes.ACCOUNTING.value]
    callback_params = ("realmId",)  # the company the person picked on Intuit's page

    # --- configuration ----------------------------------------------------------------------
    def authorize_url(self) -> str:
        return settings.QUICKBOOKS_AUTH_URL

    def token_url(self) -> str:
        return settings.QUICKBOOKS_TOKEN_URL

    def revoke_url(self) -> str:
        return settings.QUICKBOOKS_REVOKE_URL

    def client_id(self) -> str:
        return settings.QUICKBOOKS_CLIENT_ID

    def client_secret(self) -> str:
        return settings.QUICKBOOKS_CLIENT_SECRET

    def api_url(self) -> str:
        # python-quickbooks' production host unless the settings point elsewhere (the sandbox).
        return settings.QUICKBOOKS_API_URL or QuickBooks.api_url_v3.removesuffix("/v3")

    def client(self, connection) -> QuickBooksClient:
        if not connection.external_id:
            raise ProviderConfigurationError("This QuickBooks connection has no company (realmId)")
        return QuickBooksClient(api_url=self.api_url(), realm_id=connection.external_id,
                                access_token=connection.access_token,
                                minor_version=int(settings.QUICKBOOKS_MINOR_VERSION))

    # --- connect ------------------------------------------------------------------------------
    def authorization_request(self, connection, *, state: str, redirect_uri: str,
                              code_challenge: str | None) -> AuthorizationRequest:
        query = urlencode({"client_id": self.client_id(), "response_type": "code", "scope": " ".join(self.scopes),
                           "redirect_uri": redirect_uri, "state": state})
        return AuthorizationRequest(url=f"{self.authorize_url()}?{query}")

    @sensitive_variables("code")
    def exchange_code(self, connection, *, code: str, redirect_uri: str, code_verifier: str | None,
                      params: dict[str, Any]) -> TokenSet:
        realm_id = str(params.get("realmId") or "")
        if not realm_id.isdigit():
            raise BadProviderResponse("QuickBooks sent the callback without a realmId")
        answer = self._token_call({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})
        return self._tokenset(answer, external_id=realm_id)

    @sensitive_variables("answer")
    def refresh(self, connection) -> TokenSet:
        from integrations_core.services.tokens import token_needs_refresh, token_store

        with transaction.atomic():
            locked = type(connection).objects.select_for_update().get(pk=connection.pk)
            if (locked.refresh_token and locked.refresh_token != connection.refresh_token
                    and not token_needs_refresh(locked)):
                # Another worker rotated the chain while we waited for the lock: use its tokens.
                return TokenSet(access_token=locked.access_token, refresh_token=locked.refresh_token,
                                expires_at=locked.token_expires_at, consent_expires_at=locked.consent_expires_at)
            if not locked.refresh_token:
                raise consent_expired(locked.consent_expires_at)
            if locked.consent_expires_at and locked.consent_expires_at <= timezone.now():
                raise consent_expired(locked.consent_expires_at)
            try:
                answer = self._token_call({"grant_type": "refresh_token", "refresh_token": locked.refresh_token})
            except ConsentExpired:
                raise consent_expired(locked.consent_expires_at) from None
            tokens = self._tokenset(answer)
            token_store(locked, tokens)  # the new refresh token, in the transaction that spent the old
        connection.access_token, connection.refresh_token = locked.access_token, locked.refresh_token
        connection.token_expires_at, connection.consent_expires_at = locked.token_expires_at, locked.consent_expires_at
        return tokens

    def revoke(self, connection) -> None:
        """Revoking the refresh token ends the whole chain (and disconnects the app)."""
        token = connection.refresh_token or connection.access_token
        if not token:
            return
        session = build_session(retries=0)
        send(session, "POST", self.revoke_url(), json={"token": token}, auth=(self.client_id(), self.client_secret()),
             headers={"Accept": "application/json"})

    @sensitive_variables("form")
    def _token_call(self, form: dict[str, str]) -> dict[str, Any]:
        if not self.is_configured():
            raise ProviderConfigurationError("QuickBooks is not configured")
        # Never retried inline: a retried refresh could spend a rotated token twice.
        session = build_session(retries=0)
        response = send(session, "POST", self.token_url(), data=form, auth=(self.client_id(), self.client_secret()),
                        headers={"Accept": "application/json"}, classify=_token_error)
        body = safe_json(response)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise BadProviderResponse("QuickBooks' token endpoint answered without an access token")
        return body

    def _tokenset(self, answer: dict[str, Any], *, external_id: str = "") -> TokenSet:
        now = timezone.now()
        try:
            expires_in = int(answer.get("expires_in") or 3600)
            chain_days = int(answer.get("x_refresh_token_expires_in") or REFRESH_TOKEN_DAYS * 86400)
        except (TypeError, ValueError) as exc:
            raise BadProviderResponse("QuickBooks' token endpoint sent unreadable lifetimes") from exc
        return TokenSet(access_token=str(answer["access_token"]), refresh_token=str(answer.get("refresh_token") or ""),
                        expires_at=now + timedelta(seconds=expires_in), scope=str(answer.get("scope") or ""),
                        consent_expires_at=now + timedelta(seconds=chain_days), external_id=external_id)

    # --- webhooks -----------------------------------------------------------------------------
    def webhook_verifier(self):
        token = settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN
        if not token:
            return None
        from .webhooks import QuickBooksWebhookVerifier

        return QuickBooksWebhookVerifier(token)

    def handle_webhook(self, payload: dict[str, Any]) -> None:
        from .webhooks import quickbooks_webhook_handle

        quickbooks_webhook_handle(self, payload)

    # --- data ---------------------------------------------------------------------------------
    def bind(self, connection):
        from .source import QuickBooksSource

        return QuickBooksSource(self.client(connection), connection)


def _token_error(response: requests.Response, body: Any) -> ProviderError | None:
    code = str(body.get("error") or "") if isinstance(body, dict) else ""
    if code == "invalid_grant":
        return ConsentExpired("QuickBooks refused the grant", provider_code=code, status=response.status_code)
    if code == "invalid_client" or response.status_code == 401:
        return ProviderAuthError("QuickBooks refused our client credentials", provider_code=code or "invalid_client",
                                 status=response.status_code)
    return None
