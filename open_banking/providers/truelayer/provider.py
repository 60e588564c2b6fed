"""TrueLayer (Data API v1): what it is and can do, and the data source bound to one connection.

Which lists a sync asks for (`/accounts`, `/cards`), and why not always both:
a UK consent covers the accounts and cards the person chose at the bank when they consented
(TrueLayer's connection = one consent + one authentication; new accounts need a new consent),
and many banks have no cards at all (`/cards` answers an empty list, or 501
`endpoint_not_supported`). Asking every day for a list that answered nothing spends one of the
bank's few unattended calls a day for nothing. So, per connection:

- the first sync after a (re)connect asks for both lists (the account list is complete);
- a list that answered an empty list or 501 is remembered in `sync_state[LISTS_KEY]`, with the
  day it was asked and the consent (credentials id) it was asked under, and is asked again only
  once that day is LIST_RECHECK_DAYS local days past (a bank that starts answering is picked up
  then), or after a reconnect (a new consent: exchange_code forgets the notes);
- a list the granted scopes do not cover (`sync_state[SCOPES_KEY]`, from the token response or
  /me at connect) is never asked (the bank would refuse it with 403 access_denied);
- both lists are never skipped together: a connection whose lists both answered nothing asks
  both again (two calls, and nothing it stores could be hidden by mistake).
A list that answered something is asked every sync (its accounts' details and the "vanished
account" check depend on it). Skipping a remembered-empty list hides nothing: the sync that
heard it empty already hid any account it used to list."""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime

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
# The connection's sync_state keys this provider owns (see the module docstring).
LISTS_KEY = "truelayer_lists"
SCOPES_KEY = "truelayer_scopes"
# A list that answered nothing is asked again after this many local days (weekly).
LIST_RECHECK_DAYS = 7
EMPTY, NOT_SUPPORTED = "empty", "not_supported"


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
        return self._with_consent(connection, tokens)

    def _with_consent(self, connection, tokens: TokenSet) -> TokenSet:
        """Read the consent's expiry (and the credentials id) from /me. A /me failure does not
        undo the connection: the first sync will meet the same fault and report it properly.
        A new consent starts with no remembered lists, and with the scopes it granted."""
        consent = timezone.now() + timedelta(days=self.consent_days)
        external_id = ""
        scopes = tokens.scope.split()
        try:
            me = self.client(tokens.access_token).me()
            consent = mapper.consent_expiry(me) or consent
            external_id = str(me.get("credentials_id") or "")
            if not scopes and isinstance(me.get("scopes"), list):
                scopes = [str(s) for s in me["scopes"]]
        except ProviderError as exc:
            logger.warning("truelayer /me failed code=%s", exc.code)
        # authorization_complete saves the whole connection after this returns.
        state = {k: v for k, v in (connection.sync_state or {}).items() if k not in (LISTS_KEY, SCOPES_KEY)}
        if scopes:
            state[SCOPES_KEY] = sorted(set(scopes))
        connection.sync_state = state
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
        """The accounts and cards of the consent, asking only the lists worth asking today (the
        rule is in the module docstring)."""
        notes = ListNotes(self.connection)
        lists = ((mapper.ACCOUNTS, self.client.accounts, mapper.account_record),
                 (mapper.CARDS, self.client.cards, mapper.card_record))
        asked = notes.worth_asking([endpoint for endpoint, _, _ in lists])
        records: list[AccountRecord] = []
        for endpoint, fetch, to_record in lists:
            if endpoint not in asked:
                continue
            try:
                items = fetch()
            except EndpointNotSupported:
                notes.heard(endpoint, NOT_SUPPORTED)  # a card-only bank has no /accounts, many have no /cards
                continue
            notes.heard(endpoint, None if items else EMPTY)
            records.extend(to_record(item) for item in items)
        notes.save()
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


class ListNotes:
    """What the connection remembers about its lists (`sync_state[LISTS_KEY]`):
    {endpoint: {"answer": "empty" | "not_supported", "asked_at": ISO time, "credentials_id": ...}}.
    Written back only when a note changes (the first sync, a weekly re-check, a bank that starts
    or stops answering), so an ordinary daily sync writes nothing."""

    def __init__(self, connection) -> None:
        self.connection = connection
        state = connection.sync_state or {}
        self.notes: dict[str, dict] = dict(state.get(LISTS_KEY) or {})
        granted = state.get(SCOPES_KEY)
        self.granted: set[str] | None = set(granted) if isinstance(granted, list) and granted else None
        self.changed = False

    def _remembered(self, endpoint: str) -> bool:
        """A note that still holds today: same consent, asked less than LIST_RECHECK_DAYS local days ago."""
        note = self.notes.get(endpoint)
        if not isinstance(note, dict) or note.get("answer") not in (EMPTY, NOT_SUPPORTED):
            return False
        if note.get("credentials_id", "") != (self.connection.external_id or ""):
            return False  # asked under another consent
        asked_at = parse_datetime(str(note.get("asked_at") or ""))
        if asked_at is None or timezone.is_naive(asked_at):
            return False
        # Local days, not 168 hours: a re-check a week on is due whatever the clocks did and
        # whatever minute of the morning either sync ran.
        return timezone.localdate() < timezone.localdate(asked_at) + timedelta(days=LIST_RECHECK_DAYS)

    def worth_asking(self, endpoints: list[str]) -> set[str]:
        allowed = [e for e in endpoints if self.granted is None or e in self.granted]
        asked = {e for e in allowed if not self._remembered(e)}
        return asked or set(allowed)  # never skip every list the consent covers

    def heard(self, endpoint: str, answer: str | None) -> None:
        """`answer` EMPTY / NOT_SUPPORTED, or None when the list had something (no note)."""
        if answer is None:
            self.changed |= self.notes.pop(endpoint, None) is not None
            return
        self.notes[endpoint] = {"answer": answer, "asked_at": timezone.now().isoformat(),
                                "credentials_id": self.connection.external_id or ""}
        self.changed = True

    def save(self) -> None:
        if not self.changed:
            return
        state = {k: v for k, v in (self.connection.sync_state or {}).items() if k != LISTS_KEY}
        if self.notes:
            state[LISTS_KEY] = self.notes
        self.connection.sync_state = state
        self.connection.save(update_fields=["sync_state", "updated_at"])
