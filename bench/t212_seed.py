"""The Trading 212 fleet's rows, and a watch on the sandbox's rate-limit counters.

Every connection is its own sandbox account: the mock counts its limits per account, and an
account is the key's variants (sandbox/trading212/views.py), so connection i uses the one
sandbox key with the variant `bench<i>`. Each sees the mock's ~2-year history (104 weekly
VUSA buys, US stocks with FX, a split, dividends, cash moves). Connections are written in bulk
(users, connections with their encrypted key) as they stand after connecting: active, never
synced, due now. `a_day_later` turns the clock of the synced fleet back a day (last sync,
snapshots, valuations) and drops each account's newest rows, for the daily sync to find.

RateWatch reads the mock's fixed-window counters (`sandbox:t212:rl:<account>:<endpoint>:<window
start>`, through the Django cache API, so a locmem cache in tests and the shared Redis in the
benchmark) while syncs run, and keeps each window's highest count: the calls each endpoint took
per account and window, against the documented limit, and how many were answered 429."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

PROVIDER = "trading212"
T212_PROVIDER_PATH = "investments.providers.trading212.provider.Trading212Provider"
NEW_SINCE_YESTERDAY_DAYS = 3  # rows booked in the last few days are dropped: today's sync re-reads them


def account_name(i: int, tag: str = "bench") -> str:
    return f"{tag}{i}"


def credentials(i: int, tag: str = "bench") -> dict[str, str]:
    from sandbox.credentials import trading212_api_key, trading212_api_secret

    return {"environment": "demo", "api_key": f"{trading212_api_key()}.{account_name(i, tag)}",
            "api_secret": trading212_api_secret()}


def seed_t212(n: int, *, prefix: str = "t212", tag: str = "bench") -> list:
    """n users with one active, due, never-synced Trading 212 connection each; their ids."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from integrations_core.models import ConnectionStatus
    from investments.models import InvestmentConnection

    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [user_model(username=f"{prefix}-{i}", email=f"{prefix}-{i}@example.com", password="!") for i in range(n)],
        batch_size=1000)
    due = timezone.now() - timedelta(minutes=1)
    rows = InvestmentConnection.objects.bulk_create(
        [InvestmentConnection(user=user, provider=PROVIDER, status=ConnectionStatus.ACTIVE,
                              institution_name="Trading 212", credentials=credentials(i, tag), next_sync_at=due)
         for i, user in enumerate(users)], batch_size=500)
    return [row.pk for row in rows]


def a_day_later(connection_ids: list) -> int:
    """Yesterday's sync, as seen this morning: every date the first sync wrote moves back a day,
    the connections are due, and each account's rows of the last few days are gone (the platform
    booked them since). Returns the rows removed."""
    from django.db.models import F
    from django.utils import timezone

    from investments.models import (
        AccountValuation,
        HoldingSnapshot,
        InvestmentAccount,
        InvestmentConnection,
        InvestmentTransaction,
    )

    day, now = timedelta(days=1), timezone.now()
    mine = {"account__connection_id__in": connection_ids}
    # Today's date first, so the shifted rows never collide with one another (unique per day).
    AccountValuation.objects.filter(**mine).update(date=F("date") - day)
    HoldingSnapshot.objects.filter(**mine).update(date=F("date") - day, as_of=F("as_of") - day)
    InvestmentAccount.objects.filter(connection_id__in=connection_ids).update(
        last_synced_at=F("last_synced_at") - day)
    InvestmentConnection.objects.filter(pk__in=connection_ids).update(
        last_synced_at=F("last_synced_at") - day, next_sync_at=now - timedelta(minutes=1), retry_after=None,
        sync_queued_until=None, consecutive_failures=0, last_error="", last_error_code="")
    newest = InvestmentTransaction.objects.filter(
        **mine, booked_date__gte=timezone.localdate() - timedelta(days=NEW_SINCE_YESTERDAY_DAYS))
    return newest.delete()[0]


def sandbox_limits(paths: str = "2026") -> dict[str, tuple[int, int]]:
    """Endpoint name -> (calls allowed, per seconds), as the mock documents and enforces them."""
    from sandbox.trading212.views import ENDPOINTS

    return {name: (limit, period) for name, _scope, limit, period, sets in ENDPOINTS.values() if paths in sets}


@dataclass
class EndpointUse:
    limit: int
    period: int
    calls: int = 0  # every call the mock counted (429s included)
    windows: int = 0  # (account, window) pairs with at least one call
    max_in_window: int = 0
    over_limit: int = 0  # calls beyond the limit in their window: answered 429
    accounts_over: set = field(default_factory=set)


class RateWatch:
    """Polls the mock's counters every `interval` seconds (below every key's lifetime, period
    + 5 s) from start() to stop(), keeping the highest count seen per (account, endpoint, window)."""

    def __init__(self, cache, accounts: list[str], *, interval: float = 1.0, paths: str = "2026"):
        self.cache, self.accounts, self.interval = cache, accounts, interval
        self.limits = sandbox_limits(paths)
        self.seen: dict[tuple[str, str, int], int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.began = self.last = 0.0
        self.polls = 0

    def _keys(self, since: float, now: float) -> dict[str, tuple[str, str, int]]:
        keys = {}
        for name, (_limit, period) in self.limits.items():
            first = math.floor((since - 1) / period) * period
            for start in range(int(first), int(now) + 1, period):
                for account in self.accounts:
                    keys[f"sandbox:t212:rl:{account}:{name}:{start}"] = (account, name, start)
        return keys

    def poll(self) -> None:
        now = time.time()
        keys = self._keys(max(self.began, self.last - 1), now)
        names = list(keys)
        for offset in range(0, len(names), 5000):
            for key, value in self.cache.get_many(names[offset:offset + 5000]).items():
                slot = keys[key]
                self.seen[slot] = max(self.seen.get(slot, 0), int(value))
        self.last, self.polls = now, self.polls + 1

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll()

    def start(self) -> RateWatch:
        self.seen, self.began, self.last = {}, time.time(), time.time()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="t212-rate-watch", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> dict[str, EndpointUse]:
        """Stop after one last poll (every window's final count) and summarise per endpoint."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.poll()
        out = {name: EndpointUse(limit, period) for name, (limit, period) in self.limits.items()}
        for (account, name, _start), used in self.seen.items():
            use = out[name]
            use.calls += used
            use.windows += 1
            use.max_in_window = max(use.max_in_window, used)
            if used > use.limit:
                use.over_limit += used - use.limit
                use.accounts_over.add(account)
        return out


def calls_by_run(runs) -> dict[str, float]:
    """p50/max provider calls per run, and the total."""
    calls = sorted(run.provider_calls for run in runs)
    if not calls:
        return {"total": 0, "p50": 0, "max": 0, "mean": 0.0}
    return {"total": sum(calls), "p50": calls[len(calls) // 2], "max": calls[-1], "mean": sum(calls) / len(calls)}


def rate_limited_accounts(runs) -> int:
    """Accounts whose sync answer said `rate_limited` (the client's view of the 429s and quotas)."""
    counts = defaultdict(int)
    for run in runs:
        for result in (run.account_results or {}).values():
            if result.get("error_code") == "rate_limited":
                counts[run.connection_id] += 1
        if run.error_code == "rate_limited":
            counts[run.connection_id] += 1
    return sum(counts.values())
