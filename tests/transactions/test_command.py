"""`manage.py categorise`: JSON lines in, JSON lines out, same order; bad lines get an error."""

import io
import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def run(lines: list[str], *args) -> list[dict]:
    out = io.StringIO()
    call_command("categorise", *args, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_round_trip_keeps_order_and_reports_every_field(tmp_path):
    rows = [
        {"description": "TESCO STORES 3297", "amount": "-23.10", "currency": "GBP"},
        {"description": "ACME LTD SALARY", "amount": "2500.00", "currency": "GBP", "transaction_type": "CREDIT"},
        {"description": "ZZ TRADER", "amount": "-9.00", "currency": "USD", "mcc": "5812"},
        {"description": "ZZ OTHER", "amount": "-9.00", "currency": "GBP",
         "provider_category": ["Food & Dining", "Coffee shops"]},
        {"description": "AMAZON.CO.UK REFUND", "amount": "15.00", "currency": "GBP", "merchant_name": "Amazon"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = io.StringIO()
    with source.open() as handle:
        call_command("categorise", stdin=handle, stdout=out)
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(results) == len(rows)
    assert [r["detailed"] for r in results] == [
        "FOOD_AND_DRINK_GROCERIES", "INCOME_SALARY", "FOOD_AND_DRINK_RESTAURANT", "FOOD_AND_DRINK_COFFEE",
        "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES"]
    assert [r["category"] for r in results][:2] == ["FOOD_AND_DRINK", "INCOME"]
    assert [r["source"] for r in results] == ["merchant", "merchant", "mcc", "provider", "merchant"]
    assert all(0 <= r["confidence"] <= 1 for r in results)
    assert results[4]["refund"] is True


@pytest.mark.parametrize(("line", "message"), [
    ("not json", "not JSON"),
    ("[1, 2]", "JSON object"),
    ('{"amount": "-1", "currency": "GBP"}', "missing description"),
    ('{"description": "X", "currency": "GBP"}', "missing amount"),
    ('{"description": "X", "amount": "ten", "currency": "GBP"}', "not a number"),
    ('{"description": "X", "amount": "NaN", "currency": "GBP"}', "finite"),
    ('{"description": "X", "amount": "-1", "currency": "POUNDS"}', "currency"),
    ('{"description": "X", "amount": "-1"}', "missing currency"),
    ('{"description": 5, "amount": "-1", "currency": "GBP"}', "must be a string"),
    ("", "empty line"),
])
def test_a_bad_line_gets_an_error_and_the_rest_carry_on(line, message):
    good = '{"description": "SPOTIFY", "amount": "-9.99", "currency": "GBP"}'
    results = run([good, line, good])
    assert len(results) == 3
    assert message in results[1]["error"]
    assert results[0]["detailed"] == results[2]["detailed"] == "ENTERTAINMENT_MUSIC_AND_AUDIO"


def test_ids_are_echoed_and_batches_keep_order():
    lines = [json.dumps({"id": i, "description": d, "amount": "-1", "currency": "GBP"})
             for i, d in enumerate(["TESCO", "SPOTIFY", "bad\u00e9", "NETFLIX", "SHELL"] * 3)]
    results = run(lines, "--batch-size", "4")
    assert [r["id"] for r in results] == list(range(15))


def test_user_rules_apply_with_user_option(user):
    from transactions.models import CategoryRule

    CategoryRule.objects.create(user=user, name="r", category="TRAVEL_OTHER_TRAVEL", pattern="SPOTIFY")
    line = '{"description": "SPOTIFY", "amount": "-9.99", "currency": "GBP"}'
    assert run([line], "--user", user.email)[0]["source"] == "rule"
    assert run([line])[0]["source"] == "merchant"


def test_worker_processes_keep_order():
    lines = [json.dumps({"id": i, "description": d, "amount": "-1", "currency": "GBP"})
             for i, d in enumerate(["TESCO", "SPOTIFY", "NETFLIX", "SHELL", "not a merchant"] * 40)]
    lines[7] = "oops"
    results = run(lines, "--batch-size", "9", "--workers", "2", "--no-model")
    assert [r.get("id") for r in results] == [i if i != 7 else None for i in range(200)]
    assert results[7] == {"error": "not JSON: Expecting value"}
    assert results[1]["detailed"] == "ENTERTAINMENT_MUSIC_AND_AUDIO"
