"""Trading 212 Public API v0, demo protocol, mounted at /sandbox/trading212/api/v0/ (so
TRADING212_DEMO_URL={SITE}/sandbox/trading212/api/v0).

Auth: HTTP Basic key:secret, or the older bare key in `Authorization`. The sandbox knows one
key and secret (SANDBOX_TRADING212_API_KEY / _SECRET, defaults in sandbox.credentials); the key
may carry variants after a dot, comma separated, to choose how the account behaves:
  legacy          the older path set (the 2026 paths answer 404); SANDBOX_TRADING212_PATHS
                  ("2026" or "legacy") sets the default for plain keys
  query-paging    nextPagePath comes back as the query string only
  isa             the account reports type ISA
  no-<scope>      the key lacks that scope, ":" written "-" (no-history-orders) -> 403
  rate-limited    every call is refused with 429 and x-ratelimit-* headers
  malformed       every call answers 200 with a body cut off mid-JSON
Rate limits are per account and endpoint (fixed windows in the cache, real time, not the
sandbox clock), with x-ratelimit-{limit,period,remaining,reset,used} on every answer;
SANDBOX_TRADING212_RATE_LIMITS=False turns the 429s off (the headers stay)."""

from __future__ import annotations

import base64
import binascii
import math
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from sandbox import clock
from sandbox.credentials import trading212_api_key, trading212_api_secret
from sandbox.faults import with_latency

from . import render
from .data import build_book

PREFIX = "/api/v0"
# endpoint path -> (name, scope, limit, period seconds, path sets it exists in)
ENDPOINTS = {
    "/equity/account/summary": ("summary", "account", 1, 5, {"2026"}),
    "/equity/positions": ("positions", "portfolio", 1, 1, {"2026"}),
    "/equity/account/cash": ("cash", "account", 1, 2, {"legacy"}),
    "/equity/account/info": ("info", "account", 1, 30, {"legacy"}),
    "/equity/portfolio": ("portfolio", "portfolio", 1, 5, {"legacy"}),
    "/equity/metadata/instruments": ("instruments", "metadata", 1, 50, {"2026", "legacy"}),
    "/equity/history/orders": ("orders", "history:orders", 6, 60, {"2026", "legacy"}),
    "/equity/history/dividends": ("dividends", "history:dividends", 6, 60, {"2026"}),
    "/equity/history/transactions": ("transactions", "history:transactions", 6, 60, {"2026"}),
    "/history/dividends": ("dividends", "history:dividends", 6, 60, {"legacy"}),
    "/history/transactions": ("transactions", "history:transactions", 6, 60, {"legacy"}),
}
MAX_LIMIT = 50
DEFAULT_LIMIT = 20
MALFORMED_BODY = '{"items": [{"order": {"id": 1, "ticker": "VUSAl_EQ", "quantity": 1'


@dataclass(frozen=True)
class Key:
    variants: frozenset[str]

    @property
    def paths(self) -> str:
        if "legacy" in self.variants:
            return "legacy"
        return getattr(settings, "SANDBOX_TRADING212_PATHS", "2026")

    @property
    def account(self) -> str:
        """Rate limits are per account: the variants that change the data are other accounts."""
        return ",".join(sorted(self.variants - {"query-paging"})) or "main"


