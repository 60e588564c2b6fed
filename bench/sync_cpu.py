"""Sync CPU: the platform's CPU per daily sync, in one process, without the fleet's machinery.

N sandbox connections (half TrueLayer, half GoCardless; seeded as bench/fleet_seed.py seeds the
fleet, as they stand the morning after yesterday's sync) are synced one after the other with
`connection_sync_by_id`, the function a Celery worker's `sync_connection` task runs. The sandbox
banks are served in this process: `responses` hands every request for the sandbox's host to
Django's test client, so no server, worker, broker or thread is involved and nothing waits on a
socket. CPU is `time.process_time()`; the mock bank's share (each test-client call, measured
around it) is subtracted, so "platform" is the sync engine, the provider clients, the import
and the hooks. Wall time is not reported: on a shared machine it measures the other jobs.

With `BENCH_SYNC_CPU_PROFILE=1` (or `python bench/sync_cpu.py --profile`) it also prints
cProfile's top entries for the measured syncs, the sandbox's frames included (they are labelled
by their `sandbox/` paths)."""

from __future__ import annotations

import cProfile
import gc
import io
import os
import pstats
import re
import sys
import time
from collections import Counter
from urllib.parse import urlsplit

from bench.fleet_seed import fleet_books, seed_fleet
from bench.harness import print_table

SITE = "http://sandbox.bench.invalid"


