"""The pension finder bench still runs at a tiny size: what it writes and finds, never how fast."""

from __future__ import annotations

import pytest

from bench import pension_finder


@pytest.mark.django_db
def test_pension_finder_bench_upserts_once_and_finds():
    result = pension_finder.measure(extra=50, repeats=1)  # asserts inside, too
    assert result["schemes"] >= 93
    assert result["searches"]["British Telecom plc"][0] == "bt-pension-scheme"
    assert pension_finder.synthetic_entries(3) == pension_finder.synthetic_entries(3)
