"""QuickBooks Online Accounting API v3 over HTTP. Speaks HTTP only: parsed bodies (every number
a Decimal) and the shared error types; knows nothing about our models.

Endpoints (the host is settings.QUICKBOOKS_API_URL, python-quickbooks' `api_url_v3` without
`/v3`, so the sandbox's mock stands in by changing only the host):
  GET  /v3/company/{realm}/query?query=select ... startposition n maxresults m
  GET  /v3/company/{realm}/cdc?entities=A,B&changedSince=<ISO 8601>
  GET  /v3/company/{realm}/companyinfo/{realm}, /preferences
  POST /v3/company/{realm}/{entity}                      create
  POST /v3/company/{realm}/{entity}?operation=update     sparse update naming Id + SyncToken
Every call carries `minorversion` (Intuit refuses versions under 75 since 2025).

Errors: QuickBooks answers a `Fault` body, {"Fault": {"Error": [{"Message", "Detail", "code"}],
"type"}}; the code decides (docs "Error codes"): 3200 AuthenticationFailed / a 401 -> the token
was refused (the core refreshes once); 3100/3003 authorisation refused -> ConsentExpired (the
company disconnected the app); 3001 / ThrottleExceeded / a 429 -> RateLimited (500 requests a
minute per realm, so a minute unless Retry-After says otherwise); 5010 stale object ->
StaleObject (the record changed in the books since we read it: the conflict case); other
ValidationFaults -> RequestRejected (this request, not QuickBooks' health); 5xx -> down."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import requests

from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
)
from integrations_core.providers.http import build_session, parse_retry_after, send

# A 429 / ThrottleExceeded without Retry-After: the limit is per minute per realm.
THROTTLE_RETRY_AFTER = 60
PAGE_SIZE = 1000  # QuickBooks' largest maxresults


class StaleObject(RequestRejected):
    """5010: the SyncToken we named is not the record's current one (someone edited it in the
    books after we read it). Not retried: the push records a conflict and keeps their edit."""

    code = "stale_object"


def _not_finite(constant: str):
    raise BadProviderResponse("QuickBooks sent a number that is not finite")


def decimal_json(response: requests.Response) -> Any:
    try:
        return json.loads(response.content or b"null", parse_float=Decimal, parse_constant=_not_finite)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadProviderResponse("QuickBooks sent a body that is not JSON") from exc


_EXACT = re.compile(r'"\\u0000(-?[0-9.]+)\\u0000"')


def dumps_exact(payload: Any) -> str:
    """JSON with every Decimal written as a JSON number, digit for digit (never via a float)."""
    def tag(value: Any) -> str:
        if isinstance(value, Decimal):
            return f"\u0000{value}\u0000"
        return str(value)

    return _EXACT.sub(r"\1", json.dumps(payload, default=tag))


def fault_errors(body: Any) -> list[dict[str, Any]]:
    """The Error list of a Fault body (QuickBooks spells it `Fault` or, in old answers, `fault`)."""
    if not isinstance(body, dict):
        return []
    fault = body.get("Fault") or body.get("fault")
    if not isinstance(fault, dict):
        return []
    errors = fault.get("Error") or fault.get("error") or []
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def fault_error(response: requests.Response, body: Any) -> ProviderError | None:
    """A Fault (or a bare 401/429) as the shared vocabulary; None leaves the status defaults."""
    errors = fault_errors(body)
    # Intuit pads some codes ("003001", "003200"): compared without the zeros.
    code = str(errors[0].get("code") or "").lstrip("0") if errors else ""
    message = str(errors[0].get("Message") or "")[:200] if errors else ""
    detail = str(errors[0].get("Detail") or "")[:300] if errors else ""
    status = response.status_code
    fault_type = str((body.get("Fault") or {}).get("type") or "") if isinstance(body, dict) and isinstance(
        body.get("Fault"), dict) else ""
    kwargs = {"provider_code": code, "status": status}
    if code == "5010":
        return StaleObject("QuickBooks refused a stale SyncToken", **kwargs)
    if code == "3001" or fault_type == "ThrottleExceeded" or status == 429:
        wait = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimited("QuickBooks throttled the realm", retry_after=wait if wait is not None
                           else THROTTLE_RETRY_AFTER, **kwargs)
    if code in ("3100", "3003"):
        return ConsentExpired(f"QuickBooks refused the company ({code})", **kwargs)
    if code in ("3200", "3202") or status == 401:
        return ProviderAuthError(f"QuickBooks refused the token ({code or status})", **kwargs)
    if status >= 500 or code == "10000":
        return ProviderUnavailable(f"QuickBooks failed ({code or status})", **kwargs)
    if errors:
        return RequestRejected(f"QuickBooks refused the request ({code}: {message}; {detail})", **kwargs)
    return None


class QuickBooksClient:
    def __init__(self, *, api_url: str, realm_id: str, access_token: str, minor_version: int,
                 session: requests.Session | None = None):
        self.base = f"{api_url.rstrip('/')}/v3/company/{realm_id}"
        self.realm_id = realm_id
        self._token = access_token
        self.minor_version = minor_version
        self.session = session or build_session()
        self.calls = 0

    def _request(self, method: str, path: str, *, params: dict | None = None, body: Any = None,
                 content_type: str = "application/json") -> dict[str, Any]:
        self.calls += 1
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        kwargs: dict[str, Any] = {"params": {**(params or {}), "minorversion": str(self.minor_version)},
                                  "headers": headers}
        if body is not None:
            headers["Content-Type"] = content_type
            kwargs["data"] = body if isinstance(body, str) else dumps_exact(body)
        response = send(self.session, method, f"{self.base}{path}", classify=fault_error, **kwargs)
        parsed = decimal_json(response)
        if not isinstance(parsed, dict):
            raise BadProviderResponse("QuickBooks answered without an object")
        if fault_errors(parsed):  # a 200 carrying a Fault (batch-style answers do)
            raise fault_error(response, parsed) or BadProviderResponse("QuickBooks answered a fault")
        return parsed

    # --- reads --------------------------------------------------------------------------------
    def company_info(self) -> dict[str, Any]:
        return self._request("GET", f"/companyinfo/{self.realm_id}").get("CompanyInfo") or {}

    def preferences(self) -> dict[str, Any]:
        return self._request("GET", "/preferences").get("Preferences") or {}

    def query_all(self, entity: str, where: str = "") -> tuple[list[dict[str, Any]], str]:
        """Every row of `select * from <entity> [where ...]`, paged by startposition/maxresults
        (1-based) until a page comes back short. Returns the rows and the server time of the
        first page (the cursor a later CDC starts from)."""
        rows: list[dict[str, Any]] = []
        start, server_time = 1, ""
        while True:
            # QuickBooks' query language, not SQL; callers quote every value (source._quoted).
            clause = f" where {where}" if where else ""
            statement = f"select * from {entity}{clause} startposition {start} maxresults {PAGE_SIZE}"  # noqa: S608
            body = self._request("GET", "/query", params={"query": statement})
            server_time = server_time or str(body.get("time") or "")
            answer = body.get("QueryResponse")
            if not isinstance(answer, dict):
                raise BadProviderResponse("QuickBooks answered a query without QueryResponse")
            page = answer.get(entity) or []
            if not isinstance(page, list) or not all(isinstance(item, dict) for item in page):
                raise BadProviderResponse(f"QuickBooks answered a {entity} query without a list")
            rows.extend(page)
            if len(page) < PAGE_SIZE:
                return rows, server_time
            start += PAGE_SIZE

    def change_data_capture(self, entities: list[str], changed_since: str) -> tuple[dict[str, list[dict]], str]:
        """What changed since `changed_since` per entity (deleted ones carry status "Deleted"),
        and the server time of the answer."""
        body = self._request("GET", "/cdc", params={"entities": ",".join(entities), "changedSince": changed_since})
        responses = body.get("CDCResponse")
        if not isinstance(responses, list):
            raise BadProviderResponse("QuickBooks answered CDC without CDCResponse")
        found: dict[str, list[dict]] = {entity: [] for entity in entities}
        for response in responses:
            for query_response in (response or {}).get("QueryResponse") or []:
                if not isinstance(query_response, dict):
                    raise BadProviderResponse("QuickBooks answered CDC with a bad QueryResponse")
                for entity in entities:
                    items = query_response.get(entity)
                    if isinstance(items, list):
                        found[entity].extend(item for item in items if isinstance(item, dict))
        return found, str(body.get("time") or "")

    # --- writes -------------------------------------------------------------------------------
    def create(self, entity: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self._entity(self._request("POST", f"/{entity.lower()}", body=payload), entity)

    def update(self, entity: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A sparse update: only the fields named change; `Id` and `SyncToken` are required and a
        stale SyncToken answers StaleObject."""
        return self._entity(self._request("POST", f"/{entity.lower()}", params={"operation": "update"},
                                          body={**payload, "sparse": True}), entity)

    @staticmethod
    def _entity(body: dict[str, Any], entity: str) -> dict[str, Any]:
        item = body.get(entity)
        if not isinstance(item, dict) or not item.get("Id"):
            raise BadProviderResponse(f"QuickBooks answered without the {entity}")
        return item
