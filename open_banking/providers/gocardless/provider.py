"""GoCardless Bank Account Data: what it is and can do. Consent is an end-user agreement plus a
requisition (a link the person follows to their bank); there is no per-person token, only our
shared server token. The data source bound to a connection lives in source.py."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from integrations_core.providers.base import AuthorizationRequest, AuthType, Capability, Family, Provider
from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderConfigurationError,
    ProviderError,
)
from integrations_core.records import TokenSet

from ...selectors import institution_get
from ..utils import parse_datetime
from . import mapper
from .client import GoCardlessClient, NotFound, ServerTokenRejected
from .services import server_token_get
from .source import GoCardlessSource

logger = logging.getLogger(__name__)

ACCESS_SCOPE = ["balances", "details", "transactions"]
DEFAULT_DAYS = 90  # GoCardless's defaults when an institution does not say more
MAX_HISTORY_DAYS = 730

# Requisition statuses: LN linked; RJ rejected, EX expired, SU suspended; the rest are steps of
# a consent the person has not finished.
LINKED = "LN"
DEAD = {"RJ", "EX", "SU"}


class GoCardlessProvider(Provider):
    slug = "gocardless"
    name = "GoCardless Bank Account Data"
    family = Family.BANKING
    auth_type = AuthType.REDIRECT
    capabilities = frozenset({Capability.ACCOUNTS, Capability.BALANCES, Capability.TRANSACTIONS,
                              Capability.PENDING_TRANSACTIONS, Capability.REVOKE, Capability.CONSENT_EXPIRY,
                              Capability.SCHEDULED_SYNC})
    consent_days = DEFAULT_DAYS
    daily_call_quota = 4
    connection_model = "open_banking.BankConnection"
    requires_institution = True  # no bank picker of its own: the agreement is per institution

    def is_configured(self) -> bool:
        return bool(settings.GOCARDLESS_SECRET_ID and settings.GOCARDLESS_SECRET_KEY)

    def client(self) -> GoCardlessClient:
        return GoCardlessClient(base_url=settings.GOCARDLESS_API_URL)

    def authed_call(self, client: GoCardlessClient, fn, *args, **kwargs):
        """Call with the cached server token; if GoCardless refuses it, renew once and retry."""
        if not client.access_token:
            client.access_token = server_token_get(client)
        try:
            return fn(*args, **kwargs)
        except ServerTokenRejected:
            client.access_token = server_token_get(client, rejected=client.access_token)
            try:
                return fn(*args, **kwargs)
            except ServerTokenRejected as exc:
                raise ProviderConfigurationError("GoCardless keeps refusing our server token") from exc

    # --- connect ----------------------------------------------------------------------------
    def callback_state(self, params: dict[str, Any]) -> str:
        # GoCardless sends our reference back as `ref`; it is the state we issued.
        return params.get("state") or params.get("ref", "")

    def authorization_request(self, connection, *, state: str, redirect_uri: str,
                              code_challenge: str | None) -> AuthorizationRequest:
        institution = institution_get(self.slug, connection.institution_id)
        history = min(MAX_HISTORY_DAYS, (institution.transaction_total_days if institution else None) or DEFAULT_DAYS)
        access = (institution.max_access_valid_for_days if institution else None) or DEFAULT_DAYS
        client = self.client()
        agreement = self.authed_call(client, client.create_agreement, institution_id=connection.institution_id,
                                     max_historical_days=history, access_valid_for_days=access,
                                     access_scope=ACCESS_SCOPE)
        # GoCardless sends the person back with ?ref=<reference>: our single-use state.
        requisition = self.authed_call(client, client.create_requisition, redirect=redirect_uri,
                                       institution_id=connection.institution_id, agreement=agreement["id"],
                                       reference=state)
        if not requisition.get("link") or not requisition.get("id"):
            raise BadProviderResponse("GoCardless requisition without a link")
        return AuthorizationRequest(url=requisition["link"], external_id=str(requisition["id"]))

    def exchange_code(self, connection, *, code: str, redirect_uri: str, code_verifier: str | None,
                      params: dict[str, Any]) -> TokenSet:
        """No code to exchange: check the requisition is linked and read the consent's expiry."""
        client = self.client()
        requisition = self.authed_call(client, client.requisition, connection.external_id)
        status = requisition.get("status")
        if status != LINKED:
            error = ConsentExpired if status in DEAD else ProviderError
            raise error(f"GoCardless requisition is {status}", provider_code=str(status))
        consent = timezone.now() + timedelta(days=self.consent_days)
        if requisition.get("agreement"):
            try:
                agreement = self.authed_call(client, client.agreement, requisition["agreement"])
                start = parse_datetime(agreement.get("accepted")) or parse_datetime(agreement.get("created"))
                days = int(agreement.get("access_valid_for_days") or self.consent_days)
                consent = (start or timezone.now()) + timedelta(days=days)
            except (ProviderError, ValueError) as exc:
                logger.warning("gocardless agreement lookup failed connection=%s (%s)", connection.pk,
                               getattr(exc, "code", "invalid"))
        previous = connection.sync_state.get("requisition_id")
        if previous and previous != requisition["id"]:
            self._delete_requisition(client, previous)  # a reconnect replaces the old consent
        # authorization_complete saves the whole connection after this returns.
        connection.sync_state = {**connection.sync_state, "requisition_id": requisition["id"],
                                 "agreement_id": requisition.get("agreement") or ""}
        return TokenSet(access_token="", consent_expires_at=consent, external_id=str(requisition["id"]))

    def revoke(self, connection) -> None:
        client = self.client()
        for requisition_id in {connection.external_id, connection.sync_state.get("requisition_id", "")} - {""}:
            self._delete_requisition(client, requisition_id)

    def _delete_requisition(self, client: GoCardlessClient, requisition_id: str) -> None:
        try:
            self.authed_call(client, client.delete_requisition, requisition_id)
        except NotFound:
            pass  # already gone: the consent is over either way

    # --- directory and data -------------------------------------------------------------------
    def institutions(self, country: str) -> list[dict[str, Any]]:
        client = self.client()
        return self.authed_call(client, client.institutions, country)

    def institution_values(self, item: dict[str, Any]) -> dict[str, Any]:
        return mapper.institution_values(item)

    def quota_left_today(self, connection_ids: list) -> dict[str, int]:
        """The tightest (account, scope) of each connection today in the quota ledger: one
        query. A connection with no entry today has its whole quota left."""
        from .services import quota_left_today

        return quota_left_today(connection_ids, default=self.daily_call_quota)

    def bind(self, connection) -> GoCardlessSource:
        return GoCardlessSource(self, connection, self.client())
