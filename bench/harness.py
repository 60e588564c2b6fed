"""Shared benchmark plumbing: a throwaway database, timers and table printing.

Benchmarks run against the database in DATABASE_URL (PostgreSQL for the published figures) but
never touch its data: Django's test-database machinery creates `test_<name>` and drops it after."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_READ_DOT_ENV_FILE", "false")
    os.environ.setdefault("SYNC_POST_IMPORT_HOOKS", "transactions.hooks.categorise_after_import")
    # The API bench sends thousands of requests a minute as one person; the throttle still runs
    # (its cache round trip is part of every request), it just must not answer 429.
    os.environ.setdefault("THROTTLE_USER", "1000000/min")
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # tables, not a log line per token refresh
    import django

    django.setup()


@contextmanager
def throwaway_database() -> Iterator[str]:
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    # Its own name, so a benchmark never collides with a test run's test_<name> database.
    # (SQLite: a file beside the configured one, whose NAME is a path.)
    name = Path(str(old_name))
    test_name = str(name.with_name(f"bench_{name.name}")) if connection.vendor == "sqlite" else f"bench_{old_name}"
    connection.settings_dict.setdefault("TEST", {})["NAME"] = test_name
    test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield test_name
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


class Timer:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary_ms(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": statistics.median(samples) * 1000, "p95_ms": percentile(samples, 95) * 1000,
            "max_ms": max(samples) * 1000}


def print_table(title: str, headers: list[str], rows: list[list]) -> None:
    def fmt(value) -> str:
        if isinstance(value, float):
            return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.3f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)

    cells = [[fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    print(f"\n{title}")
    print(line)
    print("| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |")
    print(line)
    for row in cells:
        print("| " + " | ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) + " |")
    print(line)
