"""`make bench` (add ARGS=--quick for a run under a minute). Prints one table per benchmark:
ingest, API latency, the daily fleet sync, the categoriser, the portfolio (statement) import and
the Trading 212 fleet (not in --quick unless named with --only: it waits out the rate-limit
windows, ~100 s even when small). Needs PostgreSQL in DATABASE_URL
(and Redis for the fleet); on SQLite only ingest and the categoriser run."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import setup_django, throwaway_database  # noqa: E402

SLOW = {"t212_fleet"}
BENCHES = ["ingest", "api", "fleet", "sync_cpu", "api_cpu", "categoriser", "portfolio_import", "webhooks", "returns",
           "cgt_report", "pension_finder", "networth", "returns_pages", "t212_fleet"]
BENCHES.append("accounting_xero")  # the books: Xero sync, push and re-push against the mock


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--only", choices=BENCHES, action="append", help="run only these")
    args = parser.parse_args()
    started = time.monotonic()
    setup_django()
    from importlib import import_module

    with throwaway_database() as name:
        print(f"benchmark database: {name} (ready in {time.monotonic() - started:.0f}s)")
        for bench in args.only or [b for b in BENCHES if not (args.quick and b in SLOW)]:
            begun = time.monotonic()
            import_module(f"bench.{bench}").run(quick=args.quick)
            print(f"[{bench}: {time.monotonic() - begun:.0f}s]")
    print(f"\nbenchmarks done in {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
