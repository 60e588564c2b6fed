"""Xero over HTTP: the official xero-python client (AccountingApi, IdentityApi), its host the
only thing changed (XERO_API_URL), its transport our shared requests session, so timeouts,
retries and the error vocabulary are the platform's and tests reach the sandbox in-process.

Failures, as Xero documents them:
- 401: the access token was refused (the engine refreshes once) -> ProviderAuthError;
- 403 {"Type": "AuthorizationUnsuccessful"} on a tenant's call: the person removed that
  organisation from the consent -> OrganisationDisconnected (the other tenants go on);
- 429 with Retry-After and X-Rate-Limit-Problem (minute | day | appminute) -> RateLimited;
  the per-tenant budget left is read from X-MinLimit-Remaining / X-DayLimit-Remaining;
- 400 with Elements[].ValidationErrors[] -> RequestRejected naming what Xero refused.
Writes (PUT/POST BankTransactions) are never retried by the transport: a lost answer is
found again by its Reference at the next push."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import requests
from xero_python.accounting import AccountingApi
from xero_python.accounting.models import BankTransactions
from xero_python.api_client import ApiClient, Configuration
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.identity import IdentityApi

from accounting.errors import OrganisationDisconnected
from integrations_core.providers.errors import (
    BadProviderResponse,
    ProviderAuthError,
    RateLimited,
    RequestRejected,
)
from integrations_core.providers.http import build_session, parse_retry_after, safe_json, send

logger = logging.getLogger(__name__)

PAGE_SIZE = 100  # Xero pages hold 100 rows; a shorter page is the last
# The transport retries reads (and DELETE, idempotent); never the writes.
RETRIED_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})
DAY_LIMIT_WAIT = 3600.0
# Pages in the order rows changed, so a read cut short can go on from its last row.
UPDATED_ORDER = "UpdatedDateUTC ASC"  # a spent daily budget without a Retry-After: try again in an hour


def validation_messages(body: Any) -> list[str]:
    """Xero's 400 body: {"ErrorNumber": 10, "Type": "ValidationException", "Message": ...,
    "Elements": [{..., "ValidationErrors": [{"Message": "..."}]}]}."""
    if not isinstance(body, dict):
        return []
    messages = [str(e.get("Message")) for element in body.get("Elements") or []
                for e in (element.get("ValidationErrors") or []) if e.get("Message")]
    return messages or ([str(body["Message"])] if body.get("Message") else [])


def classify(response: requests.Response, body: Any) -> Exception | None:
    status = response.status_code
    if status == 429:
        problem = response.headers.get("X-Rate-Limit-Problem", "")
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is None and problem == "day":
            wait = DAY_LIMIT_WAIT
        return RateLimited(f"Xero rate limit ({problem or 'unknown'})", retry_after=wait, status=status,
                           provider_code=problem)
    if status == 403 and isinstance(body, dict) and body.get("Type") == "AuthorizationUnsuccessful" \
            and "xero-tenant-id" in {k.lower() for k in response.request.headers}:
        return OrganisationDisconnected(str(body.get("Detail") or "The organisation is not shared"),
                                        status=status, provider_code="AuthorizationUnsuccessful")
    if status == 401:
        return ProviderAuthError("Xero refused the access token", status=status)
    if status == 400:
        messages = validation_messages(body)
        error = RequestRejected("; ".join(messages) or "Xero refused the request", status=status,
                                provider_code=str((body or {}).get("Type", "")) if isinstance(body, dict) else "")
        error.messages = messages  # type: ignore[attr-defined]
        return error
    return None


def modified_since(moment: datetime) -> datetime:
    """Xero reads If-Modified-Since as UTC without an offset ("2026-03-01T09:30:00"); the SDK
    writes the datetime's isoformat, so hand it a naive UTC one."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def _number(value):
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class _Response:
    """What xero-python's ApiClient reads from its transport's answer."""

    def __init__(self, response: requests.Response) -> None:
        self.status = response.status_code
        self.reason = response.reason
        self.data = response.content
        self._headers = response.headers

    def getheaders(self):
        return self._headers

    def getheader(self, name, default=None):
        return self._headers.get(name, default)


class _RequestsTransport:
    """xero-python's REST client interface (rest.RESTClientObject) over our requests session."""

    def __init__(self, client: XeroClient) -> None:
        self.client = client

    def request(self, method, url, query_params=None, headers=None, body=None, post_params=None,
                _preload_content=True, _request_timeout=None):
        headers = dict(headers or {})
        headers.setdefault("Content-Type", "application/json")
        if query_params:
            url += ("&" if "?" in url else "?") + urlencode(query_params)
        # Amounts go out as JSON numbers with the digits we hold (a 2-dp Decimal's float prints back the same).
        data = json.dumps(body, default=_number) if body is not None else None
        session = self.client.session if method in RETRIED_METHODS else self.client.write_session
        self.client.calls += 1
        response = send(session, method, url, classify=classify, headers=headers, data=data)
        self.client.limits_read(response)
        return _Response(response)

    def __getattr__(self, name):
        if name in ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"):
            return lambda url, **kwargs: self.request(name, url, **kwargs)
        raise AttributeError(name)


