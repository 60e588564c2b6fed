"""The hand-labelled set (data/labelled.jsonl) is valid, and the pipeline does not regress on it.
The figures to quote come from bench/categoriser_eval.py on the `test` split."""

import json
from decimal import Decimal
from pathlib import Path

from transactions.categoriser.answers import TxInput
from transactions.categoriser.pipeline import Categoriser
from transactions.taxonomy import is_valid

DATA = Path(__file__).parent / "data" / "labelled.jsonl"


def rows():
    return [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]


def test_the_set_is_a_few_hundred_valid_rows():
    labelled = rows()
    assert len(labelled) >= 300
    assert all(is_valid(r["label"]) and r["region"] in ("UK", "US") and r["split"] in ("dev", "test")
               for r in labelled)
    assert len({(r["description"], r["amount"]) for r in labelled}) == len(labelled)


def test_accuracy_does_not_regress():
    labelled = rows()
    results = Categoriser().categorise_many([
        TxInput(description=r["description"], amount=Decimal(r["amount"]), currency=r["currency"],
                mcc=r.get("mcc", ""), provider_category=r.get("provider_category", ""),
                transaction_type=r.get("transaction_type", "")) for r in labelled])
    right = sum(r["label"] == res.category for r, res in zip(labelled, results, strict=True))
    assert right / len(labelled) >= 0.95
