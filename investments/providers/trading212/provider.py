"""Trading 212 (Public API v0): what it is and can do. The person pastes a key (and its
secret) for the demo or live environment; the source bound to a connection does the rest.

Hosts come from settings, read with defaults so the provider works without new settings:
TRADING212_DEMO_URL, TRADING212_LIVE_URL (the sandbox stands in for either in development and
tests), TRADING212_MAX_INLINE_WAIT (seconds a spent quota may be waited out in-process)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from integrations_core.providers.base import (
    AuthType,
    Capability,
    CredentialCheck,
    CredentialField,
    Family,
    Provider,
)
from integrations_core.providers.errors import BadProviderResponse, ProviderAuthError, RateLimited

from . import mapper
from .client import DEFAULT_MAX_INLINE_WAIT, HISTORY_ENDPOINTS, Trading212Client
from .source import Trading212Source

DEMO_URL = "https://demo.trading212.com/api/v0"
LIVE_URL = "https://live.trading212.com/api/v0"
ENVIRONMENTS = (("demo", "Practice (demo)"), ("live", "Real money (live)"))


class Trading212Provider(Provider):
    slug = "trading212"
    name = "Trading 212"
    logo_url = "/static/logos/trading212.svg"
    family = Family.INVESTMENTS
    auth_type = AuthType.API_KEY
    capabilities = frozenset({
        Capability.HOLDINGS, Capability.INVESTMENT_TRANSACTIONS, Capability.SCHEDULED_SYNC, Capability.BALANCES,
    })
    connection_model = "investments.InvestmentConnection"
    # A 429 always carries x-ratelimit-reset; this is for the odd one that does not. The
    # longest documented period is a minute.
    default_retry_after = 60
    credential_fields = (
        CredentialField("environment", "Environment", secret=False, choices=ENVIRONMENTS,
                        help_text="The practice account's keys only work on demo, real-money keys on live."),
        CredentialField("api_key", "API key",
                        help_text="Trading 212 app: Settings > API (Beta). Read permissions are enough: "
                                  "account, portfolio, metadata, history:orders, history:dividends, "
                                  "history:transactions."),
        CredentialField("api_secret", "API secret", required=False,
                        help_text="Shown once when the key is made. Older keys have none."),
    )

    def base_url(self, environment: str) -> str:
        if environment == "live":
            return getattr(settings, "TRADING212_LIVE_URL", LIVE_URL)
        if environment == "demo":
            return getattr(settings, "TRADING212_DEMO_URL", DEMO_URL)
        raise ProviderAuthError("Choose the demo or the live environment")

    def client(self, credentials: dict[str, Any]) -> Trading212Client:
        return Trading212Client(
            base_url=self.base_url(str(credentials.get("environment") or "")),
            api_key=str(credentials.get("api_key") or "").strip(),
            api_secret=str(credentials.get("api_secret") or "").strip(),
            max_inline_wait=float(getattr(settings, "TRADING212_MAX_INLINE_WAIT", DEFAULT_MAX_INLINE_WAIT)),
        )

    def credentials_check(self, credentials: dict[str, str]) -> CredentialCheck:
        """The 2026 summary (or account info on the older path set): a bad key raises
        ProviderAuthError, a key without `account` ScopeMissing. Then one smallest page of each
        history endpoint (`limit=1`, one of its six calls a minute), so a key without a history
        scope is refused now, naming the scope, not at the first sync. `portfolio` and
        `metadata` are not checked here: their limits (one call a second, one per 50 seconds)
        would make the first sync, queued right after, wait or fail; a key without them fails
        that sync with the scope named. A quota spent by another app does not refuse a key."""
        client = self.client(credentials)
        account = client.account_id()
        external_id = str(account.get("id") or "")
        if not external_id:
            raise BadProviderResponse("Trading 212 did not say which account the key is for")
        scopes = {"account"}
        for name in HISTORY_ENDPOINTS:
            try:
                client.history_probe(name)
            except RateLimited:
                continue
            scopes.add(client.scope_of(name))
        return CredentialCheck(external_id=external_id, institution_name=mapper.INSTITUTION_NAME,
                               scopes=frozenset(scopes))

    def bind(self, connection) -> Trading212Source:
        credentials = connection.credentials or {}
        return Trading212Source(self.client(credentials))
