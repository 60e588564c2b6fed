"""Trading 212 fleet: N connections (each its own sandbox account, bench/t212_seed.py) synced
by the product's daily fan-out (integrations_core.tasks.sync_due_connections) in real Celery
worker processes on Redis, against the sandbox's Trading 212 API served over HTTP by gunicorn
with SANDBOX_LATENCY_MS=100 on every call. Two runs: the first sync (the whole ~2-year
history; repeated for the connections it left partial, to count the syncs it takes to
converge) and, a day later, the daily incremental sync. The mock's own per-account,
per-endpoint counters are watched throughout (RateWatch): calls per endpoint, the busiest
window against the documented limit, and the calls answered 429.

Same machinery as bench/fleet.py (its process handling and start-up waits); the children run
bench/t212_settings.py, which adds the provider and points it at the sandbox."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections import Counter

from bench.fleet import (
    DEFAULT_BROKER,
    READY_TIMEOUT,
    _child_env,
    _free_port,
    _wait_db_idle,
    _wait_for_runs,
    _wait_http,
    _wait_log,
)
from bench.harness import ROOT, Timer, percentile, print_table
from bench.processes import Processes, terminate_as_interrupt
from bench.t212_seed import (
    RateWatch,
    a_day_later,
    account_name,
    calls_by_run,
    rate_limited_accounts,
    seed_t212,
)

LATENCY_MS = 100
MAX_FIRST_ROUNDS = 4
API = "/sandbox/trading212/api/v0"


def _runs_since(ids, since):
    from integrations_core.models import SyncOutcome, SyncRun

    runs = SyncRun.objects.filter(connection_id__in=ids, started_at__gte=since).exclude(
        outcome__in=[SyncOutcome.QUEUED, SyncOutcome.RUNNING]).order_by("started_at")
    last = {}
    for run in runs:
        last[run.connection_id] = run  # a retried connection: its last run says where it ended
    return list(last.values()), runs.count()


def _send(broker: str, task: str) -> None:
    from celery import Celery

    client = Celery(broker=broker)
    try:
        client.send_task(task)
    finally:
        client.close()


def _sync_round(broker, task, ids, procs, watch) -> dict:
    from django.utils import timezone

    since = timezone.now()
    watch.start()
    with Timer() as t:
        _send(broker, task)
        _wait_for_runs(ids, since, procs, timeout=300 if len(ids) <= 100 else 1500)
    use = watch.stop()
    runs, recorded = _runs_since(ids, since)
    return {"wall": t.seconds, "runs": runs, "recorded": recorded, "use": use, "since": since}


def run(quick: bool) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        print("\nTrading 212 fleet benchmark skipped: worker processes need a shared PostgreSQL database "
              "(set DATABASE_URL)")
        return
    n = int(os.environ.get("BENCH_T212_CONNECTIONS", 40 if quick else 500))
    workers = int(os.environ.get("BENCH_T212_WORKERS", 2))
    threads = int(os.environ.get("BENCH_T212_THREADS", 12))
    sandbox_workers = int(os.environ.get("BENCH_SANDBOX_WORKERS", 2))
    sandbox_threads = int(os.environ.get("BENCH_SANDBOX_THREADS", 16))
    broker = os.environ.get("BENCH_REDIS_URL", DEFAULT_BROKER)
    import redis

    try:
        redis_db = redis.Redis.from_url(broker, socket_timeout=3)
        redis_db.ping()
    except redis.RedisError as exc:
        print(f"\nTrading 212 fleet benchmark skipped: no Redis at {broker} ({exc})")
        return
    procs = Processes()
    with terminate_as_interrupt():
        try:
            result = _run(n, workers, threads, sandbox_workers, sandbox_threads, broker, redis_db, procs)
        except BaseException:
            print(f"\nTrading 212 fleet benchmark failed; logs in {procs.logdir}")
            raise
        finally:
            procs.stop()
            redis_db.flushdb()
            _wait_db_idle()
    _report(result)
    shutil.rmtree(procs.logdir, ignore_errors=True)


def _run(n, workers, threads, sandbox_workers, sandbox_threads, broker, redis_db, procs) -> dict:
    from integrations_core.cache import ResilientRedisCache
    from investments.models import InvestmentAccount, InvestmentTransaction

    redis_db.flushdb()
    port = _free_port()
    site = f"http://127.0.0.1:{port}"
    settings_env = {"DJANGO_SETTINGS_MODULE": "bench.t212_settings", "TRADING212_DEMO_URL": f"{site}{API}",
                    "SANDBOX_TRADING212_RATE_LIMITS": "true"}
    procs.start("sandbox", [
        sys.executable, "-m", "gunicorn", "config.wsgi:application", "-c", str(ROOT / "bench" / "fleet_gunicorn.py"),
        "--bind", f"127.0.0.1:{port}", "--workers", str(sandbox_workers), "--threads", str(sandbox_threads),
        "--timeout", "60", "--log-level", "warning"],
        _child_env(site, broker, SANDBOX_ENABLED="true", SANDBOX_LATENCY_MS=str(LATENCY_MS), **settings_env))
    for k in range(workers):
        procs.start(f"worker{k}", [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=threads", f"--concurrency={threads}",
            "-n", f"t212-{k}@%h", "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            _child_env(site, broker, **settings_env))
    with Timer() as seeding:
        ids = seed_t212(n)
    _wait_http(f"{site}/sandbox/", procs, READY_TIMEOUT)
    _wait_log(procs, [f"worker{k}" for k in range(workers)], "ready.", READY_TIMEOUT)
    # The sandbox's counters, read where the sandbox keeps them (its cache: the same Redis).
    watch = RateWatch(ResilientRedisCache(broker, {"OPTIONS": {"socket_timeout": 3}}),
                      [account_name(i) for i in range(n)])

    first = [_sync_round(broker, "integrations_core.tasks.sync_due_connections", ids, procs, watch)]
    while len(first) < MAX_FIRST_ROUNDS and any(r.outcome != "succeeded" for r in first[-1]["runs"]):
        time.sleep(61)  # every per-minute window of the last round closed; then the retry sweep
        first.append(_sync_round(broker, "integrations_core.tasks.sync_retry_due", ids, procs, watch))
    stored = InvestmentTransaction.objects.filter(account__connection_id__in=ids).count()
    incremental = InvestmentAccount.objects.filter(connection_id__in=ids, last_synced_at__isnull=False).count()

    finished = max(r.finished_at for r in first[-1]["runs"])
    removed = a_day_later(ids)
    from django.utils import timezone

    # In the product a day passes; here at least the longest window (60 s) since the last call.
    time.sleep(max(0.0, 61 - (timezone.now() - finished).total_seconds()))
    daily = _sync_round(broker, "integrations_core.tasks.sync_due_connections", ids, procs, watch)
    return {"n": n, "workers": workers, "threads": threads, "sandbox": (sandbox_workers, sandbox_threads),
            "seed": seeding.seconds, "first": first, "daily": daily, "stored": stored, "removed": removed,
            "incremental_accounts": incremental,
            "after_daily": InvestmentTransaction.objects.filter(account__connection_id__in=ids).count()}


def _row(label: str, n: int, r: dict) -> list:
    runs = r["runs"]
    calls = calls_by_run(runs)
    durations = [(x.finished_at - x.started_at).total_seconds() for x in runs]
    outcomes = Counter(x.outcome for x in runs)
    over = sum(use.over_limit for use in r["use"].values())
    return [label, len(runs), ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())), r["wall"],
            n / r["wall"] * 60, calls["mean"], calls["max"], percentile(durations, 50), percentile(durations, 95),
            sum(x.added for x in runs), sum(x.removed for x in runs), over, rate_limited_accounts(runs)]


def _report(r: dict) -> None:
    n, first, daily = r["n"], r["first"], r["daily"]
    rows = [_row(f"first sync{'' if len(first) == 1 else f' round {k + 1}'}", n, round_)
            for k, round_ in enumerate(first)]
    rows.append(_row("daily (a day later)", n, daily))
    sw, st = r["sandbox"]
    print(f"\nTrading 212 fleet seeded: {n:,} connections, each its own sandbox account, in {r['seed']:.1f}s (bulk)")
    print_table(
        f"Trading 212 fleet: {n:,} connections, SANDBOX_LATENCY_MS={LATENCY_MS}, sync_due_connections through "
        f"{r['workers']} Celery worker processes x {r['threads']} threads on Redis; sandbox: gunicorn {sw} x {st} "
        f"threads", ["run", "connections", "outcomes", "wall s", "conn/min", "calls/conn", "max calls",
                     "sync p50 s", "sync p95 s", "added", "removed", "429s (mock)", "rate-limited (runs)"], rows)
    converged = not any(x.outcome != "succeeded" for x in first[-1]["runs"])
    print(f"first sync converged in {len(first)} sync{'s' if len(first) > 1 else ''}" if converged else
          f"first sync NOT converged after {len(first)} syncs")
    print(f"rows after the first sync {r['stored']:,}; dropped for the daily sync {r['removed']:,}; after it "
          f"{r['after_daily']:,}; accounts with a recorded last sync (history re-read from then, not in full): "
          f"{r['incremental_accounts']:,} of {n:,}")
    for label, round_ in [("first sync", first[0]), ("daily sync", daily)]:
        table = []
        for name, use in round_["use"].items():
            if not use.calls:
                continue
            table.append([name, f"{use.limit} / {use.period}s", use.calls / n, use.max_in_window,
                          f"{use.max_in_window / use.period:.2f}/s of {use.limit / use.period:.2f}/s",
                          use.over_limit, len(use.accounts_over)])
        print_table(f"Trading 212 {label}: per endpoint and account, from the sandbox's own counters "
                    f"({watch_note(round_)})",
                    ["endpoint", "documented limit", "calls/conn", "max in one window", "busiest window rate",
                     "429s", "accounts over"], table)


def watch_note(round_: dict) -> str:
    return f"{sum(u.calls for u in round_['use'].values()):,} calls counted, " \
           f"{sum(x.provider_calls for x in round_['runs']):,} recorded by the runs"
