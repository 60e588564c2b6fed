"""Trading 212 Public API v0 over HTTP. Speaks HTTP only: returns parsed bodies (numbers as
Decimal) and raises the shared error types; knows nothing about our models.

Two path sets exist (provider-apis.md §4): the 2026 one (`/equity/account/summary`,
`/equity/positions`, `/equity/history/{orders,dividends,transactions}`) and the older one
(`/equity/account/cash` + `/equity/account/info`, `/equity/portfolio`, `/equity/history/orders`,
`/history/{dividends,transactions}`). `detect_paths()` asks for the summary once; a 404 means
the older set, and the answer is remembered on the client.

Rate limits are per endpoint and per account. Every response's `x-ratelimit-remaining` and
`x-ratelimit-reset` are kept per endpoint, on the client and in the cache (per host and key, until
the reset), so the next client for the same key (the sync after the connect check, the retry
after a pause) knows what is spent and never spends a call on a 429; before a call whose quota is spent, the client waits
only when the reset is a moment away (TRADING212_MAX_INLINE_WAIT seconds) and otherwise raises
RateLimited(retry_after) at once, without spending a call. The key and secret live in one
private header value and are never logged, raised or repr'd."""

from __future__ import annotations

import base64
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.core.cache import cache

from integrations_core.providers.errors import (
    BadProviderResponse,
    ProviderAuthError,
    ProviderError,
    RateLimited,
    ScopeMissing,
)
from integrations_core.providers.http import build_session, send
from open_banking.providers.utils import decimal_json

logger = logging.getLogger(__name__)

PAGE_LIMIT = 50  # the documented maximum
API_PREFIX = "/api/v0"
# Seconds a spent quota may be waited out in-process; anything longer is the scheduler's job.
# The account summary's period (one call per 5 s): the first sync, queued right after the
# connect check asked for it, waits that out once instead of failing.
DEFAULT_MAX_INLINE_WAIT = 5.0
MAX_PAGES = 1000
INSTRUMENTS_TTL = 6 * 3600  # seconds the (public) instrument list is kept per host
INFO_TTL = 24 * 3600  # seconds the path set and the older set's account info are remembered per key  # a provider that never stops paging is a bad response, not a hang

PATHS_2026 = "2026"
PATHS_LEGACY = "legacy"

# Endpoint name -> (path, the scope a 403 on it means is missing).
ENDPOINTS: dict[str, dict[str, tuple[str, str]]] = {
    PATHS_2026: {
        "summary": ("/equity/account/summary", "account"),
        "positions": ("/equity/positions", "portfolio"),
        "instruments": ("/equity/metadata/instruments", "metadata"),
        "orders": ("/equity/history/orders", "history:orders"),
        "dividends": ("/equity/history/dividends", "history:dividends"),
        "transactions": ("/equity/history/transactions", "history:transactions"),
    },
    PATHS_LEGACY: {
        "cash": ("/equity/account/cash", "account"),
        "info": ("/equity/account/info", "account"),
        "positions": ("/equity/portfolio", "portfolio"),
        "instruments": ("/equity/metadata/instruments", "metadata"),
        "orders": ("/equity/history/orders", "history:orders"),
        "dividends": ("/history/dividends", "history:dividends"),
        "transactions": ("/history/transactions", "history:transactions"),
    },
}


HISTORY_ENDPOINTS = ("orders", "dividends", "transactions")


class EndpointMissing(BadProviderResponse):
    """404 on an endpoint: this account speaks the other path set (or the API moved)."""

    code = "endpoint_missing"
    transient = False


@dataclass
class Quota:
    """What the last response of one endpoint said about its limit."""

    remaining: int | None = None
    reset_at: float | None = None  # unix seconds


def auth_header(api_key: str, api_secret: str = "") -> str:
    """HTTP Basic key:secret for current keys; the bare key for older key-only integrations."""
    if api_secret:
        return "Basic " + base64.b64encode(f"{api_key}:{api_secret}".encode()).decode("ascii")
    return api_key


def _int_header(response: requests.Response, name: str) -> int | None:
    value = response.headers.get(name)
    try:
        return int(float(value)) if value not in (None, "") else None
    except ValueError:
        return None


