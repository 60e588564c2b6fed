"""The categoriser's accuracy benches still run (bench/categoriser_longtail.py, the tables that
bench/categoriser.py prints in `make bench`): what they count, never how fast or how accurate."""

from __future__ import annotations

from bench import categoriser, categoriser_longtail


def test_the_long_tail_set_is_big_enough_and_labelled_with_valid_codes():
    from transactions.taxonomy import is_valid, primary_of

    rows = categoriser_longtail.load("all")
    assert len(rows) >= 300 and {r["split"] for r in rows} == {"dev", "test"}
    assert all(is_valid(r["expected"]) and primary_of(r["expected"]) == r["expected_primary"] for r in rows)
    assert len({r["group"] for r in rows}) >= 10


def test_the_group_table_counts_every_row_once(capsys):
    rows, results = categoriser_longtail.evaluate("dev")
    table = categoriser_longtail.group_table(rows, results)
    assert table[-1][0] == "all" and table[-1][1] == len(rows) == sum(r[1] for r in table[:-1])
    assert all(0 <= r[2] <= 100 and 0 <= r[3] <= 100 for r in table)
    categoriser.accuracy_tables("dev")
    printed = capsys.readouterr().out
    assert "common-merchant set" in printed and "long tail per group" in printed and "facilitator" in printed
