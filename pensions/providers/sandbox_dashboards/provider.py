"""The sandbox pension data service (sandbox/pensions/): a find request and view data in the
dashboards shape, standing in for a real dashboards connection we cannot hold without FCA
permission. A real feed is another folder like this one: its URL and authentication, the same
client, mapper and source (pensions/dashboards/).

Settings, read with defaults: SANDBOX_PENSIONS_URL (default {SITE_URL}/sandbox/pensions/api/v1).
Shown only while SANDBOX_ENABLED."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from integrations_core.providers.base import AuthType, Capability, Family, Provider
from pensions.dashboards.client import DashboardsClient
from pensions.dashboards.source import DashboardsSource
from pensions.services.consent import CONSENT_MONTHS, consent_require


class SandboxDashboardsProvider(Provider):
    slug = "sandbox_pensions"
    name = "Sandbox pension finder"
    family = Family.PENSIONS
    auth_type = AuthType.FIND_REQUEST
    capabilities = frozenset({Capability.ACCOUNTS, Capability.BALANCES, Capability.CONSENT_EXPIRY,
                              Capability.SCHEDULED_SYNC})
    consent_days = 365 * CONSENT_MONTHS // 12
    connection_model = "pensions.PensionConnection"
    default_retry_after = 600

    def is_configured(self) -> bool:
        return bool(getattr(settings, "SANDBOX_ENABLED", False))

    def base_url(self) -> str:
        return getattr(settings, "SANDBOX_PENSIONS_URL", "") or f"{settings.SITE_URL}/sandbox/pensions/api/v1"

    def client(self) -> DashboardsClient:
        return DashboardsClient(base_url=self.base_url())

    def find(self, find_data: dict[str, Any], *, consent: dict[str, str]) -> dict[str, Any]:
        return self.client().find(find_data, consent=consent)

    def bind(self, connection) -> DashboardsSource:
        # No consent in force: ConsentMissing, before any request is built.
        consent = consent_require(connection.user, self.slug)
        credentials = connection.credentials or {}
        return DashboardsSource(self.client(), peis=credentials.get("peis") or [],
                                consent_reference=str(consent.pk))
