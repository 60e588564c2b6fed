"""`manage.py categorise` on a checkout whose database was never migrated: the dictionary, MCC and
provider steps need no database, so it categorises (saying on stderr that there is no trained
model and how to set the database up) instead of ending in a traceback; `--user` needs the
database and stops with a message saying to run `manage.py migrate`.

Run as a real `manage.py` process with DATABASE_URL pointing at an empty, unmigrated SQLite file:
that is the checkout the issue describes, and the test run's own database is never touched."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINES = [
    {"id": 1, "description": "TESCO STORES 3297", "amount": "-23.10", "currency": "GBP"},
    {"id": 2, "description": "ZZ TRADER", "amount": "-9.00", "currency": "USD", "mcc": "5812"},
    {"id": 3, "description": "ACME LTD SALARY", "amount": "2500.00", "currency": "GBP", "transaction_type": "CREDIT"},
]


def categorise(database: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings", "DATABASE_URL": f"sqlite:///{database}"}
    env.pop("TEST_DATABASE_NAME", None)
    stdin = "".join(json.dumps(line) + "\n" for line in LINES)
    return subprocess.run([sys.executable, "manage.py", "categorise", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120, check=False)


def tables(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


@pytest.fixture
def empty_database(tmp_path) -> Path:
    database = tmp_path / "never-migrated.sqlite3"
    sqlite3.connect(database).close()
    return database


def test_categorise_without_a_migrated_database_still_categorises_with_a_note(empty_database):
    result = categorise(empty_database)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "manage.py migrate" in result.stderr and "No trained model" in result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["id"], r["detailed"], r["source"]) for r in out] == [
        (1, "FOOD_AND_DRINK_GROCERIES", "merchant"), (2, "FOOD_AND_DRINK_RESTAURANT", "mcc"),
        (3, "INCOME_SALARY", "merchant")]
    assert tables(empty_database) == []  # nothing was created behind the person's back


def test_categorise_without_the_model_needs_no_database_at_all(empty_database):
    result = categorise(empty_database, "--no-model", "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == [1, 2, 3]


def test_categorise_with_a_database_that_cannot_be_opened_still_categorises(tmp_path):
    result = categorise(tmp_path / "no-such-folder" / "db.sqlite3")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "No trained model" in result.stderr
    assert len(result.stdout.splitlines()) == len(LINES)


def test_categorise_for_a_user_without_a_migrated_database_says_to_migrate(empty_database):
    result = categorise(empty_database, "--user", "alice@example.com")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("CommandError: --user needs the database")
    assert "manage.py migrate" in result.stderr
    assert result.stdout == ""
