"""The engine runs after every sync that reached the provider (settings.SYNC_AFTER_RUN_HOOKS),
for a person a run can change something for: one with counterparts for their bank rows (a
processor's, the books') or open matches to clean up."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from accounting.models import BooksConnection
from integrations_core.models import ConnectionStatus, SyncOutcome
from integrations_core.providers.registry import registry as providers
from integrations_core.services.sync import connection_sync
from open_banking.models import BankConnection
from payments.models import PaymentsConnection
from reconciliation import registry
from reconciliation.hooks import reconcile_after_sync
from reconciliation.models import MatchStatus, ReconMatch
from tests.integrations_core.fakes import FakeBankProvider, txn

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    runs: list = []
    monkeypatch.setattr("reconciliation.tasks.reconciliation_run_task.delay", lambda *a: runs.append(a))
    return runs


def after_sync(user, outcome="succeeded") -> None:
    reconcile_after_sync(connection=SimpleNamespace(user_id=user.pk), run=SimpleNamespace(outcome=outcome))


def processor(user, status=ConnectionStatus.ACTIVE) -> PaymentsConnection:
    return PaymentsConnection.objects.create(user=user, provider="stripe", status=status)


def stored_match(user, status) -> ReconMatch:
    day = date(2026, 3, 2)
    return ReconMatch.objects.create(user=user, rule="payout_bank_credit", status=status,
                                     left_key="payments.payout:1", left_kind="payout", left_date=day,
                                     left_amount=120, right_key="bank.txn:c1", right_kind="bank_credit",
                                     right_date=day, right_amount=120, currency="GBP")


@pytest.mark.parametrize(("outcome", "runs"), [("succeeded", 1), ("partial", 1), ("failed", 0), ("skipped", 0)])
def test_a_finished_sync_queues_one_run_for_its_person(user, monkeypatch, django_capture_on_commit_callbacks,
                                                       outcome, runs):
    processor(user)
    queued = []
    monkeypatch.setattr("reconciliation.tasks.reconciliation_run_task.delay", lambda *a: queued.append(a))
    with django_capture_on_commit_callbacks(execute=True):
        reconcile_after_sync(connection=SimpleNamespace(user_id=user.pk), run=SimpleNamespace(outcome=outcome))
    assert queued == [(user.pk, "sync")] * runs


def test_a_broker_that_is_down_does_not_fail_the_sync(user, monkeypatch, django_capture_on_commit_callbacks):
    def down(*args):
        raise ConnectionError("broker down")

    processor(user)
    monkeypatch.setattr("reconciliation.tasks.reconciliation_run_task.delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        reconcile_after_sync(connection=SimpleNamespace(user_id=user.pk), run=SimpleNamespace(outcome="succeeded"))


def test_the_sync_engine_calls_the_after_run_hooks(settings, monkeypatch):
    from integrations_core.services import sync

    called = []
    settings.SYNC_AFTER_RUN_HOOKS = ["tests.reconciliation.test_hooks.record_hook"]
    monkeypatch.setattr("tests.reconciliation.test_hooks.CALLS", called)
    connection = SimpleNamespace(pk=1, refresh_from_db=lambda: None)
    monkeypatch.setattr(sync, "connection_alerts_evaluate", lambda c: None)
    monkeypatch.setattr(sync.metrics, "sync_run_observe", lambda r: None)
    sync._after_run(connection, SimpleNamespace(outcome="succeeded"))
    assert called == [(connection, "succeeded")]
    # A hook that raises is logged, never raised into the sync.
    settings.SYNC_AFTER_RUN_HOOKS = ["tests.reconciliation.test_hooks.broken_hook"]
    sync._after_run(connection, SimpleNamespace(outcome="succeeded"))


def test_a_bank_only_person_gets_no_run(user, queued, django_capture_on_commit_callbacks):
    BankConnection.objects.create(user=user, provider="truelayer", status=ConnectionStatus.ACTIVE)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        after_sync(user)
    assert queued == [] and callbacks == []


@pytest.mark.parametrize("counterpart", [
    lambda user: processor(user),
    lambda user: BooksConnection.objects.create(user=user, provider="xero", status=ConnectionStatus.ACTIVE),
    lambda user: processor(user, status=ConnectionStatus.REAUTH_REQUIRED),  # its items are still offered
], ids=["processor", "books", "processor-needing-reconnect"])
def test_a_person_with_a_counterpart_connection_gets_one(user, queued, django_capture_on_commit_callbacks,
                                                         counterpart):
    counterpart(user)
    with django_capture_on_commit_callbacks(execute=True):
        after_sync(user)
    assert queued == [(user.pk, "sync")]


def test_a_revoked_counterpart_alone_is_no_reason(user, other_user, queued, django_capture_on_commit_callbacks):
    processor(user, status=ConnectionStatus.REVOKED)  # its items are not offered any more
    processor(other_user)  # someone else's counts for them, not for this person
    with django_capture_on_commit_callbacks(execute=True):
        after_sync(user)
    assert queued == []


@pytest.mark.parametrize(("status", "runs"), [(MatchStatus.SUGGESTED, 1), (MatchStatus.MATCHED, 1),
                                              (MatchStatus.CONFIRMED, 0), (MatchStatus.REJECTED, 0)])
def test_open_matches_without_a_counterpart_still_get_a_run_to_clean_them_up(
        user, queued, django_capture_on_commit_callbacks, status, runs):
    """The counterpart has gone: a run drops the suggestions and auto-matches it left behind. A
    run never changes confirmed or rejected rows, so those alone queue nothing."""
    stored_match(user, status)
    with django_capture_on_commit_callbacks(execute=True):
        after_sync(user)
    assert queued == [(user.pk, "sync")] * runs


def test_a_real_sync_queues_a_run_only_for_a_person_with_a_counterpart(user, queued, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    monkeypatch.setattr("transactions.tasks.recurring_detect_for_user.delay", lambda pk: None)
    bank = FakeBankProvider()
    bank.data = {"acc-1": {"booked": [txn("t1", date(2026, 11, 1), "120.00", "STRIPE PAYOUT")]}}
    providers.register(bank)
    try:
        connection = BankConnection.objects.create(user=user, provider=bank.slug, status=ConnectionStatus.ACTIVE,
                                                   access_token="a", refresh_token="r")
        with django_capture_on_commit_callbacks(execute=True):
            assert connection_sync(connection).outcome == SyncOutcome.SUCCEEDED
        assert queued == [], "bank-only: nothing a run could match"
        processor(user)
        bank.data["acc-1"]["booked"].append(txn("t2", date(2026, 11, 2), "80.00", "STRIPE PAYOUT"))
        with django_capture_on_commit_callbacks(execute=True):
            assert connection_sync(connection).outcome == SyncOutcome.SUCCEEDED
        assert queued == [(user.pk, "sync")]
    finally:
        providers.unregister(bank.slug)


def test_the_families_register_their_counterpart_checks():
    names = {f"{fn.__module__}.{fn.__qualname__}" for fn in registry.counterpart_checks()}
    assert {"payments.reconcile.payments_counterparts", "accounting.reconcile.books_counterparts"} <= names
    assert not any(name.startswith("open_banking.") for name in names), "a bank row is no counterpart of itself"


def test_a_registered_check_decides_for_a_person(user, queued, django_capture_on_commit_callbacks):
    asked = []

    def has_counterparts(user_id) -> bool:
        asked.append(user_id)
        return True

    registry.autodiscover()
    assert registry.register_counterparts(has_counterparts) is has_counterparts
    try:
        assert has_counterparts in registry.counterpart_checks()
        with django_capture_on_commit_callbacks(execute=True):
            after_sync(user)
    finally:
        registry._counterparts.pop(f"{has_counterparts.__module__}.{has_counterparts.__qualname__}")
    assert asked == [user.pk]
    assert queued == [(user.pk, "sync")]


CALLS: list = []


def record_hook(*, connection, run):
    CALLS.append((connection, run.outcome))


def broken_hook(*, connection, run):
    raise RuntimeError("bug")
