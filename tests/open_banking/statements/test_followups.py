"""A statement upload is no sync: the post-import hook queues the follow-up tasks itself, once
per file, as it did before syncs queued them from their after-run hook."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from open_banking.services import statement_imports as imports
from transactions.models import Budget

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("with_budget", "sent"), [(False, ["recurring"]), (True, ["budgets", "recurring"])])
def test_confirming_a_statement_queues_the_followups_once(user, monkeypatch, django_capture_on_commit_callbacks,
                                                          with_budget, sent):
    queued = []
    monkeypatch.setattr("transactions.tasks.recurring_detect_for_user.delay", lambda pk: queued.append(("recurring", pk)))
    monkeypatch.setattr("transactions.tasks.budget_alerts_check_for_user.delay", lambda pk: queued.append(("budgets", pk)))
    if with_budget:
        Budget.objects.create(user=user, category="FOOD_AND_DRINK", amount=Decimal("200"), start_month=date(2024, 1, 1))
    with time_machine.travel("2024-04-20 12:00 +01:00", tick=False):
        preview = imports.bank_statement_preview(user, upload=(FIXTURES / "santander_v1.ofx").read_bytes(),
                                                 filename="santander_v1.ofx", bank="Santander")
        with django_capture_on_commit_callbacks(execute=True):
            imported = imports.bank_statement_confirm(preview)
    assert imported.added == 3
    assert queued == [(name, user.pk) for name in sent]
