"""Xero (Accounting API 2.0): what it is and can do. OAuth2 authorization code with PKCE and
`offline_access` (refresh tokens rotate: each refresh answers a new one and spends the old);
one consent reaches every organisation (tenant) the person ticked on Xero's consent screen,
listed by GET /connections; each tenant is an organisation of ours.

Hosts come from settings so the sandbox's mock Xero stands in for them: XERO_LOGIN_URL
(login.xero.com: the authorize page), XERO_IDENTITY_URL (identity.xero.com: tokens,
revocation), XERO_API_URL (api.xero.com: /connections and /api.xro/2.0)."""

from __future__ import annotations

import logging

from django.conf import settings

from integrations_core.providers.base import AuthType, Capability, Family
from integrations_core.providers.errors import ProviderError
from integrations_core.providers.oauth import OAuth2Provider

logger = logging.getLogger(__name__)


class XeroProvider(OAuth2Provider):
    slug = "xero"
    connected_page = "/accounting/"  # the callback lands on the family's own page
    name = "Xero"
    logo_url = "/static/logos/xero.svg"
    family = Family.ACCOUNTING
    auth_type = AuthType.OAUTH2
    capabilities = frozenset({
        Capability.ACCOUNTS, Capability.REFRESH_TOKENS, Capability.REVOKE, Capability.PKCE,
        Capability.SCHEDULED_SYNC, Capability.CHART_OF_ACCOUNTS, Capability.CONTACTS, Capability.INVOICES,
        Capability.TRACKING_CATEGORIES, Capability.BOOK_BANK_TRANSACTIONS, Capability.PUSH_BANK_TRANSACTIONS,
    })
    connection_model = "accounting.BooksConnection"
    # 60 calls a minute per tenant: a 429 without Retry-After is over within the minute.
    default_retry_after = 60
    daily_call_quota = 5000  # per tenant (the 24-hour rolling limit)
    scopes = ["openid", "profile", "email", "offline_access", "accounting.settings", "accounting.contacts",
              "accounting.transactions"]

    def authorize_url(self) -> str:
        return settings.XERO_LOGIN_URL.rstrip("/") + "/identity/connect/authorize"

    def token_url(self) -> str:
        return settings.XERO_IDENTITY_URL.rstrip("/") + "/connect/token"

    def revocation_url(self) -> str:
        return settings.XERO_IDENTITY_URL.rstrip("/") + "/connect/revocation"

    def client_id(self) -> str:
        return settings.XERO_CLIENT_ID

    def client_secret(self) -> str:
        return settings.XERO_CLIENT_SECRET

    def client(self, access_token: str):
        from .client import XeroClient

        return XeroClient(api_url=settings.XERO_API_URL, access_token=access_token,
                          max_pages=int(getattr(settings, "XERO_MAX_PAGES", 50)))

    def revoke(self, connection) -> None:
        """Remove every tenant of the consent (DELETE /connections/{id}), then revoke the
        refresh token, so Xero forgets the grant. A tenant already gone is not an error."""
        if not connection.access_token:
            return
        client = self.client(connection.access_token)
        try:
            for item in client.connections():
                client.connection_delete(str(item["id"]))
        except ProviderError as exc:
            logger.info("xero connection delete failed connection=%s code=%s", connection.pk, exc.code)
        if connection.refresh_token:
            from .client import token_revoke

            token_revoke(self.revocation_url(), self.client_id(), self.client_secret(), connection.refresh_token)

    def bind(self, connection):
        from .source import XeroSource

        return XeroSource(self.client(connection.access_token), connection)
