"""API CPU: Python CPU per list request (page of 50), DRF's list path against a bare Django view
returning the same page, in one process with Django's test client. CPU time
(`time.process_time`), never wall time: it is what a loaded machine can reproduce.

The floor view is the least a Django endpoint can do for the same answer: the same middleware
and session sign-in, the same rows, columns and join (`bank_transaction_rows`, newest first), one
page of 51 rows read with `values()`, each value formatted by hand as the API formats it, the same
`next` link, returned with JsonResponse: the same JSON as the API's first page (checked by
tests/bench/test_api_cpu_floor.py). Whatever the DRF path costs above it is authentication,
throttling, content negotiation, django-filter, the cursor paginator and the serialiser. The
narrow floor the earlier passes measured against (9 columns, no join, no links: not the same
page) is printed too, for comparison with their tables. With `BENCH_API_CPU_PROFILE=1` it prints cProfile's top entries for the DRF
first page (or, with `BENCH_API_CPU_PROFILE=category`, the path whose label names it)."""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import time

from bench.harness import print_table

BASE = "/api/v1/open-banking"
FLOOR = "/bench-floor/transactions/"
NARROW_FLOOR = "/bench-floor/transactions-narrow/"
FLOOR_ACCOUNTS = "/bench-floor"  # + /accounts/<id>/transactions/
PAGE = 50


