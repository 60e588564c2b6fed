"""Plaid: US (and CA/EU) banks through Link. What it is and can do; the sources bound to one
connection live in source.py, webhook verification and handling in webhooks.py.

Connecting: `/link/token/create` gives a link token (`update` mode, with the Item's access
token, when the person reconnects); the browser opens Link (in the sandbox, the mock's Link
page) and comes back to our callback with a public token, or a mobile app posts it; we exchange
it for the Item's access token (it does not expire; stored encrypted) and its item id (the
connection's external_id, which webhooks name)."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from integrations_core.providers.base import AuthorizationRequest, AuthType, Capability, Family, Provider
from integrations_core.providers.errors import BadProviderResponse
from integrations_core.records import TokenSet

from .client import ITEM_LIMIT_WAIT, PlaidClient

logger = logging.getLogger(__name__)


class PlaidProvider(Provider):
    slug = "plaid"
    name = "Plaid"
    family = Family.BANKING
    auth_type = AuthType.TOKEN_EXCHANGE
    capabilities = frozenset({
        Capability.ACCOUNTS, Capability.BALANCES, Capability.TRANSACTIONS, Capability.PENDING_TRANSACTIONS,
        Capability.REVOKE, Capability.CARDS, Capability.SCHEDULED_SYNC,
    })
    consent_days = None  # US Items do not expire; EU/UK ones announce it (PENDING_EXPIRATION)
    default_retry_after = ITEM_LIMIT_WAIT  # Plaid's limits are per minute and it sends no Retry-After
    settlement_max_days = 30  # Plaid drops a pending transaction that has not posted in about two weeks
    connection_model = "open_banking.BankConnection"
    products: tuple[str, ...] = ("transactions",)

    # --- configuration (the sandbox stands in for the real host through settings) -------------
    def is_configured(self) -> bool:
        return bool(settings.PLAID_CLIENT_ID and settings.PLAID_SECRET)

    def client(self, access_token: str = "") -> PlaidClient:
        return PlaidClient(base_url=settings.PLAID_URL, client_id=settings.PLAID_CLIENT_ID,
                           secret=settings.PLAID_SECRET, access_token=access_token)

    def webhook_url(self) -> str:
        return settings.PLAID_WEBHOOK_URL or (settings.SITE_URL.rstrip("/")
                                              + reverse("integrations-webhook", args=[self.slug]))

    # --- connect ----------------------------------------------------------------------------
    def authorization_request(self, connection, *, state: str, redirect_uri: str,
                              code_challenge: str | None) -> AuthorizationRequest:
        body: dict[str, Any] = {
            "client_name": settings.PLAID_CLIENT_NAME, "language": "en",
            "country_codes": list(settings.PLAID_COUNTRY_CODES),
            "user": {"client_user_id": str(connection.user_id)}, "webhook": self.webhook_url(),
        }
        if connection.access_token:
            body["access_token"] = connection.access_token  # update mode: the same Item, logged in again
        else:
            body["products"] = list(self.products)
            body["transactions"] = {"days_requested": settings.PLAID_DAYS_REQUESTED}
        answer = self.client().link_token_create(body)
        token = answer.get("link_token")
        if not isinstance(token, str) or not token:
            raise BadProviderResponse("Plaid answered /link/token/create without a link_token")
        query = {"token": token, "state": state, "redirect_uri": redirect_uri}
        if connection.institution_id:
            query["institution_id"] = connection.institution_id
        return AuthorizationRequest(url=f"{settings.PLAID_LINK_URL}?{urlencode(query)}", client_token=token)

    def exchange_code(self, connection, *, code: str, redirect_uri: str, code_verifier: str | None,
                      params: dict[str, Any]) -> TokenSet | None:
        if connection.access_token:
            return None  # update mode: the Item and its access token stay the same
        answer = self.client().public_token_exchange(code or str(params.get("public_token") or ""))
        access_token, item_id = answer.get("access_token"), answer.get("item_id")
        if not isinstance(access_token, str) or not access_token or not item_id:
            raise BadProviderResponse("Plaid answered the exchange without an access token")
        return TokenSet(access_token=access_token, external_id=str(item_id))

    def revoke(self, connection) -> None:
        if connection.access_token:
            self.client(connection.access_token).item_remove()

    # --- webhooks ---------------------------------------------------------------------------
    def webhook_verifier(self):
        from .webhooks import PlaidWebhookVerifier

        return PlaidWebhookVerifier(self)

    def handle_webhook(self, payload: dict[str, Any]) -> None:
        from .webhooks import plaid_webhook_handle

        plaid_webhook_handle(self, payload)

    # --- data -------------------------------------------------------------------------------
    def bind(self, connection):
        from .source import PlaidTransactionsSource

        return PlaidTransactionsSource(self.client(connection.access_token), page_size=settings.PLAID_SYNC_PAGE_SIZE)
