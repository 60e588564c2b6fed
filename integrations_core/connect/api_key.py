"""The API-key flow: the person pastes a key; one cheap call checks it while it is held only in
memory; only a key that works is stored (encrypted, `Connection.credentials`) and it is never
shown again. Nothing is stored when the check fails."""

from __future__ import annotations

import logging
import math
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from integrations_core.models import Connection, ConnectionStatus
from integrations_core.providers.base import Provider
from integrations_core.providers.errors import ProviderAuthError, ProviderError, RateLimited, ScopeMissing
from integrations_core.selectors import connection_model_get, provider_is_enabled
from integrations_core.services.audit import audit_record
from integrations_core.services.connections import connection_create

from .base import ConnectError, ConnectStep

logger = logging.getLogger(__name__)

UNAVAILABLE = "This provider is not available right now."


def credentials_clean(provider: Provider, raw: Any) -> dict[str, str]:
    """The declared fields only, as stripped strings; a field error for each missing required
    one and for a value outside a field's choices. Error messages never repeat a value."""
    raw = raw if isinstance(raw, dict) else {}
    cleaned: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for spec in provider.credential_fields:
        value = raw.get(spec.name)
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            if spec.required:
                errors[f"credentials.{spec.name}"] = [f"{spec.label} is required."]
            continue
        if spec.choices and value not in {choice for choice, _ in spec.choices}:
            errors[f"credentials.{spec.name}"] = [f"Choose one of: {', '.join(c for c, _ in spec.choices)}."]
            continue
        cleaned[spec.name] = value
    if errors:
        raise ConnectError("invalid", "Some fields are not valid.", fields=errors)
    return cleaned


class ApiKeyFlow:
    kind = "form"

    def start(self, *, user, provider: Provider, data: dict[str, Any]) -> ConnectStep:
        """The form to fill in. Nothing is stored until `complete` has checked the key."""
        _available(provider)
        return ConnectStep(kind="form", connection=None, fields=tuple(provider.credential_fields))

    @sensitive_variables("data", "credentials")
    def complete(self, *, user, provider: Provider, connection: Connection | None,
                 data: dict[str, Any]) -> Connection:
        """Check the key, then store it and activate the connection in one transaction, audit
        `connection.authorized` and queue the first sync. `connection`: an existing connection
        of this user being given a new key (reconnect); None creates one (or reuses the user's
        connection to the same platform account)."""
        _available(provider)
        credentials = credentials_clean(provider, data.get("credentials"))
        try:
            check = provider.credentials_check(credentials)
        except ScopeMissing as exc:
            logger.info("credentials check failed provider=%s code=%s", provider.slug, exc.code)
            scope = exc.scope or "a required"
            raise ConnectError(exc.code, f"The key is missing the '{scope}' permission. Create a key with "
                               f"that permission and try again.", fields={"credentials": [
                                   f"The key is missing the '{scope}' permission."]}) from None
        except ProviderAuthError as exc:
            logger.info("credentials check failed provider=%s code=%s", provider.slug, exc.code)
            raise ConnectError(exc.code, "The provider did not accept this key. Check it and try again.",
                               fields={"credentials": ["The provider did not accept this key."]}) from None
        except RateLimited as exc:
            wait = max(1, math.ceil(exc.retry_after or provider.default_retry_after))
            logger.info("credentials check rate limited provider=%s retry_after=%s", provider.slug, wait)
            raise ConnectError(exc.code, f"The provider is limiting requests: try again in {wait} seconds.",
                               status=429, retry_after=wait) from None
        except ProviderError as exc:
            logger.warning("credentials check failed provider=%s code=%s", provider.slug, exc.code)
            raise ConnectError(exc.code, exc.user_message, status=503) from None

        with transaction.atomic():
            connection = _connection_for(user, provider, connection, check.external_id)
            if connection is None:
                connection = connection_create(user=user, provider_slug=provider.slug,
                                               institution_name=check.institution_name or provider.name)
            connection.credentials = credentials
            connection.external_id = check.external_id
            if check.institution_name:
                connection.institution_name = check.institution_name
            connection.status = ConnectionStatus.ACTIVE
            connection.last_error = ""
            connection.last_error_code = ""
            connection.consecutive_failures = 0
            connection.revoked_at = None
            connection.next_sync_at = timezone.now()
            connection.save()
            audit_record("connection.authorized", connection=connection, actor=user,
                         details={"flow": "api_key", "scopes": sorted(check.scopes)})

        from integrations_core.services.sync_queue import connection_sync_request

        # As after an OAuth callback: the first sync is a run the person can watch, and the
        # connection is made whatever the task queue does (the retry sweep picks it up).
        connection_sync_request(connection, trigger="connect", defer=True)
        return connection


def _available(provider: Provider) -> None:
    if not provider_is_enabled(provider.slug) or not provider.is_configured():
        raise ConnectError("provider_unavailable", UNAVAILABLE, fields={"provider": [UNAVAILABLE]})


def _connection_for(user, provider: Provider, connection: Connection | None, external_id: str):
    """The connection the checked key belongs to: the one given (must be this user's, for this
    provider), else the user's existing connection to the same platform account, else None."""
    model = connection_model_get(provider.connection_model)
    if connection is not None:
        if connection.user_id != user.pk or connection.provider != provider.slug:
            raise ConnectError("not_found", "Not found.", status=404)
        return model.objects.select_for_update().get(pk=connection.pk)
    if not external_id:
        return None
    return (model.objects.select_for_update()
            .filter(user=user, provider=provider.slug, external_id=external_id).first())
