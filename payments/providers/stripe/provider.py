"""Stripe: two ways in, one folder (the architecture test maps both slugs here).

- `stripe` (StripeConnectProvider): Connect OAuth with the `read_only` scope. The person is sent
  to connect.stripe.com/oauth/authorize; /oauth/token answers the connected account's id
  (`stripe_user_id`, the connection's external_id). Reads use the platform's secret key with the
  `Stripe-Account` header, as Stripe recommends over the token it also returns; disconnecting
  calls /oauth/deauthorize. Webhooks arrive on the platform's Connect endpoint, naming the account.
- `stripe_key` (StripeKeyProvider): the person pastes a restricted key (rk_...) with read
  permissions; no webhooks (the endpoint is the merchant's own), the daily sync reads it.

Settings (read with defaults so the provider works without new settings): STRIPE_API_URL,
STRIPE_CONNECT_URL (the sandbox stands in for either), STRIPE_CLIENT_ID (ca_...),
STRIPE_SECRET_KEY (the platform's sk_...), STRIPE_WEBHOOK_SECRETS (whsec_..., several while a
secret is rolled), STRIPE_WEBHOOK_DEBOUNCE_SECONDS."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from integrations_core.providers.base import (
    AuthorizationRequest,
    AuthType,
    Capability,
    CredentialCheck,
    CredentialField,
    Family,
    Provider,
)
from integrations_core.providers.errors import BadProviderResponse, ConsentExpired, ProviderAuthError
from integrations_core.providers.oauth import OAuth2Provider
from integrations_core.records import TokenSet

from . import mapper
from .client import StripeApiClient
from .source import StripeSource

API_URL = "https://api.stripe.com"
CONNECT_URL = "https://connect.stripe.com"
CAPABILITIES = frozenset({Capability.BALANCES, Capability.BALANCE_TRANSACTIONS, Capability.PAYOUTS,
                          Capability.DISPUTES, Capability.SCHEDULED_SYNC})
# Permissions a restricted key needs (Dashboard > Developers > API keys > restricted key: Read).
KEY_PERMISSIONS = ("Balance", "Balance transaction sources", "Payouts", "Disputes")


def _setting(name: str, default: Any = "") -> Any:
    return getattr(settings, name, default)


class StripeBase:
    name = "Stripe"
    logo_url = "/static/logos/stripe.svg"
    family = Family.PAYMENTS
    connection_model = "payments.PaymentsConnection"
    # Stripe's limits are per second and its 429s say no wait: a minute is plenty.
    default_retry_after = 60
    settlement_max_days = 14

    def client(self, api_key: str, *, stripe_account: str = "") -> StripeApiClient:
        return StripeApiClient(api_key=api_key, stripe_account=stripe_account,
                               api_url=_setting("STRIPE_API_URL", API_URL).rstrip("/"),
                               connect_url=_setting("STRIPE_CONNECT_URL", CONNECT_URL).rstrip("/"),
                               client_id=_setting("STRIPE_CLIENT_ID"),
                               timeout=float(_setting("PROVIDER_HTTP_TIMEOUT", 20.0)))


class StripeConnectProvider(StripeBase, OAuth2Provider):
    slug = "stripe"
    connected_page = "/payments/"  # the callback lands on the family's own page
    auth_type = AuthType.OAUTH2
    capabilities = CAPABILITIES | {Capability.REVOKE, Capability.WEBHOOKS}
    scopes = ["read_only"]

    def authorize_url(self) -> str:
        return _setting("STRIPE_CONNECT_URL", CONNECT_URL).rstrip("/") + "/oauth/authorize"

    def token_url(self) -> str:
        return _setting("STRIPE_CONNECT_URL", CONNECT_URL).rstrip("/") + "/oauth/token"

    def client_id(self) -> str:
        return _setting("STRIPE_CLIENT_ID")

    def client_secret(self) -> str:
        return _setting("STRIPE_SECRET_KEY")

    def platform(self) -> StripeApiClient:
        return self.client(self.client_secret())

    # --- connect ----------------------------------------------------------------------------
    def authorization_request(self, connection, *, state: str, redirect_uri: str,
                              code_challenge: str | None) -> AuthorizationRequest:
        url = self.platform().authorize_url({"response_type": "code", "scope": "read_only", "state": state,
                                             "redirect_uri": redirect_uri})
        return AuthorizationRequest(url=url)

    def exchange_code(self, connection, *, code: str, redirect_uri: str, code_verifier: str | None,
                      params: dict[str, Any]) -> TokenSet:
        answer = self.platform().oauth_token(code)
        account = answer.get("stripe_user_id")
        if not isinstance(account, str) or not account.startswith("acct_"):
            raise BadProviderResponse("Stripe answered the code exchange without an account")
        # Kept encrypted for completeness; reads go through the platform key + Stripe-Account.
        return TokenSet(access_token=str(answer.get("access_token") or account),
                        refresh_token=str(answer.get("refresh_token") or ""), scope=str(answer.get("scope") or ""),
                        external_id=account)

    def refresh(self, connection) -> TokenSet:
        # Nothing expires: a refused read means the account disconnected the app.
        raise ConsentExpired("The Stripe account must be connected again")

    def revoke(self, connection) -> None:
        if connection.external_id:
            self.platform().oauth_deauthorize(connection.external_id)

    # --- webhooks ---------------------------------------------------------------------------
    def webhook_verifier(self):
        from .webhooks import StripeWebhookVerifier

        secrets = [s for s in _setting("STRIPE_WEBHOOK_SECRETS", []) if s]
        return StripeWebhookVerifier(secrets) if secrets else None

    def handle_webhook(self, payload: dict[str, Any]) -> None:
        from .webhooks import stripe_webhook_handle

        stripe_webhook_handle(self, payload)

    # --- data -------------------------------------------------------------------------------
    def bind(self, connection) -> StripeSource:
        return StripeSource(self.client(self.client_secret(), stripe_account=connection.external_id))


class StripeKeyProvider(StripeBase, Provider):
    slug = "stripe_key"
    name = "Stripe (restricted key)"
    auth_type = AuthType.API_KEY
    capabilities = CAPABILITIES
    credential_fields = (
        CredentialField("api_key", "Restricted key",
                        help_text="Stripe Dashboard > Developers > API keys > Create restricted key, with Read "
                                  f"for: {', '.join(KEY_PERMISSIONS)}. It starts rk_live_ (or rk_test_)."),
    )

    @sensitive_variables("credentials", "key")
    def credentials_check(self, credentials: dict[str, str]) -> CredentialCheck:
        """A restricted key only (a secret key can move money: we never hold one), then one
        /v1/balance (the first permission a sync needs). The connection is known by a digest of
        the key (GET /v1/account needs a permission a read-only key may lack), so pasting the
        same key again reconnects the same connection."""
        key = str(credentials.get("api_key") or "").strip()
        if not key.startswith(("rk_live_", "rk_test_")):
            raise ProviderAuthError("Only a restricted key (rk_...) is accepted")
        mapper.balances(self.client(key).balance())
        return CredentialCheck(external_id="key_" + hashlib.sha256(key.encode()).hexdigest()[:24],
                               institution_name=mapper.INSTITUTION_NAME, scopes=frozenset({"rak_balance_read"}))

    def bind(self, connection) -> StripeSource:
        return StripeSource(self.client(str((connection.credentials or {}).get("api_key") or "")))