def floor_view(request, account_pk=None):
    """The same page as the API's list, by hand, for each path measured: the same rows and
    columns (the account name, connection and provider joined in the same query), the same
    filter where the path has one (`category`, `search`, one account), each value formatted as
    the API formats it (money at its currency's minor unit, times in the current zone with `Z`
    for UTC), the same `next` cursor link, compact JSON. Under one account, another person's
    account is the same 404, asked only when the page is empty (the rows' query is the person's).
    tests/bench/test_api_cpu_floor.py checks each answer equals the API's, byte for byte."""
    from base64 import b64encode
    from urllib.parse import urlencode

    from django.db.models import Q
    from django.http import Http404, HttpResponseForbidden, JsonResponse
    from django.utils import timezone

    from integrations_core.money import money_text
    from open_banking.models import BankAccount
    from open_banking.selectors import bank_transaction_rows

    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    zone = timezone.get_current_timezone()

    def when(value):
        if value is None:
            return None
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def day(value):
        return None if value is None else value.isoformat()

    rows = bank_transaction_rows(request.user, account_id=account_pk)
    params = request.GET
    if params.get("category"):
        rows = rows.filter(category=params["category"])
    if params.get("search"):
        rows = rows.filter(Q(description__icontains=params["search"]) | Q(merchant_name__icontains=params["search"]))
    rows = list(rows.order_by("-booked_date", "-id").values(
        "id", "account_id", "listed_account_name", "listed_connection_id", "listed_provider", "booked_date",
        "value_date", "booked_at", "amount", "currency", "status", "description", "merchant_name", "category",
        "provider_category", "running_balance", "original_amount", "original_currency", "notes",
        "created_at")[:PAGE + 1])
    if account_pk is not None and not rows and not BankAccount.objects.filter(
            connection__user=request.user, pk=account_pk).exists():
        raise Http404()
    page = rows[:PAGE]
    results = [{
        "id": str(r["id"]), "account": str(r["account_id"]), "account_name": r["listed_account_name"],
        "connection": str(r["listed_connection_id"]), "provider": r["listed_provider"],
        "booked_date": day(r["booked_date"]), "value_date": day(r["value_date"]), "booked_at": when(r["booked_at"]),
        "amount": money_text(r["amount"], r["currency"]), "currency": r["currency"],
        "type": "debit" if r["amount"] < 0 else "credit", "status": r["status"], "description": r["description"],
        "merchant_name": r["merchant_name"], "category": r["category"], "provider_category": r["provider_category"],
        "running_balance": None if r["running_balance"] is None else money_text(r["running_balance"], r["currency"]),
        "original_amount": (None if r["original_amount"] is None
                            else money_text(r["original_amount"], r["original_currency"])),
        "original_currency": r["original_currency"], "notes": r["notes"], "created_at": when(r["created_at"]),
    } for r in page]
    next_link = None
    if len(rows) > PAGE:
        position = json.dumps([str(page[-1]["booked_date"]), str(page[-1]["id"])])
        cursor = b64encode(urlencode({"p": position}).encode("ascii")).decode("ascii")
        query = sorted({**{k: params.getlist(k) for k in params}, "cursor": [cursor]}.items())
        next_link = request.build_absolute_uri(f"{request.path}?{urlencode(query, doseq=True)}")
    return JsonResponse({"next": next_link, "previous": None, "results": results},
                        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")})


def narrow_floor_view(request):
    """The earlier passes' floor: 9 of the page's 21 columns, no join, no cursor link."""
    from django.http import HttpResponseForbidden, JsonResponse

    from open_banking.selectors import bank_transaction_list

    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    fields = ["id", "account_id", "booked_date", "amount", "currency", "description", "merchant_name",
              "category", "status"]
    rows = list(bank_transaction_list(request.user).order_by("-booked_date", "-id").values(*fields)[:51])
    return JsonResponse({"next": None, "previous": None, "results": rows[:50]})


def _measure(client, paths: list[tuple[str, dict]], n: int) -> list[list[float]]:
    """CPU seconds per request, n per path, the paths taken in turn (one request of each, n
    rounds): a path and its floor see the same machine, whatever else runs meanwhile."""
    for path, params in paths:
        for _ in range(3):  # warm: URL resolver, caches, prepared state
            assert client.get(path, params, secure=True).status_code == 200, path
    samples: list[list[float]] = [[] for _ in paths]
    for _ in range(n):
        for i, (path, params) in enumerate(paths):
            started = time.process_time()
            response = client.get(path, params, secure=True)
            samples[i].append(time.process_time() - started)
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
    nested = f"/accounts/{accounts[0].pk}/transactions/"
    grocery, tesco = {"category": "FOOD_AND_DRINK_GROCERIES"}, {"search": "tesco"}
    # (label, path, params, the label of the floor it is held against); each floor first.
    paths = [
        ("floor: first page", FLOOR, {}, None),
        ("earlier floor: 9 columns, no join, no link", NARROW_FLOOR, {}, "floor: first page"),
        ("DRF: first page", txns, {}, "floor: first page"),
        ("floor: category filter", FLOOR, grocery, None),
        ("DRF: category filter", txns, grocery, "floor: category filter"),
        ("floor: one account (nested)", f"{FLOOR_ACCOUNTS}{nested}", {}, None),
        ("DRF: one account (nested)", f"{BASE}{nested}", {}, "floor: one account (nested)"),
        ("floor: search (tesco)", FLOOR, tesco, None),
        ("DRF: search (tesco)", txns, tesco, "floor: search (tesco)"),
        ("DRF: accounts list (against the first page's floor)", f"{BASE}/accounts/", {}, "floor: first page"),
    ]
    rows, floors = [], {}
    with override_settings(ROOT_URLCONF="bench.api_cpu_urls"):
        measured = _measure(client, [(path, params) for _, path, params, _ in paths], n)
        for (label, _, _, floor), samples in zip(paths, measured, strict=True):
            samples = sorted(samples)
            p50 = samples[len(samples) // 2] * 1000
            floors[label] = p50
            rows.append([label, n, p50, samples[int(len(samples) * 0.95) - 1] * 1000,
                         p50 / floors[floor or label]])
        profile_text = ""
        profiled = os.environ.get("BENCH_API_CPU_PROFILE", "")
        if profiled:
            # "1": the first page; otherwise the path whose label contains the text ("category").
            _, path, params, _ = next((p for p in paths if profiled != "1" and profiled in p[0]
                                       and p[0].startswith("DRF")), paths[2])
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(n):
                client.get(path, params, secure=True)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
            profile_text = out.getvalue()
    print_table(f"API CPU: ms of CPU per request (time.process_time), {n} requests each, page of 50, 5,000 rows",
                ["path", "requests", "CPU ms p50", "CPU ms p95", "x its floor (p50)"], rows)
    if profile_text:
        print(profile_text)
