"""A pension data service speaking the dashboards model over HTTP: a find request with the
person's identity data and their consent reference, answered with pension identifiers (PeIs),
then the view data of each PeI. HTTP only: parsed bodies (numbers as Decimal) and the shared
errors; the identity data never appears in a log, an error or a repr.

    POST {base}/find            {"findData": {...}, "consent": {...}} -> {"findRequestId", "pensionIdentifiers": [{"pei", "matchType"}]}
    GET  {base}/view/{pei}      header X-Consent-Reference            -> {"pensionArrangements": [ {...} ]}

A 403 means the consent is not (or no longer) accepted: ConsentExpired."""

from __future__ import annotations

from typing import Any

from django.views.decorators.debug import sensitive_variables

from integrations_core.providers.errors import BadProviderResponse
from integrations_core.providers.http import build_session, send
from open_banking.providers.utils import decimal_json


class DashboardsClient:
    def __init__(self, *, base_url: str, session=None):
        self.base_url = base_url.rstrip("/")
        self.session = session or build_session(allowed_methods=frozenset({"GET", "POST"}))
        self.calls = 0

    def __repr__(self) -> str:
        return f"DashboardsClient({self.base_url!r})"

    @sensitive_variables("find_data")
    def find(self, find_data: dict[str, Any], *, consent: dict[str, str]) -> dict[str, Any]:
        self.calls += 1
        response = send(self.session, "POST", f"{self.base_url}/find",
                        json={"findData": find_data, "consent": consent})
        body = decimal_json(response)
        if not isinstance(body, dict) or not isinstance(body.get("pensionIdentifiers"), list):
            raise BadProviderResponse("A find answer without pensionIdentifiers")
        return body

    def view(self, pei: str, *, consent_reference: str) -> dict[str, Any]:
        self.calls += 1
        response = send(self.session, "GET", f"{self.base_url}/view/{pei}",
                        headers={"X-Consent-Reference": consent_reference})
        body = decimal_json(response)
        arrangements = body.get("pensionArrangements") if isinstance(body, dict) else None
        if not isinstance(arrangements, list) or len(arrangements) != 1 or not isinstance(arrangements[0], dict):
            raise BadProviderResponse("A view answer without exactly one arrangement")
        return arrangements[0]
