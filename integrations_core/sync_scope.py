"""What one sync of one connection may build once and share between its accounts' hooks.

The engine opens a scope around each connection's sync (services/sync.py); a hook asks
`sync_scoped(key, build)` for something that costs queries to build and does not change while
the sync runs (a person's categoriser: their rules, corrections and the current model). Inside a
scope `build()` runs once per key; outside one (a statement upload, a test calling a hook
directly) every call builds, exactly as without the scope. The scope ends with the sync, so
nothing outlives it: the next sync sees the person's newest rules.

`sync_scope_active()` tells a hook whether it runs inside a sync: a hook that queues work once
per sync (from an after-run hook, settings.SYNC_AFTER_RUN_HOOKS) leaves it to that hook there,
and queues it itself for a statement upload or a direct call. The after-run hooks run once the
scope has closed, so there it is False."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_scope: ContextVar[dict | None] = ContextVar("integrations_core_sync_scope", default=None)


@contextmanager
def sync_scope() -> Iterator[dict]:
    """One sync's store. A nested scope (a sync started from inside another) gets its own."""
    store: dict = {}
    token = _scope.set(store)
    try:
        yield store
    finally:
        _scope.reset(token)


def sync_scoped(key: Hashable, build: Callable[[], T]) -> T:
    """`build()` once per key for the running sync; every time outside a sync."""
    store = _scope.get()
    if store is None:
        return build()
    if key not in store:
        store[key] = build()
    return store[key]


def sync_scope_active() -> bool:
    """Whether a sync's scope is open here (False outside a sync, and in its after-run hooks)."""
    return _scope.get() is not None
