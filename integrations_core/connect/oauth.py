"""Redirect-based flows (OAuth2 with a code exchange, or a consent link): thin wrappers over
`services/oauth.py`'s authorization_start / authorization_complete, whose behaviour is unchanged."""

from __future__ import annotations

import logging
from typing import Any

from integrations_core.models import Connection
from integrations_core.providers.base import Provider
from integrations_core.providers.errors import ProviderError
from integrations_core.services.connections import ProviderNotAvailable, connection_create
from integrations_core.services.oauth import authorization_complete, authorization_start

from .base import ConnectError, ConnectStep

logger = logging.getLogger(__name__)


class RedirectFlowBase:
    """Create a pending connection, send the person to the provider, finish on the callback."""

    kind = "redirect"

    def start(self, *, user, provider: Provider, data: dict[str, Any]) -> ConnectStep:
        institution_id = str(data.get("institution_id") or data.get("institution") or "")
        if not institution_id and provider.requires_institution:
            raise ConnectError("institution_required", "Choose an institution.",
                               fields={"institution": ["Choose an institution."]})
        try:
            connection = connection_create(user=user, provider_slug=provider.slug, institution_id=institution_id,
                                           institution_name=str(data.get("institution_name") or ""))
        except ProviderNotAvailable:
            raise ConnectError("provider_unavailable", "This provider is not available right now.",
                               fields={"provider": ["This provider is not available right now."]}) from None
        try:
            url = authorization_start(connection)
        except ProviderError as exc:
            # Nothing was consented yet: drop the half-made connection instead of leaving debris.
            logger.warning("connect start failed provider=%s code=%s", provider.slug, exc.code)
            connection.delete()
            raise ConnectError(exc.code, exc.user_message, status=503) from exc
        connection.refresh_from_db()
        return ConnectStep(kind="redirect", connection=connection, url=url)

    def complete(self, *, user, provider: Provider, connection: Connection | None,
                 data: dict[str, Any]) -> Connection:
        """`data`: state, code, and `params` (everything the callback received). Raises
        services.oauth.AuthorizationError, as authorization_complete does."""
        return authorization_complete(
            user=user, provider_slug=provider.slug, state=str(data.get("state") or ""),
            code=str(data.get("code") or ""), params=data.get("params") or {},
            connection_id=connection.pk if connection is not None else None,
        )


class OAuth2Flow(RedirectFlowBase):
    """OAuth2 authorisation code (with PKCE where the provider takes it), e.g. TrueLayer."""
