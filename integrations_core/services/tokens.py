"""Token storage and refresh. Tokens are only ever written here, encrypted by the field."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from integrations_core.models import Connection
from integrations_core.providers.base import Capability, Provider
from integrations_core.records import TokenSet

logger = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)


@sensitive_variables("tokens")
def token_store(connection: Connection, tokens: TokenSet) -> None:
    connection.access_token = tokens.access_token
    if tokens.refresh_token:  # some providers rotate it, some keep the old one
        connection.refresh_token = tokens.refresh_token
    connection.token_expires_at = tokens.expires_at
    if tokens.consent_expires_at:
        connection.consent_expires_at = tokens.consent_expires_at
    if tokens.external_id:
        connection.external_id = tokens.external_id
    connection.save(update_fields=["access_token", "refresh_token", "token_expires_at",
                                   "consent_expires_at", "external_id", "updated_at"])


def token_erase(connection: Connection) -> None:
    connection.access_token = ""
    connection.refresh_token = ""
    connection.credentials = {}
    connection.token_expires_at = None
    connection.save(update_fields=["access_token", "refresh_token", "credentials", "token_expires_at", "updated_at"])


def token_needs_refresh(connection: Connection) -> bool:
    if not connection.token_expires_at:
        return False
    return connection.token_expires_at - timezone.now() < REFRESH_MARGIN


@sensitive_variables("tokens")
def token_refresh(connection: Connection, provider: Provider) -> None:
    """Refresh the access token. Raises ConsentExpired when the provider refuses (invalid_grant)."""
    if not provider.has(Capability.REFRESH_TOKENS):
        return
    tokens = provider.refresh(connection)
    token_store(connection, tokens)
    logger.info("token refreshed provider=%s connection=%s", connection.provider, connection.pk)