def _key(request: HttpRequest) -> Key | None:
    header = request.headers.get("Authorization", "").strip()
    secret = None
    if header.startswith("Basic "):
        try:
            key, _, secret = base64.b64decode(header[6:], validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
    else:
        key = header  # the older key-only header
    base, _, variants = key.partition(".")
    if not base or base != trading212_api_key() or (secret is not None and secret != trading212_api_secret()):
        return None
    return Key(frozenset(v for v in variants.split(",") if v))


def _json(body, status: int = 200, headers: dict[str, str] | None = None) -> HttpResponse:
    text = body if isinstance(body, str) else render.dumps(body)
    return HttpResponse(text, status=status, content_type="application/json", headers=headers or {})


def _quota(account: str, name: str, limit: int, period: int) -> tuple[bool, dict[str, str]]:
    """Count this call in its fixed window; (allowed, x-ratelimit headers)."""
    now = time.time()
    start = math.floor(now / period) * period
    slot = f"sandbox:t212:rl:{account}:{name}:{start}"
    cache.add(slot, 0, timeout=period + 5)
    try:
        used = cache.incr(slot)
    except ValueError:  # expired between add and incr
        cache.set(slot, 1, timeout=period + 5)
        used = 1
    enforce = getattr(settings, "SANDBOX_TRADING212_RATE_LIMITS", True)
    allowed = used <= limit or not enforce
    headers = {"x-ratelimit-limit": str(limit), "x-ratelimit-period": str(period),
               "x-ratelimit-remaining": str(max(0, limit - used)), "x-ratelimit-reset": str(int(start + period)),
               "x-ratelimit-used": str(min(used, limit))}
    return allowed, headers


def _page(request: HttpRequest, path: str, items: list, *, query_only: bool) -> HttpResponse | dict:
    try:
        limit = int(request.GET.get("limit", DEFAULT_LIMIT))
        cursor = int(request.GET["cursor"]) if request.GET.get("cursor") else None
    except ValueError:
        return _json({"code": "BadRequest", "message": "Bad filtering arguments"}, 400)
    if not 1 <= limit <= MAX_LIMIT:
        return _json({"code": "BadRequest", "message": f"limit must be 1..{MAX_LIMIT}"}, 400)
    if ticker := request.GET.get("ticker"):
        items = [(s, i) for s, i in items if (i.get("ticker") or i.get("order", {}).get("ticker")) == ticker]
    if cursor is not None:
        items = [(s, i) for s, i in items if s < cursor]
    page, rest = items[:limit], items[limit:]
    next_path = None
    if rest:
        params = {"limit": limit, "cursor": page[-1][0]}
        if ticker:
            params["ticker"] = ticker
        query = urlencode(params)
        next_path = query if query_only else f"{PREFIX}{path}?{query}"
    return {"items": [item for _, item in page], "nextPagePath": next_path}


@require_GET
@with_latency
def api(request: HttpRequest, endpoint: str) -> HttpResponse:
    path = "/" + endpoint.strip("/")
    key = _key(request)
    if key is None:
        return _json({"code": "AuthenticationFailed", "message": "Bad API key"}, 401)
    spec = ENDPOINTS.get(path)
    if spec is None or key.paths not in spec[4]:
        return _json({"code": "NotFound", "message": "Not found"}, 404)
    name, scope, limit, period, _sets = spec
    allowed, headers = _quota(key.account, name, limit, period)
    if "rate-limited" in key.variants:
        allowed = False
        headers["x-ratelimit-remaining"] = "0"
    if not allowed:
        return _json({"code": "TooManyRequests", "message": f"Limited: {limit} / {period}s"}, 429, headers)
    if f"no-{scope.replace(':', '-')}" in key.variants:
        return _json({"code": "Forbidden", "message": f"Scope( {scope} ) missing for API key"}, 403, headers)
    if "malformed" in key.variants:
        return _json(MALFORMED_BODY, 200, headers)
    book = build_book(clock.today())
    legacy = key.paths == "legacy"
    account_type = "ISA" if "isa" in key.variants else ""
    bodies = {
        "summary": lambda: render.summary(book, account_type=account_type),
        "info": lambda: render.info(account_type=account_type),
        "cash": lambda: render.cash(book),
        "positions": lambda: render.positions(book),
        "portfolio": lambda: render.portfolio(book),
        "instruments": render.instruments,
    }
    if name in bodies:
        return _json(bodies[name](), 200, headers)
    items = {"orders": render.order_items, "dividends": render.dividend_items,
             "transactions": render.transaction_items}[name](book, legacy=legacy)
    body = _page(request, path, items, query_only="query-paging" in key.variants)
    return body if isinstance(body, HttpResponse) else _json(body, 200, headers)
