"""API CPU: Python CPU per list request (page of 50), DRF's list path against a bare Django view
returning the same page, in one process with Django's test client. CPU time
(`time.process_time`), never wall time: it is what a loaded machine can reproduce.

The floor view is the least a Django endpoint can do for the same answer: the same middleware
and session sign-in, the same selector (`bank_transaction_list`, newest first), one page of 51
rows read with `values()` and returned with JsonResponse. Whatever the DRF path costs above it
is authentication, throttling, content negotiation, django-filter, the cursor paginator and
the serialiser. With `BENCH_API_CPU_PROFILE=1` it prints cProfile's top entries for the DRF
first page."""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import time

from bench.harness import print_table

BASE = "/api/v1/open-banking"
FLOOR = "/bench-floor/transactions/"


def floor_view(request):
    from django.http import HttpResponseForbidden, JsonResponse

    from open_banking.selectors import bank_transaction_list

    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    fields = ["id", "account_id", "booked_date", "amount", "currency", "description", "merchant_name",
              "category", "status"]
    rows = list(bank_transaction_list(request.user).order_by("-booked_date", "-id").values(*fields)[:51])
    return JsonResponse({"next": None, "previous": None, "results": rows[:50]})


def _measure(client, path: str, params: dict, n: int) -> list[float]:
    for _ in range(3):  # warm: URL resolver, caches, prepared state
        assert client.get(path, params, secure=True).status_code == 200, path
    samples = []
    for _ in range(n):
        started = time.process_time()
        response = client.get(path, params, secure=True)
        samples.append(time.process_time() - started)
        assert response.status_code == 200
    return samples


def run(quick: bool = False) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    from bench.api_seed import seed_users

    if connection.vendor != "postgresql":
        print("\nAPI CPU benchmark skipped: it seeds with COPY (set DATABASE_URL to PostgreSQL)")
        return
    n = 40 if quick else 200
    (user, accounts), = seed_users([("bench-api-cpu", 5_000)])
    client = Client()
    client.force_login(user)
    txns = f"{BASE}/transactions/"
    paths = [
        ("floor: bare Django view, same page", FLOOR, {}),
        ("DRF: first page", txns, {}),
        ("DRF: category filter", txns, {"category": "FOOD_AND_DRINK_GROCERIES"}),
        ("DRF: one account (nested)", f"{BASE}/accounts/{accounts[0].pk}/transactions/", {}),
        ("DRF: search (tesco)", txns, {"search": "tesco"}),
        ("DRF: accounts list", f"{BASE}/accounts/", {}),
    ]
    rows, floor = [], None
    with override_settings(ROOT_URLCONF="bench.api_cpu_urls"):
        for label, path, params in paths:
            samples = sorted(_measure(client, path, params, n))
            p50 = samples[len(samples) // 2] * 1000
            floor = floor if floor is not None else p50
            rows.append([label, n, p50, samples[int(len(samples) * 0.95) - 1] * 1000, p50 / floor])
        profile_text = ""
        if os.environ.get("BENCH_API_CPU_PROFILE") == "1":
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(n):
                client.get(txns, secure=True)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
            profile_text = out.getvalue()
    print_table(f"API CPU: ms of CPU per request (time.process_time), {n} requests each, page of 50, 5,000 rows",
                ["path", "requests", "CPU ms p50", "CPU ms p95", "x floor"], rows)
    if profile_text:
        print(profile_text)
