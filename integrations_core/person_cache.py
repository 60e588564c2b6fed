"""Per-person cache of expensive figures (returns, allocation, net-worth history), dropped
whenever that person's data changes.

Every entry's key carries the person's data version; `person_data_changed` bumps the version,
so every figure cached for them is stale at once (no key listing, no pattern delete: the old
entries simply expire). The core calls it when a sync finishes having written anything and
when a connection is revoked; a family calls it from the services that write without a sync
(a statement confirmed, a manual holding set)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")
_VERSION = "person-data:v:{user_id}"


def _timeout() -> int:
    return int(getattr(settings, "PERSON_CACHE_SECONDS", 24 * 3600))


def person_data_version(user_id) -> str:
    """A token that changes whenever the person's data does. Random, not a counter: after the
    cache is flushed a new token cannot repeat an old one (an in-process copy keyed by it
    would otherwise come back to life)."""
    key = _VERSION.format(user_id=user_id)
    found = cache.get(key)
    if found is None:
        cache.add(key, uuid.uuid4().hex, None)
        found = cache.get(key) or "uncached"
    return found


def person_data_changed(user_id) -> None:
    """Forget every figure cached for this person (their next page view recomputes)."""
    cache.set(_VERSION.format(user_id=user_id), uuid.uuid4().hex, None)


def person_cached(user_id, name: str, compute: Callable[[], T]) -> T:
    """`compute()` once per person, `name` and data version."""
    key = f"person-data:{user_id}:{person_data_version(user_id)}:{name}"
    found = cache.get(key)
    if found is not None:
        return found
    value = compute()
    cache.set(key, value, _timeout())
    return value
