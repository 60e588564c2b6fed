"""manage.py import_activities: preview (row errors, non-zero exit) then confirm, through the
statement services; --dry-run keeps nothing."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations_core.models import StatementImport, StatementImportStatus
from investments.models import InvestmentAccount, InvestmentTransaction

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[3] / "sandbox" / "statements"


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel("2026-03-01 09:00Z", tick=False):
        yield


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_activities", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_imports_an_activities_file_then_finds_nothing_new(user):
    out, _ = run("--user", user.email, str(SAMPLES / "activities.csv"), "--account", "My GIA")
    assert "10 rows, 0 errors" in out and "10 added, 0 unchanged" in out
    assert InvestmentAccount.objects.get().name.endswith("My GIA")  # the hint names the account
    assert InvestmentTransaction.objects.count() == 10
    # The same file again: already imported into this connection, refused without a change.
    with pytest.raises(CommandError, match="already been imported"):
        run("--user", user.username, str(SAMPLES / "activities.csv"))
    assert InvestmentTransaction.objects.count() == 10


def test_another_importer_by_provider(user):
    out, _ = run("--user", user.email, "--provider", "hargreaves_lansdown", str(SAMPLES / "hargreaves_lansdown.csv"))
    assert "6 added, 0 unchanged" in out
    assert InvestmentAccount.objects.get().current_snapshot.holdings.count() == 2


def test_row_errors_are_printed_and_the_exit_is_non_zero(user):
    err = StringIO()
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_activities", "--user", user.email, str(SAMPLES / "bad" / "activities.csv"),
                     stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines and all(line.startswith("line ") for line in lines)
    assert any(", column " in line for line in lines)
    assert not InvestmentTransaction.objects.exists()
    assert StatementImport.objects.get().status == StatementImportStatus.REJECTED  # kept, as from the web


def test_dry_run_previews_and_keeps_nothing(user):
    out, _ = run("--user", user.email, str(SAMPLES / "activities.json"), "--dry-run")
    assert "4 rows, 0 errors" in out and "Dry run: nothing imported." in out
    assert not StatementImport.objects.exists() and not InvestmentTransaction.objects.exists()


def test_dry_run_with_errors_exits_non_zero_and_keeps_nothing(user):
    with pytest.raises(CommandError):
        run("--user", user.email, str(SAMPLES / "bad" / "activities.json"), "--dry-run")
    assert not StatementImport.objects.exists()


@pytest.mark.parametrize("args, message", [
    (("--user", "nobody@example.com", "x.csv"), "no such user"),
    (("--user", "{user}", "/nonexistent/file.csv"), "cannot read"),
    (("--user", "{user}", "--provider", "nope", str(SAMPLES / "activities.csv")), "Unknown provider"),
])
def test_bad_arguments_are_clear_errors(user, args, message):
    with pytest.raises(CommandError, match=message):
        run(*(a.format(user=user.email) for a in args))
