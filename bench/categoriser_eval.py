"""Accuracy of the categoriser on the hand-labelled set (tests/transactions/data/labelled.jsonl).

    .venv/bin/python bench/categoriser_eval.py [--split dev|test|all] [--errors]

Each row has a `label` (the detailed code a person chose), a `region` (UK/US) and a `split`: fix
dictionary gaps by looking at `dev` errors only, and quote `test` as the honest figure. Prints the
pipeline without a model (steps 1-5 and 7), then with the statistical model trained by 5-fold
cross-validation on the labelled rows themselves (each fold predicted by a model that never saw it).
No database needed: the pipeline is pure Python.
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
from transactions.categoriser.merchants import MerchantDictionary  # noqa: E402
from transactions.categoriser.model import TextModel, model_text  # noqa: E402
from transactions.categoriser.normalise import normalise  # noqa: E402
from transactions.categoriser.pipeline import Categoriser  # noqa: E402
from transactions.taxonomy import primary_of  # noqa: E402

DATA = ROOT / "tests" / "transactions" / "data" / "labelled.jsonl"
FOLDS = 5
CONFIDENT = 0.5


def load(split: str) -> list[dict]:
    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    return rows if split == "all" else [r for r in rows if r["split"] == split]


def to_input(row: dict) -> TxInput:
    provider = row.get("provider_category") or ""
    return TxInput(description=row["description"], amount=Decimal(row["amount"]), currency=row["currency"],
                   merchant_name=row.get("merchant_name", ""), mcc=row.get("mcc", ""),
                   transaction_type=row.get("transaction_type", ""),
                   provider_category="/".join(provider) if isinstance(provider, list) else provider)


def score(rows: list[dict], results) -> dict:
    n = len(rows)
    detailed = sum(r["label"] == res.category for r, res in zip(rows, results, strict=True))
    primary = sum(primary_of(r["label"]) == res.primary for r, res in zip(rows, results, strict=True))
    confident = [(r, res) for r, res in zip(rows, results, strict=True) if res.confidence >= CONFIDENT]
    confident_right = sum(r["label"] == res.category for r, res in confident)
    return {"rows": n, "detailed": detailed / n, "primary": primary / n, "coverage": len(confident) / n,
            "confident_accuracy": confident_right / len(confident) if confident else 0.0}


def cross_validated(rows: list[dict], all_rows: list[dict], **categoriser_options) -> list:
    """Predict each row with a model trained on the other folds of the whole labelled set."""
    index = {id(r): i for i, r in enumerate(all_rows)}
    results: dict[int, object] = {}
    for fold in range(FOLDS):
        train = [r for r in all_rows if index[id(r)] % FOLDS != fold]
        texts = [model_text(normalise(r["description"], r.get("merchant_name", "")).text, r.get("merchant_name", ""),
                            Decimal(r["amount"])) for r in train]
        model = TextModel.train(texts, [r["label"] for r in train])
        held = [r for r in rows if index[id(r)] % FOLDS == fold]
        categoriser = Categoriser(model=model, **categoriser_options)
        for r, res in zip(held, categoriser.categorise_many([to_input(r) for r in held]), strict=True):
            results[id(r)] = res
    return [results[id(r)] for r in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["dev", "test", "all"], default="test")
    parser.add_argument("--errors", action="store_true", help="list the rows it got wrong")
    args = parser.parse_args()
    all_rows = load("all")
    rows = [r for r in all_rows if args.split == "all" or r["split"] == args.split]
    plain = Categoriser().categorise_many([to_input(r) for r in rows])
    with_model = cross_validated(rows, all_rows)
    # What the learning steps manage for merchants the dictionary has never heard of.
    no_dictionary = cross_validated(rows, all_rows, dictionary=MerchantDictionary([]), model_threshold=0.0)

    table = []
    for name, results in (("pipeline, no model", plain), ("pipeline + model (5-fold CV)", with_model),
                          ("no dictionary: MCC/provider/model (CV)", no_dictionary)):
        for region in ("all", "UK", "US"):
            picked = [(r, res) for r, res in zip(rows, results, strict=True) if region in ("all", r["region"])]
            s = score([p[0] for p in picked], [p[1] for p in picked])
            table.append([name, region, s["rows"], s["detailed"] * 100, s["primary"] * 100, s["coverage"] * 100,
                          s["confident_accuracy"] * 100])
    print_table(f"Categoriser accuracy on {DATA.name} (split: {args.split})",
                ["variant", "region", "rows", "detailed %", "primary %", "confident %", "accuracy when confident %"],
                table)
    sources = Counter(res.source for res in plain)
    print("answers by step (no model): " + ", ".join(f"{k} {v}" for k, v in sources.most_common()))
    if args.errors:
        wrong = defaultdict(list)
        for r, res in zip(rows, plain, strict=True):
            if r["label"] != res.category:
                wrong[res.source].append(f"  {r['description'][:40]:40} {r['amount']:>9}  want {r['label']:45} "
                                         f"got {res.category} ({res.confidence:.2f})")
        for source, lines in wrong.items():
            print(f"\nwrong via {source}:")
            print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
