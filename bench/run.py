"""`make bench` (add ARGS=--quick for a run under a minute). Prints one table per benchmark."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import setup_django, throwaway_database  # noqa: E402

BENCHES = ["ingest"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument("--only", choices=BENCHES, action="append", help="run only these")
    args = parser.parse_args()
    setup_django()
    from importlib import import_module

    with throwaway_database() as name:
        print(f"benchmark database: {name}")
        for bench in args.only or BENCHES:
            import_module(f"bench.{bench}").run(quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
