"""PayPal: the merchant's own REST app, connected with its client id and secret (the api_key
flow). Each sync fetches a client-credentials token (POST /v1/oauth2/token) and reads the
Transaction Search, Balances and Disputes APIs (source.py). The app needs the "Transaction
search" feature (scope .../reporting/search/read); "Disputes" is optional (a sync without it is
partial and says so).

Settings (read with defaults, so the provider works without new settings): PAYPAL_LIVE_URL,
PAYPAL_SANDBOX_URL (the platform's sandbox stands in for either), PAYPAL_HISTORY_DAYS,
PAYPAL_MAX_WINDOWS_PER_SYNC; for webhooks see webhooks.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from integrations_core.providers.base import (
    AuthType,
    Capability,
    CredentialCheck,
    CredentialField,
    Family,
    Provider,
)
from integrations_core.providers.errors import BadProviderResponse, ProviderAuthError, ScopeMissing

from . import mapper
from .client import SCOPE_DISPUTES, SCOPE_SEARCH, PayPalClient
from .source import PayPalSource
from .webhooks import PayPalWebhookVerifier, paypal_webhook_handle

LIVE_URL = "https://api-m.paypal.com"
SANDBOX_URL = "https://api-m.sandbox.paypal.com"
ENVIRONMENTS = (("live", "Live"), ("sandbox", "Sandbox (developer.paypal.com test accounts)"))


class PayPalProvider(Provider):
    slug = "paypal"
    name = "PayPal"
    logo_url = "/static/logos/paypal.svg"
    family = Family.PAYMENTS
    auth_type = AuthType.API_KEY
    capabilities = frozenset({Capability.BALANCES, Capability.BALANCE_TRANSACTIONS, Capability.PAYOUTS,
                              Capability.DISPUTES, Capability.SCHEDULED_SYNC, Capability.WEBHOOKS})
    connection_model = "payments.PaymentsConnection"
    default_retry_after = 60  # PayPal's limits are per minute
    settlement_max_days = 7  # an eCheck takes up to a week to clear
    credential_fields = (
        CredentialField("environment", "Environment", secret=False, choices=ENVIRONMENTS,
                        help_text="Where the REST app lives: live, or PayPal's developer sandbox."),
        CredentialField("client_id", "Client ID",
                        help_text="developer.paypal.com > Apps & Credentials > your app. The app needs "
                                  "the Transaction search feature (and Disputes, to see cases)."),
        CredentialField("client_secret", "Secret"),
        CredentialField("webhook_id", "Webhook ID", secret=False, required=False,
                        help_text="Optional: the id PayPal shows for a webhook you added to the app with "
                                  "this site's PayPal webhook address. Without it we sync daily."),
    )

    def base_url(self, environment: str) -> str:
        if environment == "live":
            return getattr(settings, "PAYPAL_LIVE_URL", LIVE_URL)
        if environment == "sandbox":
            return getattr(settings, "PAYPAL_SANDBOX_URL", SANDBOX_URL)
        raise ProviderAuthError("Choose the live or the sandbox environment")

    @sensitive_variables("credentials")
    def client(self, credentials: dict[str, Any]) -> PayPalClient:
        return PayPalClient(base_url=self.base_url(str(credentials.get("environment") or "")),
                            client_id=str(credentials.get("client_id") or "").strip(),
                            client_secret=str(credentials.get("client_secret") or "").strip())

    @sensitive_variables("credentials")
    def credentials_check(self, credentials: dict[str, str]) -> CredentialCheck:
        """A token (a wrong id or secret: ProviderAuthError) whose scopes include Transaction
        search (else ScopeMissing naming it), then the balances, which name the PayPal account:
        the connection's external_id (the merchant id webhooks carry)."""
        client = self.client(credentials)
        client.token()
        if SCOPE_SEARCH not in client.scopes:
            raise ScopeMissing(scope="Transaction search")
        _accounts, _balances, account_id = mapper.balances(client.balances())
        if not account_id:
            raise BadProviderResponse("PayPal did not say which account the app belongs to")
        scopes = {"transaction_search"} | ({"disputes"} if SCOPE_DISPUTES in client.scopes else set())
        return CredentialCheck(external_id=account_id, institution_name=mapper.INSTITUTION_NAME,
                               scopes=frozenset(scopes))

    def bind(self, connection) -> PayPalSource:
        return PayPalSource(self.client(connection.credentials or {}))

    def webhook_verifier(self) -> PayPalWebhookVerifier:
        return PayPalWebhookVerifier(self)

    def handle_webhook(self, payload: dict[str, Any]) -> None:
        paypal_webhook_handle(self, payload)
