"""The reconciliation benchmark (bench/reconciliation.py) still runs, at a tiny size: what it
matches and that a re-run writes nothing, never how fast."""

from __future__ import annotations

import pytest

from bench import reconciliation

pytestmark = pytest.mark.django_db


def test_reconciliation_bench_matches_and_re_runs_idempotently():
    result = reconciliation.measure(payouts=40, invoices=10)
    assert result["unchanged"] and result["matched"] > 30 and result["suggested"] > 0
    assert result["locked"] == result["confirmed"] >= 1
