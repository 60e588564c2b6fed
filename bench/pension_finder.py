"""Pension finder: the shipped register plus N synthetic schemes (random company names with
former names and employers), upserted twice (the second must change nothing), then find_pensions
timed for typo, suffix, old-name and no-match queries. On SQLite every scheme is scored; on
PostgreSQL the pg_trgm index narrows the candidates first, so run it on both (DATABASE_URL)."""

from __future__ import annotations

import random

from bench.harness import Timer, print_table, summary_ms

QUERIES = ["Morisons", "British Telecom plc", "Scottish Equitable", "Nhs pensoin scheme", "Tata Steel UK Limited",
           "Zyxwvut Holdings"]
WORDS = ["Acme", "Northern", "Albion", "Crown", "Pennine", "Thames", "Severn", "Union", "Royal", "Atlas", "Beacon",
         "Castle", "Delta", "Eagle", "Forth", "Granite", "Harbour", "Iron", "Jubilee", "Kestrel", "Lion", "Mercia"]
TRADES = ["Engineering", "Foods", "Logistics", "Textiles", "Printing", "Motors", "Chemicals", "Retail", "Brewery",
          "Insurance", "Ceramics", "Shipping"]


def synthetic_entries(count: int, seed: int = 14) -> list[dict]:
    rng = random.Random(seed)
    entries = []
    for i in range(count):
        company = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(TRADES)}"
        entries.append({
            "id": f"synthetic-{i:06d}", "name": f"{company} Pension Scheme {i}", "kind": "occupational",
            "former_names": [f"{company} Staff Retirement Fund {i}"],
            "employers": [f"{company} Limited", f"{rng.choice(WORDS)} {rng.choice(TRADES)} plc"],
            "sources": [{"url": "https://example.invalid/synthetic", "retrieved_on": "2026-12-02"}]})
    return entries


def measure(extra: int, repeats: int = 5) -> dict:
    from pensions.register.feeds import ShippedRegisterFeed
    from pensions.register.selectors import find_pensions
    from pensions.register.services import register_upsert

    entries = ShippedRegisterFeed().fetch() + synthetic_entries(extra)
    with Timer() as first:
        created = register_upsert(entries, feed="bench")
    with Timer() as again:
        unchanged = register_upsert(entries, feed="bench")
    assert len(created.created) == len(entries) and not unchanged.created and not unchanged.updated
    searches = {}
    for query in QUERIES:
        samples, found = [], None
        for _ in range(repeats):
            with Timer() as t:
                found = find_pensions(query)
            samples.append(t.seconds)
        searches[query] = (found.matches[0].scheme.register_id if found.matches else "(tracing service)",
                           summary_ms(samples))
    assert searches["Morisons"][0] == "aviva" and searches["Zyxwvut Holdings"][0] == "(tracing service)"
    return {"schemes": len(entries), "upsert_s": first.seconds, "re_upsert_s": again.seconds, "searches": searches}


def run(quick: bool) -> None:
    from django.db import connection

    for extra in ([0, 2_000] if quick else [0, 2_000, 20_000]):
        result = measure(extra)
        rows = [[q, top, s["p50_ms"], s["p95_ms"]] for q, (top, s) in result["searches"].items()]
        print_table(f"Pension finder: {result['schemes']:,} schemes ({connection.vendor}); upsert "
                    f"{result['upsert_s']:.2f} s, re-upsert (nothing changes) {result['re_upsert_s']:.2f} s",
                    ["query", "top match", "p50 ms", "p95 ms"], rows)
        from pensions.models import PensionScheme

        PensionScheme.objects.all().delete()
