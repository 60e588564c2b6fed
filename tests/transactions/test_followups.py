"""The follow-up tasks (budget alerts, recurring detection) are queued once per sync, after the
whole sync, and only when it changed something; budget alerts only for a person with a budget;
a direct call of the post-import hook (what a statement upload does) still queues them itself."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from integrations_core.models import ConnectionStatus, SyncOutcome
from integrations_core.providers.errors import ProviderUnavailable
from integrations_core.providers.registry import registry
from integrations_core.records import AccountRecord
from integrations_core.services.sync import connection_sync
from integrations_core.sync_scope import sync_scope, sync_scope_active
from open_banking.models import BankConnection, BankTransaction
from payments.models import PaymentsConnection
from tests.integrations_core.fakes import FakeBankProvider, txn
from transactions.hooks import followups_after_sync
from transactions.models import Budget

from .conftest import rec, sync

pytestmark = pytest.mark.django_db
D = date(2026, 11, 1)


@pytest.fixture
def queued(monkeypatch):
    """Every follow-up task queued, as (task, user id, bank rows stored when it was queued)."""
    sent: list = []

    def recorder(name):
        return lambda user_id: sent.append((name, user_id, BankTransaction.objects.count(), sync_scope_active()))

    monkeypatch.setattr("transactions.tasks.recurring_detect_for_user.delay", recorder("recurring"))
    monkeypatch.setattr("transactions.tasks.budget_alerts_check_for_user.delay", recorder("budgets"))
    monkeypatch.setattr("reconciliation.tasks.reconciliation_run_task.delay", lambda *a: None)
    return sent


@pytest.fixture
def two_account_bank(user):
    provider = FakeBankProvider()
    provider.accounts = [AccountRecord(external_id="acc-1", name="Current", type="current", currency="GBP"),
                         AccountRecord(external_id="acc-2", name="Saver", type="savings", currency="GBP")]
    provider.data = {"acc-1": {"booked": [txn("t1", D, "-3.00", "TESCO STORES 3297")]},
                     "acc-2": {"booked": [txn("t2", D, "12.00", "INTEREST")]}}
    registry.register(provider)
    connection = BankConnection.objects.create(user=user, provider=provider.slug, status=ConnectionStatus.ACTIVE,
                                               access_token="a", refresh_token="r", institution_name="Fake Bank")
    yield SimpleNamespace(provider=provider, connection=connection)
    registry.unregister(provider.slug)


def budget(user) -> Budget:
    return Budget.objects.create(user=user, category="FOOD_AND_DRINK", amount=Decimal("200"), currency="GBP",
                                 start_month=date(2026, 1, 1))


def test_a_two_account_sync_queues_the_followups_once_after_the_whole_sync(user, two_account_bank, queued,
                                                                          django_capture_on_commit_callbacks):
    budget(user)
    with django_capture_on_commit_callbacks(execute=True):
        run = connection_sync(two_account_bank.connection)
    assert (run.outcome, run.added) == (SyncOutcome.SUCCEEDED, 2)
    # Once each, with both accounts' rows written, outside the sync's scope.
    assert sorted(queued) == [("budgets", user.pk, 2, False), ("recurring", user.pk, 2, False)]


def test_a_sync_that_changed_nothing_queues_nothing(user, two_account_bank, queued,
                                                    django_capture_on_commit_callbacks):
    budget(user)
    connection_sync(two_account_bank.connection)  # the first sync's callbacks are never run
    with django_capture_on_commit_callbacks(execute=True):
        run = connection_sync(two_account_bank.connection)
    assert (run.outcome, run.added + run.updated + run.removed) == (SyncOutcome.SUCCEEDED, 0)
    assert queued == []


def test_a_failed_sync_queues_nothing(user, two_account_bank, queued, django_capture_on_commit_callbacks):
    budget(user)
    two_account_bank.provider.failures["list_accounts"] = ProviderUnavailable()
    with django_capture_on_commit_callbacks(execute=True):
        run = connection_sync(two_account_bank.connection)
    assert run.outcome == SyncOutcome.FAILED
    assert queued == []


def test_a_partial_sync_that_wrote_rows_queues_them_once(user, two_account_bank, queued,
                                                         django_capture_on_commit_callbacks):
    two_account_bank.provider.failures["fetch:acc-2"] = ProviderUnavailable()
    with django_capture_on_commit_callbacks(execute=True):
        run = connection_sync(two_account_bank.connection)
    assert (run.outcome, run.added) == (SyncOutcome.PARTIAL, 1)
    assert queued == [("recurring", user.pk, 1, False)]


def test_budget_alerts_are_queued_only_for_a_person_with_a_budget(user, other_user, make_account, queued,
                                                                  django_capture_on_commit_callbacks):
    budget(user)
    with django_capture_on_commit_callbacks(execute=True):
        sync(make_account(), [rec("TESCO STORES", "-5")])
        sync(make_account(owner=other_user), [rec("TESCO STORES", "-5")])
    assert sorted((name, user_id) for name, user_id, *_ in queued) == [
        ("budgets", user.pk), ("recurring", user.pk), ("recurring", other_user.pk)]


def test_outside_a_sync_the_post_import_hook_queues_them_itself(user, make_account, queued,
                                                                django_capture_on_commit_callbacks):
    """A statement upload or a direct call: once per call, as before."""
    current, saver = make_account(), make_account(name="Saver", type="savings")
    with django_capture_on_commit_callbacks(execute=True):
        sync(current, [rec("TESCO STORES", "-5")])
        sync(saver, [rec("INTEREST", "1")])
    assert [name for name, *_ in queued] == ["recurring", "recurring"]


def test_inside_a_sync_the_post_import_hook_leaves_them_to_the_after_run_hook(user, account, queued,
                                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, sync_scope():
        sync(account, [rec("TESCO STORES", "-5")])
    assert queued == [] and callbacks == []


@pytest.mark.parametrize(("outcome", "counts", "sent"), [
    ("succeeded", (1, 0, 0), 1), ("partial", (0, 1, 0), 1), ("succeeded", (0, 0, 1), 1),
    ("succeeded", (0, 0, 0), 0), ("failed", (3, 0, 0), 0), ("skipped", (3, 0, 0), 0)])
def test_the_after_run_hook_needs_a_good_outcome_and_a_change(user, queued, django_capture_on_commit_callbacks,
                                                              outcome, counts, sent):
    connection = BankConnection.objects.create(user=user, provider="truelayer", status=ConnectionStatus.ACTIVE)
    added, updated, removed = counts
    with django_capture_on_commit_callbacks(execute=True):
        followups_after_sync(connection=connection, run=SimpleNamespace(outcome=outcome, added=added,
                                                                        updated=updated, removed=removed))
    assert [name for name, *_ in queued] == ["recurring"] * sent


def test_the_after_run_hook_ignores_connections_whose_rows_are_not_categorised(user, queued,
                                                                               django_capture_on_commit_callbacks):
    processor = PaymentsConnection.objects.create(user=user, provider="stripe", status=ConnectionStatus.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True):
        followups_after_sync(connection=processor, run=SimpleNamespace(outcome="succeeded", added=5, updated=0,
                                                                       removed=0))
    assert queued == []
