"""The CGT report benchmark (bench/cgt_report.py) still runs, at a tiny size: its history never
sells what is not held, and the report from stored trades finds every disposal the matching does."""

from __future__ import annotations

import pytest

from bench.cgt_report import history, measure


def test_history_is_deterministic_with_the_asked_number_of_sells():
    one, two = history(300), history(300)
    assert one == two and sum(1 for t in one if t["type"] == "sell") == 300


@pytest.mark.django_db
def test_cgt_bench_measures_every_step():
    steps = measure(120, username="cgt-bench-smoke")  # asserts completeness and counts inside
    matched = steps["matching only (no database)"][1]
    assert 0 < matched <= 120
    assert any(step.startswith("report from stored trades") and count == matched
               for step, (_s, count) in steps.items())