class InProcessSandbox:
    """A `responses` mock that answers every request for SITE through Django's test client, and
    adds up the CPU those answers cost (the bank's, not the platform's)."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self.requests = 0
        self.queries = 0
        self.answering = False
        self.profiler = None  # paused while the bank answers: the profile is the platform's

    def __enter__(self):
        import responses

        self._mock = responses.RequestsMock(assert_all_requests_are_fired=False)
        self._mock.__enter__()
        pattern = re.compile(re.escape(SITE) + r"/.*")
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            self._mock.add_callback(method, pattern, callback=self._answer)
        return self

    def __exit__(self, *exc):
        return self._mock.__exit__(*exc)

    def _answer(self, request):
        from django.test import Client

        if self.profiler:
            self.profiler.disable()
        started = time.process_time()
        self.answering = True
        try:
            url = urlsplit(request.url)
            path = url.path + (f"?{url.query}" if url.query else "")
            headers = {k: v for k, v in request.headers.items()
                       if k.lower() not in ("content-type", "content-length", "host")}
            body = request.body or b""
            response = Client().generic(request.method, path, data=body,
                                        content_type=request.headers.get("Content-Type", ""), headers=headers)
            return response.status_code, dict(response.items()), response.content
        finally:
            self.answering = False
            self.requests += 1
            self.cpu += time.process_time() - started
            if self.profiler:
                self.profiler.enable()


def provider_settings() -> dict:
    from bench.fleet import provider_settings as over_http

    return over_http(SITE)


def measure(n: int, personas: int, *, profile: bool = False) -> dict:
    """Seed n connections and sync each once; returns the figures (and the profile's text)."""
    from django.test.utils import override_settings

    from integrations_core.models import SyncRun
    from integrations_core.services.sync import connection_sync_by_id
    from open_banking.models import BankAccount, BankConnection
    from sandbox.data import build_book

    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # the sandbox's token endpoint is plain HTTP
    hooks = ["transactions.hooks.categorise_after_import"]
    with override_settings(**provider_settings(), SYNC_POST_IMPORT_HOOKS=hooks, SANDBOX_LATENCY_MS=0,
                           ALLOWED_HOSTS=["*"], SECURE_SSL_REDIRECT=False,
                           ROOT_URLCONF="bench.sync_cpu_urls",
                           EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), InProcessSandbox() as sandbox:
        from django.utils import timezone

        for item in fleet_books(n, personas):  # the bank's statements, built before anything is measured
            slug, username = item.split(":")
            build_book(slug, username, timezone.localdate())
        fleet = seed_fleet(n, personas)
        ids = sorted(fleet.connection_ids, key=str)
        providers = dict(BankConnection.objects.filter(pk__in=ids).values_list("pk", "provider"))
        since = timezone.now()
        sandbox.cpu, sandbox.requests, sandbox.queries = 0.0, 0, 0
        platform_queries = [0]
        statements: Counter = Counter()

        def count(execute, sql, params, many, context):
            if sandbox.answering:
                sandbox.queries += 1
            else:
                platform_queries[0] += 1
                statements[re.sub(r"'[^']*'|\b\d+\b", "?", sql)[:150]] += 1
            return execute(sql, params, many, context)
        profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not wall
        sandbox.profiler = profiler
        per_provider: dict[str, list[float]] = {}
        from django.db import connection as db

        # The seeding and the in-process sandbox's statements leave a large heap that a worker does not
        # have (its banks are other processes); a full collection walking it landed inside one
        # measured sync at random (300-490 ms once per run). Collect now and freeze what is left, as
        # a preforked server does, so the syncs pay only for the garbage they make.
        gc.collect()
        gc.freeze()
        # What a worker imports once, on its first sync that needs it, not per connection: the
        # pending-row matcher's scipy.optimize (~0.75 s of CPU, imported lazily so web processes
        # never pay it) landed inside whichever measured sync first claimed a pending row.
        import scipy.optimize  # noqa: F401
        with db.execute_wrapper(count):
            for pk in ids:
                bank_before, started = sandbox.cpu, time.process_time()
                if profiler:
                    profiler.enable()
                connection_sync_by_id("open_banking.BankConnection", str(pk), trigger="scheduled")
                if profiler:
                    profiler.disable()
                platform = time.process_time() - started - (sandbox.cpu - bank_before)
                per_provider.setdefault(providers[pk], []).append(platform)
        runs = list(SyncRun.objects.filter(connection_id__in=ids, started_at__gte=since))
        account_counts: dict[str, int] = {}
        for provider in BankAccount.objects.filter(connection_id__in=ids).values_list("connection__provider",
                                                                                      flat=True):
            account_counts[provider] = account_counts.get(provider, 0) + 1
    text = ""
    if profiler:
        if os.environ.get("BENCH_SYNC_CPU_PROFILE_OUT"):  # for snakeviz / pstats
            profiler.dump_stats(os.environ["BENCH_SYNC_CPU_PROFILE_OUT"])
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(70)
        stats.sort_stats("tottime").print_stats(40)
        text = out.getvalue()
    return {"n": len(ids), "per_provider": per_provider, "runs": runs, "accounts": account_counts,
            "bank_cpu": sandbox.cpu, "bank_requests": sandbox.requests,
            "platform_queries": platform_queries[0], "statements": statements, "bank_queries": sandbox.queries, "profile": text}


def run(quick: bool = False, profile: bool | None = None) -> dict:
    n = int(os.environ.get("BENCH_SYNC_CPU_CONNECTIONS", 16 if quick else 80))
    profile = os.environ.get("BENCH_SYNC_CPU_PROFILE") == "1" if profile is None else profile
    r = measure(n, personas=2, profile=profile)
    rows = []
    totals, calls_total, accounts_total, runs_total = [], 0, 0, 0
    for provider, samples in sorted(r["per_provider"].items()):
        mine = [run for run in r["runs"] if run.provider == provider]
        calls = sum(run.provider_calls for run in mine)
        accounts = r["accounts"].get(provider, 0)
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(_count(run.outcome for run in mine).items()))
        rows.append([provider, len(samples), accounts, outcomes, calls / max(1, accounts),
                     sum(samples) / len(samples) * 1000, *_spread(samples)])
        totals += samples
        calls_total += calls
        accounts_total += accounts
        runs_total += len(mine)
    rows.append(["all", len(totals), accounts_total, f"{runs_total} runs", calls_total / max(1, accounts_total),
                 sum(totals) / len(totals) * 1000, *_spread(totals)])
    print_table(f"Sync CPU: one daily sync of each of {r['n']} sandbox connections in one process "
                f"(sandbox in-process, its CPU subtracted; CPU = time.process_time)",
                ["provider", "connections", "accounts", "outcomes", "calls/account", "platform CPU ms/conn (mean)",
                 "CPU ms (p50)", "p95", "max"], rows)
    print(f"the mock banks: {r['bank_requests']} requests, {r['bank_cpu'] * 1000 / max(1, r['n']):.1f} ms of CPU "
          f"per connection (not the platform's); target: platform <= 40 ms per connection")
    print(f"queries per connection: platform {r['platform_queries'] / max(1, r['n']):.1f}, "
          f"mock banks {r['bank_queries'] / max(1, r['n']):.1f}")
    # The workload the sandbox drew (bench/fleet_seed.py): tells the runs' workloads apart.
    print(f"rows: {sum(run.added for run in r['runs']):,} added, {sum(run.updated for run in r['runs']):,} amended, "
          f"{sum(run.removed for run in r['runs']):,} removed")
    if r["profile"]:
        print("the platform's statements, most frequent first (count over all syncs):")
        for sql, times in r["statements"].most_common(40):
            print(f"{times:6} {sql}")
        print(r["profile"])
    r["mean_ms"] = sum(totals) / len(totals) * 1000
    r["calls_per_account"] = calls_total / max(1, accounts_total)
    return r


def _spread(samples: list[float]) -> list[float]:
    """p50, p95 and max in ms: a mean above its p50 is a few slow syncs, which these show."""
    ordered = sorted(samples)
    return [ordered[len(ordered) // 2] * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000,
            ordered[-1] * 1000]


def _count(items) -> dict:
    counts: dict = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


if __name__ == "__main__":
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.harness import setup_django, throwaway_database

    setup_django()
    with throwaway_database():
        run(quick="--quick" in sys.argv, profile="--profile" in sys.argv)
