"""Categoriser throughput in bulk, for `make bench`: the transactions app's own benchmark
(bench/categoriser_bench.py, kept by that app's owners; run it directly for the full report,
including what categorising adds to a sync). If it is missing, this times the app's bulk entry
point (Categoriser.categorise_many) itself. What categorising adds to the sync is measured on
the same run by the ingest table ("import + categorise hook"). Then the accuracy tables: the
common-merchant set and the long tail per group (bench/categoriser_eval.py and
bench/categoriser_longtail.py print the full reports)."""

from __future__ import annotations

import random
from decimal import Decimal

from bench.harness import Timer, print_table


def _fallback_rows(n: int) -> list[list]:
    from bench.api_seed import labelled
    from transactions.categoriser.answers import TxInput
    from transactions.categoriser.pipeline import Categoriser

    rng = random.Random(5)
    pool = labelled()
    items = [TxInput(description=f"{row['description']} {rng.randint(1000, 999_999)}", amount=Decimal(row["amount"]),
                     currency=row["currency"]) for row in (rng.choice(pool) for _ in range(n))]
    with Timer() as t:
        Categoriser().categorise_many(items)
    return [["all descriptions distinct", "1", n, t.seconds, n / t.seconds]]


def _quick_rows(n: int) -> list[list]:
    """One process, no model: the two workloads of the full table that cost no start-up (the full
    table also trains the model and starts process pools, most of a quick run's minute)."""
    from bench.categoriser_bench import fresh, to_inputs, workload
    from transactions.categoriser.pipeline import Categoriser

    rows = []
    for name, data in (("all descriptions distinct", workload(n, distinct=None)),
                       ("descriptions repeat (~25x each)", workload(n, distinct=max(1, n // 25)))):
        items, categoriser = to_inputs(data), fresh(Categoriser)
        with Timer() as t:
            categoriser.categorise_many(items)
        rows.append([name, "1", n, t.seconds, n / t.seconds])
    return rows


def run(quick: bool) -> None:
    n = 10_000 if quick else 100_000
    try:
        from bench.categoriser_bench import pipeline_table
    except ImportError:
        rows, source = _fallback_rows(n), "Categoriser.categorise_many"
    else:
        rows, source = (_quick_rows(n) if quick else pipeline_table(n)), "bench/categoriser_bench.py"
    print_table(f"Categoriser: transactions per second in bulk, {n:,} transactions ({source})",
                ["workload", "processes", "rows", "seconds", "rows/s"], rows)
    accuracy_tables()


def accuracy_tables(split: str = "test") -> None:
    """Accuracy on the two held-back sets, no model: the common merchants (labelled.jsonl, whose
    figure must not drop) and the long tail per group (longtail.jsonl). Pure Python, ~2 s."""
    from bench.categoriser_eval import load, score, to_input
    from bench.categoriser_longtail import evaluate, group_table
    from transactions.categoriser.pipeline import Categoriser

    common = load(split)
    s = score(common, Categoriser().categorise_many([to_input(r) for r in common]))
    print_table(f"Categoriser accuracy on the common-merchant set (labelled.jsonl, split {split}, no model)",
                ["rows", "primary %", "detailed %"], [[s["rows"], s["primary"] * 100, s["detailed"] * 100]])
    rows, results = evaluate(split)
    print_table(f"Categoriser accuracy on the long tail per group (longtail.jsonl, split {split}, no model)",
                ["group", "rows", "primary %", "detailed %"], group_table(rows, results))
