"""The investment benchmarks still run (bench/portfolio_import.py, bench/t212_fleet.py), at a
tiny size: what they write and count, never how fast."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache

from bench import portfolio_import
from bench.portfolio_history import generate
from bench.t212_seed import RateWatch, a_day_later, account_name, sandbox_limits, seed_t212
from integrations_core.models import SyncOutcome
from integrations_core.providers.registry import registry
from integrations_core.services.sync import connection_sync
from investments.models import HoldingSnapshot, InvestmentAccount, InvestmentConnection, InvestmentTransaction
from investments.providers.trading212.provider import Trading212Provider


@pytest.fixture
def registered():
    yield
    registry.unregister("activities")


def test_history_is_deterministic_and_never_sells_what_is_not_held():
    one, two = generate(trades=300), generate(trades=300)
    assert one.csv == two.csv and one.trades == 300
    assert {"buy", "sell", "dividend", "fee", "deposit"} <= set(one.counts)
    assert all(quantity >= 0 for quantity in one.held.values())


@pytest.mark.django_db
def test_portfolio_import_bench_writes_once_and_rebuilds_the_holdings(registered):
    history = generate(trades=200)
    steps = portfolio_import.measure(history, username="bench-smoke")  # asserts inside, too
    assert steps["import (write path)"][2] == history.rows
    assert steps["re-import (same rows)"][2] == 0
    assert steps["holdings rebuilt (positions_from_trades)"][2] == sum(1 for q in history.held.values() if q)
    assert InvestmentTransaction.objects.count() == history.rows


@pytest.fixture
def t212(live_server, settings):
    settings.TRADING212_DEMO_URL = f"{live_server.url}/sandbox/trading212/api/v0"
    settings.SANDBOX_LATENCY_MS = 0
    assert registry.get(Trading212Provider.slug)  # registered from settings.INTEGRATION_PROVIDERS
    cache.clear()  # no instrument list or quota kept from an earlier test


@pytest.mark.django_db(transaction=True)
def test_t212_fleet_first_and_daily_sync_stay_within_the_limits(t212):
    tag = f"smoke{uuid.uuid4().hex[:8]}"  # sandbox accounts of their own (the counters are shared)
    ids = seed_t212(2, prefix=tag, tag=tag)
    watch = RateWatch(cache, [account_name(i, tag) for i in range(2)], interval=0.5).start()
    first = [connection_sync(c) for c in InvestmentConnection.objects.filter(pk__in=ids)]
    first_use = watch.stop()
    assert [run.outcome for run in first] == [SyncOutcome.SUCCEEDED] * 2
    # summary, positions, 3+1+1 history pages, and the instrument list once per host (then kept)
    assert sorted(run.provider_calls for run in first) == [7, 8]
    assert all(use.over_limit == 0 and use.max_in_window <= use.limit for use in first_use.values())
    assert sum(use.calls for use in first_use.values()) == 15
    stored = InvestmentTransaction.objects.filter(account__connection_id__in=ids).count()

    removed = a_day_later(ids)
    assert removed > 0
    # A day later in the mock's windows too: the first sync's instruments call (1 per 50 s) is
    # still counted, so the smoke test forgets it (the benchmark waits the minute out instead).
    cache.delete_many([f"sandbox:t212:rl:{account}:{name}:{start}" for account, name, start in watch.seen])
    watch.start()
    daily = [connection_sync(c) for c in InvestmentConnection.objects.filter(pk__in=ids)]
    daily_use = watch.stop()
    assert [run.outcome for run in daily] == [SyncOutcome.SUCCEEDED] * 2
    # Summary, positions and one page of each history: the account remembers its last sync.
    assert InvestmentAccount.objects.filter(connection_id__in=ids, last_synced_at__isnull=True).count() == 0
    assert [run.provider_calls for run in daily] == [5] * 2
    assert sum(use.calls for use in daily_use.values()) == sum(run.provider_calls for run in daily)
    assert sum(run.added for run in daily) >= removed
    assert InvestmentTransaction.objects.filter(account__connection_id__in=ids).count() == stored
    assert all(use.over_limit == 0 for use in daily_use.values())
    # Every 2026 endpoint but the instrument list, which is kept per host since the first sync.
    assert {name for name, use in daily_use.items() if use.calls} == set(sandbox_limits()) - {
        "cash", "info", "portfolio", "instruments"}
    assert HoldingSnapshot.objects.filter(account__connection_id__in=ids).count() == 4  # yesterday's and today's


@pytest.mark.django_db
def test_returns_bench_measures_every_scope():
    from bench import returns

    cache.clear()
    found = returns.measure(years=1, securities=3, username="bench-returns-smoke")
    # 3 holdings + 3 accounts + 1 platform + 3 wrappers + overall
    assert found["scopes"] == 11
    assert found["twr_all"] is not None and found["twr_all"] > 0
    assert found["mwr_all"] is not None
