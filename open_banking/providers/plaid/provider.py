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
    # Asked for when the institution has it; an Item without it still links (banking only).
    optional_products: tuple[str, ...] = ("investments",)
    # One Item can hold a brokerage account beside the bank accounts: its holdings and trades
    # live in the investments family, on a linked connection that rides on this Item (the
    # core's services/linked.py). `bind` answers the investments source for that connection.
    linked_connection_models = ("investments.InvestmentConnection",)

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
            body["optional_products"] = list(self.optional_products)
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
        if connection.access_token and not self._is_linked(connection):
            self.client(connection.access_token).item_remove()

    # --- webhooks ---------------------------------------------------------------------------
    def webhook_verifier(self):
        from .webhooks import PlaidWebhookVerifier

        return PlaidWebhookVerifier(self)

    def handle_webhook(self, payload: dict[str, Any]) -> None:
        from .webhooks import plaid_webhook_handle

        plaid_webhook_handle(self, payload)

    # --- linked connections (investments on the same Item) ----------------------------------
    def linked_connection_models_for(self, connection) -> tuple[str, ...]:
        """The investments connection only when the Item has an investment account (one
        /accounts/get at connect time); an unanswered call links nothing (the bank still connects)."""
        from integrations_core.providers.errors import ProviderError

        from .mapper import account_type

        try:
            accounts = self.client(connection.access_token).accounts_get().get("accounts") or []
        except ProviderError as exc:
            logger.info("plaid investments check skipped code=%s", exc.code)
            return ()
        if any(account_type(a) == "investment" for a in accounts if isinstance(a, dict)):
            return self.linked_connection_models
        return ()

    def _is_linked(self, connection) -> bool:
        return connection._meta.label_lower != self.connection_model.lower()

    # --- data -------------------------------------------------------------------------------
    def bind(self, connection):
        if self._is_linked(connection):
            # The investments connection holds no token: the Item's is on the bank connection.
            from integrations_core.services.linked import connection_primary

            from .source import PlaidInvestmentsSource

            primary = connection_primary(connection)
            token = primary.access_token if primary is not None else ""
            return PlaidInvestmentsSource(self.client(token), page_size=getattr(settings, "PLAID_INVESTMENTS_PAGE_SIZE", 500))
        from .source import PlaidTransactionsSource

        return PlaidTransactionsSource(self.client(connection.access_token), page_size=settings.PLAID_SYNC_PAGE_SIZE)
