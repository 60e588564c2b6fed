"""TrueLayer (Data API v1): what it is and can do, and the data source bound to one connection."""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from integrations_core.models import AccountType
from integrations_core.providers.base import AuthType, Capability, Family
from integrations_core.providers.errors import ProviderError
from integrations_core.providers.oauth import OAuth2Provider
from integrations_core.records import AccountData, AccountRecord, TokenSet
from integrations_core.services.tokens import token_needs_refresh

from . import mapper
from .client import EndpointNotSupported, HistoryTooOld, TrueLayerClient

logger = logging.getLogger(__name__)

# The first sync asks for this much history; banks that refuse (or want a fresh SCA for old
# data) get the 89 days every UK bank must give without one.
FULL_HISTORY_DAYS = 730
FALLBACK_HISTORY_DAYS = 89
# A 429 without Retry-After: TrueLayer's limits are the bank's few unattended calls a day.
DEFAULT_RETRY_AFTER = 3600


class TrueLayerProvider(OAuth2Provider):
    slug = "truelayer"
    name = "TrueLayer"
    family = Family.BANKING
    auth_type = AuthType.OAUTH2
    capabilities = frozenset({
        Capability.ACCOUNTS, Capability.BALANCES, Capability.TRANSACTIONS, Capability.PENDING_TRANSACTIONS,
        Capability.REFRESH_TOKENS, Capability.REVOKE, Capability.CONSENT_EXPIRY, Capability.PKCE, Capability.CARDS,
        Capability.SCHEDULED_SYNC,
    })
    consent_days = 90
    # Without a fresh SCA UK banks give 90 days of history (sca_exceeded beyond): incremental
    # windows are clamped to it, so a quiet account keeps syncing instead of failing daily.
    history_max_days_unattended = FALLBACK_HISTORY_DAYS
    settlement_max_days = 120  # "can stay pending up to 120" (TrueLayer's pending endpoint docs)
    default_retry_after = DEFAULT_RETRY_AFTER
    connection_model = "open_banking.BankConnection"
    scopes = ["info", "accounts", "balance", "cards", "transactions", "offline_access"]

    # --- configuration (the sandbox stands in for the real hosts through settings) -------------
    def authorize_url(self) -> str:
        return settings.TRUELAYER_AUTH_URL.rstrip("/") + "/"

    def token_url(self) -> str:
        return settings.TRUELAYER_AUTH_URL.rstrip("/") + "/connect/token"

    def client_id(self) -> str:
        return settings.TRUELAYER_CLIENT_ID

    def client_secret(self) -> str:
        return settings.TRUELAYER_CLIENT_SECRET

    def extra_auth_params(self, connection) -> dict[str, str]:
        params = {"providers": settings.TRUELAYER_PROVIDERS}
        if connection.institution_id:
            params["provider_id"] = connection.institution_id  # skip TrueLayer's bank picker
        return params

    def client(self, access_token: str) -> TrueLayerClient:
        return TrueLayerClient(api_url=settings.TRUELAYER_API_URL, auth_url=settings.TRUELAYER_AUTH_URL,
                               access_token=access_token)

    # --- connect ----------------------------------------------------------------------------
    def exchange_code(self, connection, *, code: str, redirect_uri: str, code_verifier: str | None,
                      params: dict[str, Any]) -> TokenSet:
        tokens = super().exchange_code(connection, code=code, redirect_uri=redirect_uri,
                                       code_verifier=code_verifier, params=params)
        return self._with_consent(tokens)

    def _with_consent(self, tokens: TokenSet) -> TokenSet:
        """Read the consent's expiry (and the credentials id) from /me. A /me failure does not
        undo the connection: the first sync will meet the same fault and report it properly."""
        consent = timezone.now() + timedelta(days=self.consent_days)
        external_id = ""
        try:
            me = self.client(tokens.access_token).me()
            consent = mapper.consent_expiry(me) or consent
            external_id = str(me.get("credentials_id") or "")
        except ProviderError as exc:
            logger.warning("truelayer /me failed code=%s", exc.code)
        return dataclasses.replace(tokens, consent_expires_at=consent, external_id=external_id)

    def revoke(self, connection) -> None:
        if not connection.access_token:
            return
        token = connection.access_token
        if token_needs_refresh(connection) and connection.refresh_token:
            try:
                token = self.refresh(connection).access_token
            except ProviderError as exc:
                logger.info("truelayer refresh before revoke failed connection=%s code=%s", connection.pk, exc.code)
        self.client(token).delete_connection()

    # --- data -------------------------------------------------------------------------------
    def bind(self, connection) -> TrueLayerSource:
        return TrueLayerSource(self.client(connection.access_token), connection)


class TrueLayerSource:
    """Accounts and cards of one connection. Per account and sync: balance, booked, pending."""

    def __init__(self, client: TrueLayerClient, connection):
        self.client = client
        self.connection = connection

    @property
    def calls(self) -> int:
        return self.client.calls

    def list_accounts(self) -> list[AccountRecord]:
        records: list[AccountRecord] = []
        for fetch, to_record in ((self.client.accounts, mapper.account_record),
                                 (self.client.cards, mapper.card_record)):
            try:
                items = fetch()
            except EndpointNotSupported:
                continue  # a card-only bank has no /accounts, most banks have no /cards
            records.extend(to_record(item) for item in items)
        return records

    def fetch_account(self, account: AccountRecord, *, since: date | None) -> AccountData:
        # A 429 simply propagates: the core records the wait (Retry-After, or this provider's
        # default_retry_after) for the account and the connection.
        kind = mapper.CARDS if account.type == AccountType.CREDIT_CARD else mapper.ACCOUNTS
        today = timezone.localdate()
        date_from = since or today - timedelta(days=FULL_HISTORY_DAYS)
        balance = mapper.balance_record(self.client.balance(kind, account.external_id), kind)
        try:
            booked = self.client.transactions(kind, account.external_id, date_from=date_from, date_to=today)
        except HistoryTooOld as exc:
            if since is not None:
                # Even the clamped window was refused: keep the balance flowing and report the
                # account as failing rather than losing both (nothing is deleted: no window).
                return AccountData(account=account, balance=balance, booked=[], pending=None,
                                   transactions_error=exc)
            date_from = today - timedelta(days=FALLBACK_HISTORY_DAYS)
            booked = self.client.transactions(kind, account.external_id, date_from=date_from, date_to=today)
        try:
            pending = mapper.transaction_records(self.client.pending(kind, account.external_id), kind, "pending")
        except EndpointNotSupported:
            pending = None  # the bank cannot say: keep the pending rows we have
        return AccountData(
            account=account,
            balance=balance,
            booked=mapper.transaction_records(booked, kind, "booked"),
            pending=pending,
            window_from=date_from,
            window_to=today,
        )
