"""The find-request connect flow (auth type `find_request`): the person gives their identity
data and says yes (or no) to the consent wording; with a yes, one find request goes to the
provider and the pension identifiers it answers are stored, encrypted, on the connection; the
first sync (view data per pension) is queued. With a no, the refusal is recorded and nothing is
sent. Providers using it implement `find(find_data, consent=...) -> {"pensionIdentifiers": [...]}`
(see pensions/providers/sandbox_dashboards/provider.py)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from integrations_core.connect.base import ConnectError, ConnectStep
from integrations_core.models import ConnectionStatus
from integrations_core.providers.base import CredentialField, Provider
from integrations_core.providers.errors import ProviderError
from integrations_core.selectors import provider_is_enabled
from integrations_core.services.audit import audit_record
from integrations_core.services.connections import connection_create

from .models import PensionConnection
from .services.consent import WORDING, consent_give, consent_refuse
from .services.identity import IdentityInvalid, find_data, identity_clean, identity_get, identity_save

CONSENT_CHOICES = (("yes", "Yes, I agree"), ("no", "No"))
REFUSED = "You did not give consent, so nothing was sent and no pension was looked for."
FIELDS = (
    CredentialField("first_name", "First name", secret=False),
    CredentialField("last_name", "Last name", secret=False),
    CredentialField("date_of_birth", "Date of birth", secret=False, help_text="YYYY-MM-DD"),
    CredentialField("ni_number", "National Insurance number", secret=True, help_text="For example QQ 12 34 56 A."),
    CredentialField("postcode", "Postcode of your current address", secret=False),
    CredentialField("address_line", "First line of your address", secret=False, required=False),
    CredentialField("consent", "Consent", secret=False, choices=CONSENT_CHOICES),
)


class FindRequestFlow:
    kind = "form"

    def start(self, *, user, provider: Provider, data: dict[str, Any]) -> ConnectStep:
        _available(provider)
        return ConnectStep(kind="form", connection=None, fields=FIELDS)

    @sensitive_variables("data", "raw", "identity")
    def complete(self, *, user, provider: Provider, connection, data: dict[str, Any]) -> PensionConnection:
        _available(provider)
        raw = data.get("credentials") if isinstance(data.get("credentials"), dict) else {}
        answer = str(raw.get("consent") or "").strip().lower()
        if answer not in ("yes", "no"):
            raise ConnectError("invalid", "Say whether you agree.", fields={
                "credentials.consent": ["Choose yes or no: nothing is sent without your consent."]})
        if answer == "no":
            consent_refuse(user, provider_slug=provider.slug, provider_name=provider.name)
            raise ConnectError("consent_refused", REFUSED, fields={"credentials.consent": [REFUSED]})
        stored = identity_get(user)
        try:
            identity = identity_clean({**stored, **{k: v for k, v in raw.items() if v not in (None, "")}})
        except IdentityInvalid as exc:
            raise ConnectError("invalid", "Some details are not valid.",
                               fields={f"credentials.{k}": v for k, v in exc.fields.items()}) from None
        consent = consent_give(user, provider_slug=provider.slug, provider_name=provider.name)
        identity_save(user, identity)
        reference = str(consent.pk)
        try:
            found = provider.find(find_data(identity), consent={
                "consentReference": reference, "givenAt": consent.given_at.isoformat(),
                "expiresAt": consent.expires_at.isoformat()})
        except ProviderError as exc:
            logging.getLogger(__name__).info("find request failed provider=%s code=%s", provider.slug, exc.code)
            raise ConnectError(exc.code, exc.user_message, status=503) from None
        peis = [str(item["pei"]) for item in found["pensionIdentifiers"] if isinstance(item, dict) and item.get("pei")]
        with transaction.atomic():
            if connection is None:
                connection = (PensionConnection.objects.filter(user=user, provider=provider.slug)
                              .exclude(status=ConnectionStatus.REVOKED).first())
            if connection is None:
                connection = connection_create(user=user, provider_slug=provider.slug, institution_name=provider.name)
            connection.credentials = {"peis": peis, "consent_reference": reference,
                                      "find_request_id": str(found.get("findRequestId") or "")}
            connection.external_id = str(found.get("findRequestId") or "")[:255]
            connection.consent_expires_at = consent.expires_at
            connection.status = ConnectionStatus.ACTIVE
            connection.last_error, connection.last_error_code = "", ""
            connection.consecutive_failures = 0
            connection.revoked_at = None
            connection.next_sync_at = timezone.now()
            connection.save()
            audit_record("connection.authorized", connection=connection, actor=user,
                         details={"flow": "find_request", "pensions_found": len(peis)})
        from integrations_core.services.sync_queue import connection_sync_request

        connection_sync_request(connection, trigger="connect", defer=True)
        return connection


def consent_wording(provider: Provider) -> str:
    return WORDING.format(name=provider.name)


def _available(provider: Provider) -> None:
    if not provider_is_enabled(provider.slug) or not provider.is_configured():
        message = "This provider is not available right now."
        raise ConnectError("provider_unavailable", message, fields={"provider": [message]})
