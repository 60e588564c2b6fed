"""Accuracy of the categoriser on the long tail (tests/transactions/data/longtail.jsonl).

    .venv/bin/python bench/categoriser_longtail.py [--split dev|test|all] [--errors]

368 UK statement lines a person labelled before the categoriser was run on them: independent
traders behind payment facilitators, direct debits and faster payments with the creditor or
debtor name, money coming in, public bodies, refunds and chargebacks, marketplace payouts,
foreign spending, cash-machine fees, a retailer's non-core outlets and substring traps. Each row
has the expected primary and detailed code, a `group` and a `split` (alternating within each
group): look at `dev` errors only when changing the categoriser, quote `test`.

Prints primary and detailed accuracy per group for the pipeline without a model (what a new user
gets on day one, before anything was learned). Pure Python, no database.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import print_table  # noqa: E402
from transactions.categoriser.answers import TxInput  # noqa: E402
from transactions.categoriser.pipeline import Categoriser  # noqa: E402

DATA = ROOT / "tests" / "transactions" / "data" / "longtail.jsonl"


def load(split: str = "all", path: Path = DATA) -> list[dict]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return rows if split == "all" else [r for r in rows if r["split"] == split]


def to_input(row: dict) -> TxInput:
    return TxInput(description=row["description"], amount=Decimal(row["amount"]), currency=row["currency"],
                   merchant_name=row.get("merchant_name", ""), mcc=row.get("mcc", ""),
                   transaction_type=row.get("transaction_type", ""),
                   provider_category=row.get("provider_category", ""))


def group_table(rows: list[dict], results) -> list[list]:
    """One row per group, then the total: rows, primary %, detailed %."""
    by_group: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for row, res in zip(rows, results, strict=True):
        by_group[row["group"]].append((res.primary == row["expected_primary"], res.category == row["expected"]))
    table = []
    everything = [hit for hits in by_group.values() for hit in hits]
    for name, hits in [*sorted(by_group.items()), ("all", everything)]:
        n = len(hits)
        table.append([name, n, 100 * sum(p for p, _ in hits) / n, 100 * sum(d for _, d in hits) / n])
    return table


def evaluate(split: str = "test", path: Path = DATA):
    rows = load(split, path)
    return rows, Categoriser().categorise_many([to_input(r) for r in rows])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["dev", "test", "all"], default="test")
    parser.add_argument("--errors", action="store_true", help="list the rows it got wrong")
    args = parser.parse_args()
    rows, results = evaluate(args.split)
    print_table(f"Categoriser on the long tail, {DATA.name} (split: {args.split}, no model)",
                ["group", "rows", "primary %", "detailed %"], group_table(rows, results))
    sources = Counter(res.source for res in results)
    print("answers by step: " + ", ".join(f"{k} {v}" for k, v in sources.most_common()))
    if args.errors:
        for row, res in zip(rows, results, strict=True):
            if res.category != row["expected"]:
                print(f"  {row['group']:14} {row['description'][:38]:38} {row['amount']:>9}  want {row['expected']:42}"
                      f" got {res.category} [{res.source} {res.confidence:.2f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
