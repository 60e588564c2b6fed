"""The connect flow around any redirect-based provider: a single-use `state` bound to the user
and the connection, expiring in OAUTH_STATE_TTL_SECONDS, with PKCE where the provider takes it.
A tampered, reused or expired state is rejected and changes nothing."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from integrations_core.connect.registry import UnknownFlow, flow_for
from integrations_core.models import Connection, ConnectionStatus, OAuthState
from integrations_core.providers.base import AuthorizationRequest, Capability
from integrations_core.providers.errors import ProviderError
from integrations_core.providers.oauth import pkce_pair
from integrations_core.providers.registry import registry

from .audit import audit_record
from .tokens import token_store

logger = logging.getLogger(__name__)


class AuthorizationError(Exception):
    """The callback could not be accepted. `code` is stable; the message is user-safe."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def redirect_uri_for(provider_slug: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("integrations-callback", args=[provider_slug])


def authorization_start(connection: Connection) -> str:
    """Create a state for this connection and return the URL to send the person to."""
    return authorization_begin(connection)[0].url


def authorization_begin(connection: Connection) -> tuple[AuthorizationRequest, str]:
    """As authorization_start, with the whole request (a widget's client token too) and the
    state, for clients that finish through the API instead of the browser callback."""
    provider = registry.get(connection.provider)
    try:
        redirects = flow_for(provider).kind == "redirect"
    except UnknownFlow:
        redirects = False
    if not redirects:
        raise AuthorizationError("not_redirect_provider", "This provider does not use a redirect to connect.")
    verifier, challenge = pkce_pair() if provider.has(Capability.PKCE) else ("", None)
    redirect_uri = redirect_uri_for(provider.slug)
    state = OAuthState.objects.create(
        state=secrets.token_urlsafe(32),
        user=connection.user,
        provider=provider.slug,
        connection_type=ContentType.objects.get_for_model(connection),
        connection_id=connection.pk,
        redirect_uri=redirect_uri,
        code_verifier=verifier,
        expires_at=timezone.now() + timedelta(seconds=settings.OAUTH_STATE_TTL_SECONDS),
    )
    request = provider.authorization_request(connection, state=state.state, redirect_uri=redirect_uri,
                                             code_challenge=challenge)
    if request.external_id:
        connection.external_id = request.external_id
        connection.save(update_fields=["external_id", "updated_at"])
    return request, state.state


def authorization_complete(*, user, provider_slug: str, state: str, code: str = "",
                           params: dict[str, Any] | None = None, connection_id=None) -> Connection:
    """Validate the state, exchange the code, activate the connection and queue its first sync.
    Never fails because of the task queue: the first sync then waits for the retry sweep."""
    params = params or {}
    if not state:
        raise AuthorizationError("invalid_state", "The link has no state. Start connecting again.")
    with transaction.atomic():
        record = OAuthState.objects.select_for_update().filter(state=state).first()
        if record is None or record.user_id != user.pk or record.provider != provider_slug:
            raise AuthorizationError("invalid_state", "This link is not valid. Start connecting again.")
        if connection_id is not None and str(record.connection_id) != str(connection_id):
            raise AuthorizationError("invalid_state", "This link belongs to another connection.")
        if record.used_at is not None:
            raise AuthorizationError("state_used", "This link has already been used. Start connecting again.")
        if record.expires_at <= timezone.now():
            raise AuthorizationError("state_expired", "This link has expired. Start connecting again.")
        # Spend the state before talking to the provider: a replay can never exchange twice.
        record.used_at = timezone.now()
        record.save(update_fields=["used_at"])
        model = record.connection_type.model_class()
        connection = model.objects.select_for_update().get(pk=record.connection_id, user=user)
        code_verifier, redirect_uri = record.code_verifier, record.redirect_uri

    if params.get("error"):
        _mark(connection, ConnectionStatus.ERROR, "The provider reported that access was not granted.",
              "access_denied")
        audit_record("connection.authorization_denied", connection=connection, actor=user,
                     details={"error": str(params.get("error"))[:100]})
        raise AuthorizationError("access_denied", "Access was not granted at the provider.")

    provider = registry.get(provider_slug)
    try:
        tokens = provider.exchange_code(connection, code=code, redirect_uri=redirect_uri,
                                        code_verifier=code_verifier or None, params=params)
    except ProviderError as exc:
        logger.warning("code exchange failed provider=%s connection=%s code=%s", provider_slug,
                       connection.pk, exc.code)
        _mark(connection, ConnectionStatus.ERROR, exc.user_message, exc.code)
        raise AuthorizationError("exchange_failed", "We could not complete the connection. Try again.") from exc
    if tokens is not None:
        token_store(connection, tokens)
    connection.status = ConnectionStatus.ACTIVE
    connection.last_error = ""
    connection.last_error_code = ""
    connection.consecutive_failures = 0
    connection.next_sync_at = timezone.now()
    if provider.consent_days and not connection.consent_expires_at:
        connection.consent_expires_at = timezone.now() + timedelta(days=provider.consent_days)
    connection.save()
    audit_record("connection.authorized", connection=connection, actor=user)

    from integrations_core.services.sync_queue import connection_sync_request

    # The first sync is a run the person can watch. The connection is made whatever the task
    # queue does: if the broker is down the run stays queued (and says so) for the retry sweep.
    connection_sync_request(connection, trigger="connect", defer=True)
    # One consent feeding other families too (services/linked.py): their connections are made
    # (or back to active after a reconnect) and synced now as well.
    from integrations_core.services.linked import linked_connections_ensure, linked_sync_queue

    linked_sync_queue(linked_connections_ensure(connection), trigger="connect")
    return connection


def _mark(connection: Connection, status: str, message: str, code: str) -> None:
    connection.status = status
    connection.last_error = message
    connection.last_error_code = code
    connection.save(update_fields=["status", "last_error", "last_error_code", "updated_at"])
