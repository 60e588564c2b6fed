"""A Redis cache that degrades instead of failing: when Redis is down, reads miss and writes are
dropped (logged once a minute), so the API keeps serving reads. Throttling and allauth's rate
limits then fail open for the outage, which is the lesser evil next to refusing every request."""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)
_last_warning = [0.0]


def _warn(exc: Exception) -> None:
    if time.monotonic() - _last_warning[0] > 60:
        _last_warning[0] = time.monotonic()
        logger.warning("cache unavailable, serving without it: %s", type(exc).__name__)


class ResilientRedisCache(RedisCache):
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
            return False

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

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except _UNAVAILABLE as exc:
            _warn(exc)
            return False
