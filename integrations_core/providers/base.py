"""Provider descriptors: what a provider *is* and what it can do. The runtime object bound to
one connection (client + credentials) is separate: `Provider.bind(connection)`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from integrations_core.models import Connection
    from integrations_core.records import TokenSet
    from integrations_core.webhooks import WebhookVerifier


class AuthType(StrEnum):
    OAUTH2 = "oauth2"  # browser redirect with code exchange (TrueLayer)
    REDIRECT = "redirect"  # browser redirect to a consent link, no token exchange (GoCardless)
    API_KEY = "api_key"  # the person pastes a key (Trading 212)
    FILE_UPLOAD = "file_upload"  # the person uploads a statement file (Hargreaves Lansdown CSV)
    # The provider's own widget (Plaid Link) hands back a public token we exchange for an access
    # token; web browsers reach the widget through a redirect, mobile SDKs post the token.
    TOKEN_EXCHANGE = "token_exchange"
    NONE = "none"  # nothing to authorise (manual accounts, CSV imports)
    # The person gives identity data and consent; a find request matches them at the provider
    # (the UK pensions dashboards model). No token exchange; the flow belongs to the family.
    FIND_REQUEST = "find_request"


class Family(StrEnum):
    BANKING = "banking"
    INVESTMENTS = "investments"
    PENSIONS = "pensions"
    PAYMENTS = "payments"  # card processors and wallets (Stripe, PayPal): money in, fees, payouts
    ACCOUNTING = "accounting"  # the books (Xero, QuickBooks): read, and written back to


class Capability(StrEnum):
    ACCOUNTS = "accounts"
    BALANCES = "balances"
    TRANSACTIONS = "transactions"
    PENDING_TRANSACTIONS = "pending_transactions"
    PENDING_IDS = "pending_ids"  # pending items carry an id that survives booking
    REFRESH_TOKENS = "refresh_tokens"
    REVOKE = "revoke"
    CONSENT_EXPIRY = "consent_expiry"
    PKCE = "pkce"
    HOLDINGS = "holdings"
    INVESTMENT_TRANSACTIONS = "investment_transactions"
    CARDS = "cards"
    SCHEDULED_SYNC = "scheduled_sync"  # synced by the daily run (a file import is not)
    # Payment processors (records: BalanceTransactionRecord, PayoutRecord, DisputeRecord).
    BALANCE_TRANSACTIONS = "balance_transactions"
    PAYOUTS = "payouts"
    DISPUTES = "disputes"
    # Accounting (records: LedgerAccountRecord ... BookBankTransactionRecord).
    CHART_OF_ACCOUNTS = "chart_of_accounts"
    CONTACTS = "contacts"
    INVOICES = "invoices"  # invoices and bills, with their payments
    TRACKING_CATEGORIES = "tracking_categories"
    BOOK_BANK_TRANSACTIONS = "book_bank_transactions"
    PUSH_BANK_TRANSACTIONS = "push_bank_transactions"  # the provider is a BooksWriter
    CHANGE_DATA_CAPTURE = "change_data_capture"  # incremental reads with deletions (QuickBooks CDC)
    WEBHOOKS = "webhooks"


@dataclass(frozen=True)
class CredentialField:
    """One input of an API-key connect form. `secret` fields are write-only everywhere: never
    rendered back, never in an API response, log or admin page."""

    name: str
    label: str
    secret: bool = True
    help_text: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # e.g. (("demo", "Practice"), ("live", "Real money"))
    required: bool = True


@dataclass(frozen=True)
class CredentialCheck:
    """What one cheap call with a pasted key told us, before anything is stored."""

    external_id: str  # the platform's account id, stored on the connection
    institution_name: str = ""
    scopes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class AuthorizationRequest:
    """What the connect flow needs to send the person to the provider."""

    url: str
    external_id: str = ""  # e.g. a GoCardless requisition id, stored on the connection
    # A short-lived token a mobile SDK opens the provider's widget with (Plaid's link_token).
    client_token: str = ""


@dataclass(frozen=True)
class VerifiedWebhook:
    """A webhook whose signature checked out: a stable id for the delivery (replays are told
    apart by it) and the parsed body."""

    delivery_id: str
    payload: dict[str, Any]


class Provider:
    """Subclass per provider; declare, don't compute. Registered by dotted path in
    settings.INTEGRATION_PROVIDERS."""

    slug: ClassVar[str]
    name: ClassVar[str]
    family: ClassVar[Family]
    auth_type: ClassVar[AuthType]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    consent_days: ClassVar[int | None] = None
    daily_call_quota: ClassVar[int | None] = None  # per account and scope, where the bank limits it
    # Seconds to wait after a 429 that does not say how long (no Retry-After): a bank's limits
    # are a few unattended calls a day, so an hour unless the provider declares otherwise.
    default_retry_after: ClassVar[int] = 3600
    # How the incremental sync window is sized (docs/reliability.md, "Sync window"):
    # the longest a pending payment can take to book (TrueLayer documents up to 120 days)...
    settlement_max_days: ClassVar[int] = 120
    # ...and how far back the provider lets us ask without the person present (None: no limit).
    history_max_days_unattended: ClassVar[int | None] = None
    logo_url: ClassVar[str] = ""
    # "app_label.ModelName" of the concrete Connection model this provider's connections live in.
    connection_model: ClassVar[str]
    # True when a connection can only be started for a chosen institution (the provider has no
    # picker of its own, e.g. GoCardless: the agreement is per institution).
    requires_institution: ClassVar[bool] = False
    # Connection models ("app_label.ModelName") of *other* families that one consent of this
    # provider can also feed (a Plaid Item with a brokerage account beside the bank accounts).
    # The core creates one linked connection per model when the consent is made
    # (services/linked.py); `bind` gets the linked connection and answers that family's source.
    linked_connection_models: ClassVar[tuple[str, ...]] = ()

    def linked_connection_models_for(self, connection: Connection) -> tuple[str, ...]:
        """Which of `linked_connection_models` this consent feeds (asked once, right after it
        is made; a provider may ask its API whether the consent covers such accounts). Must
        not raise: a consent is made whatever this answers."""
        return self.linked_connection_models

    def has(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def is_configured(self) -> bool:
        """False when the operator has not supplied credentials; such a provider is hidden."""
        return True

    # --- connect flow (redirect-based providers implement these) ----------------------------
    def authorization_request(self, connection: Connection, *, state: str, redirect_uri: str,
                              code_challenge: str | None) -> AuthorizationRequest:
        raise NotImplementedError

    # Query parameters of the browser callback this provider needs besides code/state/error (the
    # company the person picked, say); the callback view passes only those it is told about.
    callback_params: ClassVar[tuple[str, ...]] = ()
    # Where the browser callback sends the person once the consent is made (or refused): the
    # page of the family the connection lives in, which shows the callback's message.
    connected_page: ClassVar[str] = "/connections/"

    def callback_state(self, params: dict[str, Any]) -> str:
        """The state we issued, as the provider sends it back to the callback."""
        return params.get("state", "")

    def exchange_code(self, connection: Connection, *, code: str, redirect_uri: str,
                      code_verifier: str | None, params: dict[str, Any]) -> TokenSet | None:
        """Turn the callback into tokens. Providers with no token exchange return None."""
        raise NotImplementedError

    def refresh(self, connection: Connection) -> TokenSet:
        raise NotImplementedError

    def revoke(self, connection: Connection) -> None:
        """Tell the provider to forget the consent. Default: nothing to call."""

    # --- API-key connect flow (auth_type API_KEY) -------------------------------------------
    credential_fields: ClassVar[tuple[CredentialField, ...]] = ()

    def credentials_check(self, credentials: dict[str, str]) -> CredentialCheck:
        """One cheap call with the pasted credentials (held only in memory). Raises the shared
        errors: ProviderAuthError for a bad key, ScopeMissing naming the scope, RateLimited."""
        raise NotImplementedError

    # --- webhooks (opt-in; see integrations_core/webhooks.py) ---------------------------------
    def webhook_secret(self) -> str | None:
        """The shared secret webhooks are signed with; None means this provider sends none."""
        return None

    def webhook_verifier(self) -> WebhookVerifier | None:
        """How this provider's deliveries are verified; None: it sends none (the endpoint 404s).
        Default: the platform's HMAC scheme when a secret is declared. A provider with its own
        scheme (a signed JWT, say) returns its own verifier."""
        secret = self.webhook_secret()
        if not secret:
            return None
        from integrations_core.webhooks import HmacWebhookVerifier

        return HmacWebhookVerifier(secret)

    def handle_webhook(self, payload: dict[str, Any]) -> None:
        """Act on a verified, stored webhook (usually: queue a sync of the connection it names,
        with `connection_sync_debounced`). Called from a Celery task, possibly more than once
        for one delivery (a retry, an operator's replay): it must be idempotent. Raising makes
        the core retry it with backoff."""

    # --- health (integrations_core/health/) -------------------------------------------------
    def quota_left_today(self, connection_ids: list) -> dict[str, int]:
        """Calls left today per connection (str(pk) -> calls), for providers with a daily call
        quota; connections it cannot tell about are left out. One query for all of them, never
        one per connection. Default: nothing known."""
        return {}

    # --- data -------------------------------------------------------------------------------
    def bind(self, connection: Connection):
        """Return the runtime data source for one connection (see `sources.py`)."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "name": self.name,
            "family": str(self.family),
            "auth_type": str(self.auth_type),
            "capabilities": sorted(str(c) for c in self.capabilities),
            "consent_days": self.consent_days,
            "logo_url": self.logo_url,
        }