class Trading212Client:
    """One account's API, for one key. `calls` counts requests put on the wire."""

    def __init__(self, *, base_url: str, api_key: str, api_secret: str = "",
                 session: requests.Session | None = None, paths: str | None = None,
                 max_inline_wait: float = DEFAULT_MAX_INLINE_WAIT,
                 sleep: Callable[[float], None] | None = None, clock: Callable[[], float] = time.time):
        if not api_key:
            raise ProviderAuthError("No Trading 212 API key")
        self.base_url = base_url.rstrip("/")
        self._authorization = auth_header(api_key, api_secret)
        # 429s are not retried inline: Trading 212 sends no Retry-After, and a blind retry would
        # only spend the account's quota. 5xx and timeouts keep the shared retry policy.
        self.session = session or build_session(status_forcelist=frozenset({500, 502, 503, 504}))
        self.paths = paths  # None until detect_paths() (or the caller) decides
        self.max_inline_wait = max_inline_wait
        self._sleep = sleep or (lambda seconds: time.sleep(seconds))  # looked up when called
        self._clock = clock
        self.quotas: dict[str, Quota] = {}
        self.calls = 0
        # Names the key without holding it: a digest, for the shared quota memory.
        self._quota_prefix = "t212:quota:" + hashlib.sha256(
            f"{self.base_url}|{self._authorization}".encode()).hexdigest()[:32]
        self._summary: dict[str, Any] | None = None  # the feature check's answer, used once

    def __repr__(self) -> str:  # never the key
        return f"<Trading212Client {self.base_url} paths={self.paths}>"

    # --- transport --------------------------------------------------------------------------
    def _endpoint(self, name: str) -> tuple[str, str]:
        paths = self.paths or PATHS_2026
        try:
            return ENDPOINTS[paths][name]
        except KeyError:
            raise ValueError(f"No {name!r} endpoint in the {paths} path set") from None

    def _respect_quota(self, name: str) -> None:
        quota = self.quotas.get(name) or cache.get(f"{self._quota_prefix}:{name}")
        if quota is None or quota.remaining is None or quota.remaining > 0 or quota.reset_at is None:
            return
        wait = quota.reset_at - self._clock()
        if wait <= 0:
            return
        if wait > self.max_inline_wait:
            raise RateLimited(f"Trading 212 {name} quota spent", retry_after=wait)
        self._sleep(wait)  # one computed pause until the window resets, never a polling loop

    def _remember_quota(self, name: str, response: requests.Response) -> None:
        remaining = _int_header(response, "x-ratelimit-remaining")
        reset = _int_header(response, "x-ratelimit-reset")
        if remaining is not None or reset is not None:
            self.quotas[name] = Quota(remaining=remaining, reset_at=reset)
            if reset is not None:
                ttl = max(1, int(reset - self._clock()) + 1)
                cache.set(f"{self._quota_prefix}:{name}", self.quotas[name], timeout=ttl)

    def _classify(self, name: str, scope: str) -> Callable[[requests.Response, Any], ProviderError | None]:
        def classify(response: requests.Response, _body: Any) -> ProviderError | None:
            status = response.status_code
            if status == 401:
                return ProviderAuthError("Trading 212 did not accept the API key", status=status)
            if status == 403:
                return ScopeMissing(scope=scope, status=status)
            if status == 404:
                return EndpointMissing(f"Trading 212 has no {name} endpoint here", status=status)
            if status == 429:
                reset = _int_header(response, "x-ratelimit-reset")
                retry_after = max(0.0, reset - self._clock()) if reset is not None else None
                return RateLimited(f"Trading 212 rate limited {name}", retry_after=retry_after, status=status)
            return None

        return classify

    def _get(self, name: str, *, url: str | None = None, params: dict[str, Any] | None = None) -> Any:
        try:
            return self._get_once(name, url=url, params=params)
        except RateLimited as exc:
            # Another process spent the window (the connect check in the web process, a worker
            # without the shared cache): a reset a moment away is waited out once, as the docs
            # ask ("wait until x-ratelimit-reset"); a longer one is the scheduler's job.
            if exc.status != 429 or exc.retry_after is None or exc.retry_after > self.max_inline_wait:
                raise
            self._sleep(exc.retry_after)
            return self._get_once(name, url=url, params=params)

    def _get_once(self, name: str, *, url: str | None = None, params: dict[str, Any] | None = None) -> Any:
        path, scope = self._endpoint(name)
        self._respect_quota(name)
        self.calls += 1
        try:
            response = send(self.session, "GET", url or f"{self.base_url}{path}", params=params,
                            headers={"Authorization": self._authorization, "Accept": "application/json"},
                            classify=self._classify(name, scope))
        except ProviderError as exc:
            logger.info("trading212 %s failed code=%s status=%s", name, exc.code, exc.status)
            raise
        self._remember_quota(name, response)
        return decimal_json(response)

    def _get_object(self, name: str) -> dict[str, Any]:
        body = self._get(name)
        if not isinstance(body, dict):
            raise BadProviderResponse(f"Trading 212 {name} is not an object")
        return body

    def _get_list(self, name: str) -> list[dict[str, Any]]:
        body = self._get(name)
        if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
            raise BadProviderResponse(f"Trading 212 {name} is not a list of objects")
        return body

    # --- the feature check ------------------------------------------------------------------
    def detect_paths(self) -> str:
        """Ask for the 2026 summary once; a 404 means the older path set. Returns the set and
        remembers it (with the summary, so the check costs nothing extra)."""
        if self.paths is not None:
            return self.paths
        if remembered := cache.get(f"{self._quota_prefix}:paths"):
            self.paths = remembered
            return self.paths
        self.paths = PATHS_2026
        try:
            self._summary = self._get_object("summary")
        except EndpointMissing:
            self.paths = PATHS_LEGACY
        cache.set(f"{self._quota_prefix}:paths", self.paths, timeout=INFO_TTL)
        return self.paths

    def _info(self) -> dict[str, Any]:
        """The older set's account info ({id, currencyCode}: it never changes) is allowed once
        per 30 s, so the answer is kept a day per key: the sync after the connect check (or a
        retry) does not wait for it."""
        key = f"{self._quota_prefix}:info"
        info = cache.get(key)
        if info is None:
            info = self._get_object("info")
            cache.set(key, info, timeout=INFO_TTL)
        return info

    # --- account ----------------------------------------------------------------------------
    def account(self) -> dict[str, Any]:
        """The account as the 2026 summary shapes it: {id, currency, cash{...}, ...}; on the
        older set, info + cash merged into the same shape (the raw cash kept under `cash`)."""
        self.detect_paths()
        if self.paths == PATHS_2026:
            summary = self._summary or self._get_object("summary")
            self._summary = None  # a cached answer serves one call only
            return summary
        info = self._info()
        cash = self._get_object("cash")
        return {**info, "id": info.get("id"), "currency": info.get("currencyCode"), "cash": cash,
                "legacy": True}

    def account_id(self) -> dict[str, Any]:
        """The cheapest answer naming the account (for the credentials check)."""
        self.detect_paths()
        if self.paths == PATHS_2026:
            return self.account()
        info = self._info()
        return {**info, "currency": info.get("currencyCode")}

    def positions(self) -> list[dict[str, Any]]:
        self.detect_paths()
        return self._get_list("positions")

    def instruments(self, *, fresh: bool = False) -> list[dict[str, Any]]:
        """The instrument metadata list. It is the same for every account on a host and allowed
        once per 50 s, so it is kept INSTRUMENTS_TTL per host (not per key: it holds nothing
        personal). Without that, a "sync now" within a minute of the last sync would wait for
        it; `fresh=True` asks again (a held ticker the kept list does not know)."""
        key = "t212:instruments:" + hashlib.sha256(self.base_url.encode()).hexdigest()[:32]
        kept = None if fresh else cache.get(key)
        if kept is not None:
            return kept
        items = self._get_list("instruments")
        cache.set(key, items, timeout=INSTRUMENTS_TTL)
        return items

    # --- history (paged) --------------------------------------------------------------------
    def scope_of(self, name: str) -> str:
        return self._endpoint(name)[1]

    def history_probe(self, name: str) -> None:
        """The smallest page of one history endpoint (`limit=1`): ScopeMissing if the key lacks
        its scope. For the credentials check; the answer is not used."""
        self.detect_paths()
        self._get(name, params={"limit": 1})

    def history(self, name: str, *, stop: Callable[[dict[str, Any]], bool] | None = None) -> Iterator[dict[str, Any]]:
        """Every item of a history endpoint, newest first (see `history_pages`)."""
        for items, _next in self.history_pages(name, stop=stop):
            yield from items

    def history_pages(self, name: str, *, start: str | None = None,
                      stop: Callable[[dict[str, Any]], bool] | None = None) -> Iterator[tuple[list[dict[str, Any]], str | None]]:
        """A history endpoint page by page, newest first: (items, the next page's path, None
        after the last page). Follows `nextPagePath` (both its full-path and query-only forms);
        `start` is such a path from an earlier sync, to go on from there. Paging ends when
        `stop(item)` is true for the last item of a page (it is older than wanted)."""
        self.detect_paths()
        path, _scope = self._endpoint(name)
        url: str | None = self._next_url(path, start) if start else None
        params: dict[str, Any] | None = None if start else {"limit": PAGE_LIMIT}
        seen: set[str] = {start} if start else set()
        for _page in range(MAX_PAGES):
            body = self._get(name, url=url, params=params)
            items = body.get("items") if isinstance(body, dict) else None
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise BadProviderResponse(f"Trading 212 {name} page has no items list")
            next_path = body.get("nextPagePath")
            if not next_path or not items or (stop is not None and stop(items[-1])):
                yield items, None
                return
            if not isinstance(next_path, str) or next_path in seen:
                raise BadProviderResponse(f"Trading 212 {name} sent an unusable nextPagePath")
            seen.add(next_path)
            url, params = self._next_url(path, next_path), None  # checked before anyone keeps it
            yield items, next_path
        raise BadProviderResponse(f"Trading 212 {name} never stopped paging")

    def _next_url(self, path: str, next_path: str) -> str:
        """`/api/v0/equity/history/orders?limit=50&cursor=…` or just `limit=50&cursor=…`
        (some accounts get only the query string back) -> an absolute URL on our host."""
        if next_path.startswith(("http://", "https://")):
            parts = urlsplit(next_path)
            if not next_path.startswith(self.base_url + "/"):
                raise BadProviderResponse("Trading 212 nextPagePath points at another host")
            next_path = parts.path.removeprefix(urlsplit(self.base_url).path) + (f"?{parts.query}" if parts.query else "")
        if next_path.startswith(API_PREFIX + "/"):
            return self.base_url + next_path.removeprefix(API_PREFIX)
        if next_path.startswith("/"):
            return self.base_url + next_path
        query = next_path.removeprefix("?")
        if "=" not in query:
            raise BadProviderResponse("Trading 212 sent an unusable nextPagePath")
        return f"{self.base_url}{path}?{query}"

