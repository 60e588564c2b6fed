"""A Redis cache that degrades instead of failing: when Redis is down, reads miss and writes are
dropped (logged once a minute), so the API keeps serving reads. Throttling and allauth's rate
limits then fail open for the outage, which is the lesser evil next to refusing every request:
`add` (what allauth's rate-limit lock and the GoCardless token-renewal lock are built on) answers
"added" while Redis is down. Checks that must fail closed instead (webhook replay protection) use
`cache_add_strict`, which raises CacheUnavailable."""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)
_last_warning = [0.0]


def _warn(exc: Exception) -> None:
    if time.monotonic() - _last_warning[0] > 60:
        _last_warning[0] = time.monotonic()
        logger.warning("cache unavailable, serving without it: %s", type(exc).__name__)


class CacheUnavailable(Exception):
    """The cache cannot answer a question that must not be guessed."""


def cache_add_strict(cache, key, value, timeout=None) -> bool:
    """cache.add() that raises CacheUnavailable instead of guessing when the cache is down."""
    strict = getattr(cache, "add_strict", None)
    return strict(key, value, timeout) if strict is not None else cache.add(key, value, timeout)


def counter_incr(cache, key, *, timeout: int) -> int:
    """Add one to the counter `key` and answer its new value; a new counter starts at one and
    expires after `timeout` seconds (a later increment does not extend it). On Redis one round
    trip; elsewhere (LocMem in development and tests) add then incr. Fails open: with Redis down
    it answers 0, which counts nothing against anyone."""
    counter = getattr(cache, "counter_incr", None)
    if counter is not None:
        return counter(key, timeout=timeout)
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls: this is the first of a new counter
        cache.add(key, 1, timeout)
        return 1


class _OneClientPerPool(RedisCacheClient):
    """Django's client builds a new `redis.Redis` for every cache call, which copies its table of
    ~170 response callbacks each time: ~0.25 ms of CPU per call, two calls per API request (the
    throttle's read and write). One Redis object per connection pool answers every call the same
    way (it holds no per-call state; the pool, which Django already keeps, holds the sockets)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None or client.connection_pool is not pool:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _OneClientPerPool

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except _UNAVAILABLE as exc:
            _warn(exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except _UNAVAILABLE as exc:
            _warn(exc)
            return {}

    def set(self, key, value, timeout=None, version=None):  # noqa: A003
        try:
            return super().set(key, value, timeout, version)
        except _UNAVAILABLE as exc:
            _warn(exc)
            return None

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except _UNAVAILABLE as exc:
            _warn(exc)
            return True  # fail open: a lock nobody can hold must not lock everyone out

    def add_strict(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except _UNAVAILABLE as exc:
            _warn(exc)
            raise CacheUnavailable() from exc

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except _UNAVAILABLE as exc:
            _warn(exc)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except _UNAVAILABLE as exc:
            _warn(exc)
            raise ValueError("cache unavailable") from exc

    def counter_incr(self, key, *, timeout: int, version=None) -> int:
        """SET key 0 EX timeout NX, then INCR, pipelined: one round trip. Django's own incr is two
        (EXISTS, then INCR) and needs the key to exist already."""
        key = self.make_and_validate_key(key, version=version)
        try:
            client = self._cache.get_client(key, write=True)
            pipe = client.pipeline(transaction=False)
            pipe.set(key, 0, ex=max(1, int(timeout)), nx=True)
            pipe.incr(key)
            return int(pipe.execute()[1])
        except _UNAVAILABLE as exc:
            _warn(exc)
            return 0

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except _UNAVAILABLE as exc:
            _warn(exc)
            return False
