"""Failures only the accounting family has, in the shared vocabulary's shape."""

from __future__ import annotations

from integrations_core.providers.errors import ProviderError


class OrganisationDisconnected(ProviderError):
    """The person removed this organisation from the consent (Xero answers 403
    AuthorizationUnsuccessful for the tenant, or it leaves /connections). Not an auth error of
    the whole connection: the other organisations keep syncing, this one is marked inactive and
    its data is kept."""

    code = "organisation_disconnected"
    user_message = "This organisation is no longer shared with us. Reconnect to share it again."
