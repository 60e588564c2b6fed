"""A provider's own widget (Plaid Link) with a token exchange: we ask the provider for a
short-lived client token, the widget returns a public token, we exchange it for the access
token (encrypted at rest). Browsers go through the widget's page and come back to the one
callback, like an OAuth redirect; mobile apps open the provider's SDK with `client_token` and
POST the public token to `/connections/{id}/complete/` with `state`. Either way the state is
single-use and bound to the person and the connection (services/oauth.py)."""

from __future__ import annotations

import logging
from typing import Any

from integrations_core.models import Connection
from integrations_core.providers.base import Provider
from integrations_core.providers.errors import ProviderError
from integrations_core.services.connections import ProviderNotAvailable, connection_create
from integrations_core.services.oauth import authorization_begin

from .base import ConnectError, ConnectStep
from .oauth import RedirectFlowBase

logger = logging.getLogger(__name__)


class TokenExchangeFlow(RedirectFlowBase):
    kind = "redirect"

    def start(self, *, user, provider: Provider, data: dict[str, Any]) -> ConnectStep:
        institution_id = str(data.get("institution_id") or data.get("institution") or "")
        try:
            connection = connection_create(user=user, provider_slug=provider.slug, institution_id=institution_id,
                                           institution_name=str(data.get("institution_name") or ""))
        except ProviderNotAvailable:
            raise ConnectError("provider_unavailable", "This provider is not available right now.",
                               fields={"provider": ["This provider is not available right now."]}) from None
        try:
            request, state = authorization_begin(connection)
        except ProviderError as exc:
            logger.warning("connect start failed provider=%s code=%s", provider.slug, exc.code)
            connection.delete()
            raise ConnectError(exc.code, exc.user_message, status=503) from exc
        connection.refresh_from_db()
        return ConnectStep(kind="redirect", connection=connection, url=request.url,
                           client_token=request.client_token, state=state)

    def complete(self, *, user, provider: Provider, connection: Connection | None,
                 data: dict[str, Any]) -> Connection:
        """`data`: state and the public token (as `code`, or `public_token` in `params`)."""
        params = dict(data.get("params") or {})
        code = str(data.get("code") or params.get("public_token") or "")
        return super().complete(user=user, provider=provider, connection=connection,
                                data={**data, "code": code, "params": params})
