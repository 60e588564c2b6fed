"""The one place provider HTTP sessions are built: timeouts, retries with exponential backoff
and jitter on 429/5xx/timeouts (urllib3's Retry, honouring Retry-After), the mapping of
failures onto the shared error vocabulary, and the meter that counts every attempt on the wire
(urllib3's own retries included) for whoever is listening (the sync engine)."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.utils import timezone
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError
from urllib3.util.retry import Retry

from .errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderAuthError,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
)

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


# --- the attempt meter --------------------------------------------------------------------------
class CallMeter:
    """Counts HTTP attempts made while it is active (each request, plus each retry urllib3
    makes inside it). `on_attempt` runs before every attempt: the sync engine renews its lease
    there, so a long series of retries never outlives it."""

    def __init__(self, on_attempt: Callable[[], None] | None = None) -> None:
        self.attempts = 0
        self.on_attempt = on_attempt

    def attempt(self) -> None:
        self.attempts += 1
        if self.on_attempt is not None:
            self.on_attempt()


_meter: ContextVar[CallMeter | None] = ContextVar("provider_call_meter", default=None)


@contextmanager
def metered(meter: CallMeter | None = None) -> Iterator[CallMeter]:
    """Count every provider HTTP attempt made inside the block (in this thread or task)."""
    meter = meter or CallMeter()
    token = _meter.set(meter)
    try:
        yield meter
    finally:
        _meter.reset(token)


def _count_attempt() -> None:
    meter = _meter.get()
    if meter is not None:
        meter.attempt()


class MeteredAdapter(HTTPAdapter):
    """Counts the first attempt of every request (BoundedRetry counts the retries)."""

    def send(self, request, *args, **kwargs):  # type: ignore[override]
        _count_attempt()
        return super().send(request, *args, **kwargs)


class BoundedRetry(Retry):
    """urllib3 Retry that will not sleep through a long Retry-After: it stops retrying and lets
    the 429 surface as RateLimited(retry_after) so the task can be rescheduled instead."""

    max_inline_retry_after: float = 10.0

    def new(self, **kw):
        # urllib3 builds a fresh Retry per attempt; carry our limit across.
        fresh = super().new(**kw)
        fresh.max_inline_retry_after = self.max_inline_retry_after
        return fresh

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if response is not None:
            retry_after = self.get_retry_after(response)
            if retry_after is not None and retry_after > self.max_inline_retry_after:
                # With raise_on_status=False, urllib3 answers MaxRetryError from increment()
                # by handing the 429 response back as it is.
                raise MaxRetryError(_pool, url, reason=None)
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        # increment() returned, so urllib3 goes on to make another attempt on the wire.
        _count_attempt()
        return retry


class TimeoutSession(requests.Session):
    """A Session whose requests always carry a timeout (requests has no default one)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, **kwargs)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # type: ignore[override]
        # requests reads the proxy and CA-bundle variables on every request, walking the whole of
        # os.environ (and the no_proxy list) each time: ~4 ms of CPU per call on this machine's
        # slow cores, a tenth of a daily sync's CPU. The environment is the process's, fixed once
        # it runs, so the answer per (scheme, host) is kept; the key includes the environment's
        # size and the proxy variables' values, so a test that sets one is still seen.
        if not self.trust_env or proxies or verify is not None or cert is not None:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, len(os.environ), *(os.environ.get(v) for v in _ENV_KEYS),
               tuple(sorted(self.proxies.items())), self.verify, self.cert, self.stream)
        merged = _environment_settings.get(key)
        if merged is None:
            merged = super().merge_environment_settings(url, {}, None, None, None)
            _environment_settings[key] = merged
        return {**merged, "proxies": dict(merged["proxies"]), "stream": stream if stream is not None
                else merged["stream"]}


# What merge_environment_settings reads from the environment (requests.utils, urllib.request).
_ENV_KEYS = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
             "NO_PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
_environment_settings: dict[tuple, dict] = {}


def build_session(*, user_agent: str = "finance-platform/1.0", retries: int | None = None,
                  timeout: float | None = None, allowed_methods: frozenset[str] | None = None,
                  status_forcelist: frozenset[int] = RETRY_STATUSES) -> TimeoutSession:
    retry = BoundedRetry(
        total=settings.PROVIDER_HTTP_RETRIES if retries is None else retries,
        connect=settings.PROVIDER_HTTP_RETRIES if retries is None else retries,
        read=settings.PROVIDER_HTTP_RETRIES if retries is None else retries,
        status_forcelist=status_forcelist,
        backoff_factor=settings.PROVIDER_HTTP_BACKOFF,
        backoff_jitter=settings.PROVIDER_HTTP_BACKOFF,
        backoff_max=30,
        respect_retry_after_header=True,
        raise_on_status=False,  # the last response comes back; we map it below
        allowed_methods=allowed_methods or Retry.DEFAULT_ALLOWED_METHODS,
    )
    retry.max_inline_retry_after = settings.PROVIDER_MAX_INLINE_RETRY_AFTER
    session = TimeoutSession(settings.PROVIDER_HTTP_TIMEOUT if timeout is None else timeout)
    adapter = MeteredAdapter(max_retries=retry, pool_connections=10, pool_maxsize=20)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - timezone.now()).total_seconds())


# A classifier looks at a failed response and may return a more specific error (e.g. a body
# saying the consent expired); returning None falls back to the status-code defaults.
Classifier = Callable[[requests.Response, Any], ProviderError | None]


def send(session: requests.Session, method: str, url: str, *, classify: Classifier | None = None,
         **kwargs) -> requests.Response:
    """Send a request; map transport failures and error statuses onto the error vocabulary."""
    started = time.perf_counter()
    try:
        response = session.request(method, url, **kwargs)
    except requests.exceptions.RetryError as exc:
        # Retries exhausted on a retryable status: the last status decides.
        _observe(started, "unavailable")
        raise ProviderUnavailable("Provider kept failing after retries") from exc
    except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
        _observe(started, "unreachable")
        raise ProviderUnavailable(f"Could not reach the provider ({type(exc).__name__})") from exc
    _observe(started, str(response.status_code // 100) + "xx")
    if response.status_code < 400:
        return response
    body = safe_json(response)
    if classify is not None:
        specific = classify(response, body)
        if specific is not None:
            raise specific
    raise default_error(response)


def _observe(started: float, outcome: str) -> None:
    from integrations_core import metrics

    metrics.PROVIDER_CALL_DURATION.labels(metrics.current_provider.get(), outcome).observe(
        time.perf_counter() - started)


def default_error(response: requests.Response) -> ProviderError:
    status = response.status_code
    if status == 429:
        return RateLimited("Rate limited", retry_after=parse_retry_after(response.headers.get("Retry-After")),
                           status=status)
    if status == 401:
        return ProviderAuthError("Unauthorized", status=status)
    if status == 403:
        return ConsentExpired("Access denied", status=status)
    if status >= 500 or status == 408:
        return ProviderUnavailable(f"Provider error {status}", status=status)
    # Any other 4xx is about this request (a closed account's 404, a refused parameter), not
    # about the provider's health: it must not pause the provider for everyone.
    return RequestRejected(f"Request rejected with status {status}", status=status)


def safe_json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def json_body(response: requests.Response) -> Any:
    """The response's JSON, or BadProviderResponse: malformed bodies never reach a mapper."""
    try:
        return response.json()
    except (ValueError, json.JSONDecodeError) as exc:
        raise BadProviderResponse("The provider sent a body that is not JSON") from exc
