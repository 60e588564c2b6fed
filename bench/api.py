"""API latency at a million transactions: one person with N transactions over 10 accounts
(seeded by COPY, see api_seed.py) beside a second, smaller person, the transactions list through
the full Django stack (test Client: every middleware, session auth, throttling, DRF,
django-filter, cursor pagination, serialisation), p50/p95 over many requests per path, and the
plan PostgreSQL chose for the SQL the view actually ran (captured with CaptureQueriesContext,
then EXPLAIN ANALYZE)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from bench.harness import percentile, print_table

BASE = "/api/v1/open-banking"
# Paths the indexes serve (the p95 target applies to these); the others are shown for context.
INDEXED = "indexed"


def _cursor_at(user, row_number: int, path: str) -> str:
    """The `next` cursor a client holds after reading `row_number` rows, built by the view's own
    paginator (what following the links would give, without 10,000 requests)."""
    from rest_framework.pagination import Cursor

    from open_banking import selectors
    from open_banking.api.filters import TransactionCursorPagination

    paginator = TransactionCursorPagination()
    paginator.base_url = f"http://testserver{path}"
    ordering = paginator.ordering
    row = selectors.bank_transaction_list(user).order_by(*ordering)[row_number - 1]
    position = paginator._get_position_from_instance(row, ordering)
    url = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=position))
    return parse_qs(urlsplit(url).query)["cursor"][0]


def _plan(sql: str) -> tuple[str, list[str], float]:
    """(abridged plan, index names used, execution ms) of one captured statement."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    indexes: list[str] = []
    steps: list[str] = []

    def walk(node: dict, depth: int) -> None:
        name = node["Node Type"]
        if node.get("Scan Direction") == "Backward":
            name += " Backward"
        if node.get("Index Name"):
            name += f" using {node['Index Name']}"
            indexes.append(node["Index Name"])
        elif node.get("Relation Name"):
            name += f" on {node['Relation Name']}"
        if node.get("Rows Removed by Filter"):
            name += f" [filtered out {node['Rows Removed by Filter']:,}]"
        steps.append("  " * depth + name + f" (rows={node.get('Actual Rows')})")
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(plan["Plan"], 0)
    return "\n".join(steps), sorted(set(indexes)), plan.get("Execution Time", 0.0)


def _page_query(queries: list[dict]) -> str:
    """The query that builds the page: the one with the page's LIMIT (not the session or user
    lookup, nor the prefetch of the page's accounts)."""
    selects = [q["sql"] for q in queries if q["sql"].startswith("SELECT")
               and '"django_session"' not in q["sql"] and 'FROM "auth_user"' not in q["sql"]]
    paged = [sql for sql in selects if " LIMIT " in sql]
    return (paged or selects or [""])[-1]


def measure(client, user, path: str, params: dict, n: int) -> dict:
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # DRF's throttle keeps the timestamps of the person's requests in the last minute and
    # re-reads them on every request; a person's real history is a handful, not the thousands
    # this loop sends, so it is reset (outside the timed part) before each request.
    throttle_key = f"throttle_user_{user.pk}"
    for _ in range(3):  # warm caches and the connection
        response = client.get(path, params, secure=True)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
    wall, cpu = [], []
    for _ in range(n):
        cache.delete(throttle_key)
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path, params, secure=True)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    body = response.json()
    with CaptureQueriesContext(connection) as captured:
        client.get(path, params, secure=True)
    sql = _page_query(captured.captured_queries)
    plan, indexes, exec_ms = _plan(sql) if sql else ("", [], 0.0)
    return {"p50": percentile(wall, 50) * 1000, "p95": percentile(wall, 95) * 1000,
            "cpu": percentile(cpu, 50) * 1000, "rows": len(body["results"] if "results" in body else body),
            "queries": len(captured.captured_queries), "plan": plan, "indexes": indexes, "db_ms": exec_ms}


def run(quick: bool) -> None:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bench.api_seed import seed_users

    if connection.vendor != "postgresql":
        print("\nAPI benchmark skipped: it seeds with COPY and reads PostgreSQL plans (set DATABASE_URL)")
        return
    total, small, n = (50_000, 2_500, 15) if quick else (1_000_000, 20_000, 200)
    (user, accounts), (other, _) = seed_users([("bench-api", total), ("bench-api-small", small)])
    client, other_client = Client(), Client()
    client.force_login(user)
    other_client.force_login(other)
    today = timezone.localdate()
    txns = f"{BASE}/transactions/"
    deep = _cursor_at(user, total // 2, txns)
    groceries = {"category": "FOOD_AND_DRINK_GROCERIES", "date_from": (today - timedelta(days=400)).isoformat(),
                 "date_to": (today - timedelta(days=310)).isoformat()}
    paths = [
        ("first page", txns, {}, user, INDEXED),
        (f"deep page (after row {total // 2:,})", txns, {"cursor": deep}, user, INDEXED),
        ("category + 90 days", txns, groceries, user, INDEXED),
        ("rarer category + 1 year", txns,
         {"category": "TRAVEL_LODGING", "date_from": (today - timedelta(days=730)).isoformat(),
          "date_to": (today - timedelta(days=365)).isoformat()}, user, INDEXED),
        ("one account (nested route)", f"{BASE}/accounts/{accounts[0].pk}/transactions/", {}, user, INDEXED),
        ("search, rare (a reference)", txns, {"search": "004242"}, user, INDEXED),
        ("search, common (tesco, ~1%)", txns, {"search": "tesco"}, user, "scan"),
        ("search, medium (netflix, ~0.6%)", txns, {"search": "netflix"}, user, "scan"),
        (f"other person ({small:,} rows): first page", txns, {}, other, INDEXED),
        (f"other person ({small:,} rows): category + 90 days", txns, groceries, other, INDEXED),
        ("accounts list", f"{BASE}/accounts/", {}, user, INDEXED),
        ("connections list", f"{BASE}/connections/", {}, user, INDEXED),
    ]
    rows, plans = [], []
    for label, path, params, who, kind in paths:
        result = measure(client if who is user else other_client, who, path, params, n)
        rows.append([label, kind, result["p50"], result["p95"], result["cpu"], result["db_ms"], result["queries"],
                     result["rows"], ", ".join(i for i in result["indexes"] if not i.endswith("_pkey")) or "-"])
        plans.append((label, result["plan"]))
    print_table(f"API: transactions list through the full Django stack, {total:,} transactions for one person "
                f"over 10 accounts (+ {small:,} for another); page of 50, {n} requests per path",
                ["path", "served by", "p50 ms", "p95 ms", "CPU ms (p50)", "SQL ms", "queries", "rows",
                 "indexes in the page query (besides primary keys)"], rows)
    met = [r for r in rows if r[1] == INDEXED]
    print(f"indexed paths under 20 ms at p95: {sum(r[3] < 20 for r in met)} of {len(met)}")
    print("\nPlans of the page query (EXPLAIN ANALYZE, abridged):")
    for label, plan in plans:
        print(f"  {label}:")
        for line in plan.splitlines()[:8]:
            print(f"      {line}")