class XeroClient:
    def __init__(self, *, api_url: str, access_token: str, max_pages: int = 50) -> None:
        self.api_url = api_url.rstrip("/")
        self.max_pages = max_pages
        self.calls = 0
        self.limits: dict[str, int] = {}
        self.session = build_session(allowed_methods=RETRIED_METHODS)
        self.write_session = build_session(retries=0)
        token = {"access_token": access_token, "token_type": "Bearer", "scope": [], "expires_in": None}
        api_client = ApiClient(Configuration(oauth2_token=OAuth2Token()), pool_threads=1,
                               oauth2_token_getter=lambda: token, oauth2_token_saver=lambda _token: None)
        api_client.rest_client = _RequestsTransport(self)
        self.accounting = AccountingApi(api_client, base_url=f"{self.api_url}/api.xro/2.0")
        self.identity = IdentityApi(api_client, base_url=self.api_url)

    def limits_read(self, response: requests.Response) -> None:
        for header, key in (("X-MinLimit-Remaining", "minute"), ("X-DayLimit-Remaining", "day")):
            value = response.headers.get(header)
            if value is not None and value.isdigit():
                self.limits[key] = int(value)

    def _json(self, answer) -> Any:
        """The body of a call made with _preload_content=False, amounts as Decimal: the SDK's
        models hold money as float, so we read Xero's JSON ourselves, with its real names."""
        try:
            return json.loads(answer.data or b"null", parse_float=Decimal)
        except ValueError as exc:
            raise BadProviderResponse("Xero sent a body that is not JSON") from exc

    def _list(self, answer, key: str) -> list[dict]:
        body = self._json(answer)
        if not isinstance(body, dict) or not isinstance(body.get(key, []), list):
            raise BadProviderResponse(f"Xero sent no {key} list")
        return list(body.get(key) or [])

    # --- identity -------------------------------------------------------------------------
    def connections(self) -> list[dict]:
        """The tenants the consent reaches (GET /connections): [{id, tenantId, tenantType, tenantName, ...}]."""
        body = self._json(self.identity.get_connections(_preload_content=False))
        if not isinstance(body, list):
            raise BadProviderResponse("Xero sent no connections list")
        return body

    def connection_delete(self, connection_id: str) -> None:
        self.identity.delete_connection(connection_id, _preload_content=False)

    # --- reads (per tenant) ---------------------------------------------------------------
    def organisation(self, tenant_id: str) -> dict:
        found = self._list(self.accounting.get_organisations(tenant_id, _preload_content=False), "Organisations")
        if not found:
            raise BadProviderResponse("Xero sent no organisation for the tenant")
        return found[0]

    def accounts(self, tenant_id: str, since: datetime | None) -> list[dict]:
        kwargs = {"if_modified_since": modified_since(since)} if since else {}
        return self._list(self.accounting.get_accounts(tenant_id, _preload_content=False, **kwargs), "Accounts")

    def tracking_categories(self, tenant_id: str) -> list[dict]:
        return self._list(self.accounting.get_tracking_categories(tenant_id, include_archived=True,
                                                                  _preload_content=False), "TrackingCategories")

    def pages(self, fetch, key: str, tenant_id: str, since: datetime | None, **kwargs) -> tuple[list[dict], bool]:
        """Every page of one list endpoint (page=1, 2...) up to max_pages: (rows, complete)."""
        rows: list[dict] = []
        if since:
            kwargs["if_modified_since"] = modified_since(since)
        for page in range(1, self.max_pages + 1):
            batch = self._list(fetch(tenant_id, page=page, _preload_content=False, **kwargs), key)
            rows.extend(batch)
            if len(batch) < PAGE_SIZE:
                return rows, True
        return rows, False

    def contacts(self, tenant_id: str, since: datetime | None) -> tuple[list[dict], bool]:
        return self.pages(self.accounting.get_contacts, "Contacts", tenant_id, since, include_archived=True,
                          order=UPDATED_ORDER)

    def invoices(self, tenant_id: str, since: datetime | None) -> tuple[list[dict], bool]:
        return self.pages(self.accounting.get_invoices, "Invoices", tenant_id, since, order=UPDATED_ORDER)

    def bank_transactions(self, tenant_id: str, since: datetime | None) -> tuple[list[dict], bool]:
        return self.pages(self.accounting.get_bank_transactions, "BankTransactions", tenant_id, since,
                          order=UPDATED_ORDER)

    def bank_transactions_by_reference(self, tenant_id: str, references: list[str]) -> list[dict]:
        """Bank transactions whose Reference is one of ours (the References filter)."""
        found: list[dict] = []
        for start in range(0, len(references), 50):  # keep the query string short
            rows, _ = self.pages(self.accounting.get_bank_transactions, "BankTransactions", tenant_id, None,
                                 references=references[start:start + 50])
            found.extend(rows)
        return found

    # --- writes ---------------------------------------------------------------------------
    def bank_transactions_create(self, tenant_id: str, items: list) -> list[dict]:
        """PUT BankTransactions with summarizeErrors=false: each item answers on its own, with
        its ValidationErrors, so one bad item does not refuse the others."""
        answer = self.accounting.create_bank_transactions(tenant_id, BankTransactions(bank_transactions=items),
                                                          summarize_errors=False, _preload_content=False)
        return self._list(answer, "BankTransactions")

    def bank_transaction_update(self, tenant_id: str, bank_transaction_id: str, item) -> list[dict]:
        answer = self.accounting.update_bank_transaction(tenant_id, bank_transaction_id,
                                                         BankTransactions(bank_transactions=[item]),
                                                         _preload_content=False)
        return self._list(answer, "BankTransactions")


def token_revoke(url: str, client_id: str, client_secret: str, refresh_token: str) -> None:
    """POST identity.xero.com/connect/revocation (RFC 7009). Best effort: a failure is logged."""
    from integrations_core.providers.errors import ProviderError

    try:
        send(build_session(retries=0), "POST", url, data={"token": refresh_token}, auth=(client_id, client_secret))
    except ProviderError as exc:
        logger.info("xero token revocation failed code=%s", exc.code)


__all__ = ["XeroClient", "classify", "safe_json", "token_revoke", "validation_messages"]
