"""A consent link with no token exchange (e.g. GoCardless requisitions): the same steps as
OAuth2, the provider's `exchange_code` returning None."""

from __future__ import annotations

from .oauth import RedirectFlowBase


class RedirectFlow(RedirectFlowBase):
    pass
