"""The API's throttles.

Every request passes the generic per-person (`user`) and per-address (`anon`) rates, so they
count with a fixed-window counter: one cache round trip (INCR, with the window's expiry set on
first use) per request. DRF's SimpleRateThrottle keeps a sliding log instead, the list of every
request's timestamp in the window, read and written whole on each request: at the default
1,200/min that is a list of up to 1,200 floats unpickled and pickled per request. The price of
the fixed window is its edge: a client can spend one window's allowance at its end and the next
one's at the start, up to twice the rate over a minute straddling the boundary; for a budget of
1,200 requests a minute that is acceptable, and Retry-After says exactly when the window ends.

The rare, sensitive actions (connecting, asking for a sync, importing a statement) keep DRF's
sliding log: their rates are a few an hour, where a doubled burst would matter, and their cost
is paid a few times an hour, not on every request."""

from __future__ import annotations

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from integrations_core.cache import counter_incr


class FixedWindowMixin:
    """allow_request/wait for a SimpleRateThrottle subclass, counting per fixed window."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.window_ends = (window + 1) * self.duration
        # The window's number is in the key, so a new window starts at zero without a reset; the
        # key outlives its window by a second, never longer.
        count = counter_incr(self.cache, f"{self.key}:w{window}", timeout=int(self.window_ends - now) + 1)
        return count <= self.num_requests

    def wait(self):
        return max(0.0, self.window_ends - self.timer())


class UserWindowThrottle(FixedWindowMixin, UserRateThrottle):
    """Per signed-in person (scope `user`), per address when signed out."""


class AnonWindowThrottle(FixedWindowMixin, AnonRateThrottle):
    """Per address for signed-out requests (scope `anon`)."""


class ConnectionCreateThrottle(UserRateThrottle):
    scope = "connection_create"


class SyncRequestThrottle(UserRateThrottle):
    scope = "sync_request"


class StatementImportThrottle(UserRateThrottle):
    scope = "statement_import"
