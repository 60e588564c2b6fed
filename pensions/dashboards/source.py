"""The valuation source bound to one pension provider connection: the PeIs its find request
returned (stored, encrypted, in the connection's credentials) and, per PeI, the view data now.
Bound only while the person's consent holds: otherwise `bind` raises and nothing is sent."""

from __future__ import annotations

from integrations_core.records import AccountRecord, ValuationData

from . import mapper
from .client import DashboardsClient


class DashboardsSource:
    """ValuationSource (integrations_core/providers/sources.py) for one find's pensions."""

    def __init__(self, client: DashboardsClient, *, peis: list[str], consent_reference: str):
        self.client = client
        self.peis = list(peis)
        self.consent_reference = consent_reference
        self._views: dict[str, dict] = {}

    def __repr__(self) -> str:
        return f"DashboardsSource({self.client!r}, {len(self.peis)} pensions)"

    @property
    def calls(self) -> int:
        return self.client.calls

    def _view(self, pei: str) -> dict:
        if pei not in self._views:
            self._views[pei] = self.client.view(pei, consent_reference=self.consent_reference)
        return self._views[pei]

    def list_valuation_accounts(self) -> list[AccountRecord]:
        return [mapper.account_record(self._view(pei)) for pei in self.peis]

    def fetch_valuations(self, account: AccountRecord) -> ValuationData:
        return mapper.valuation_data(self._view(account.external_id))
