"""The engine runs after every sync that reached the provider (settings.SYNC_AFTER_RUN_HOOKS)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from reconciliation.hooks import reconcile_after_sync

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("outcome", "runs"), [("succeeded", 1), ("partial", 1), ("failed", 0), ("skipped", 0)])
def test_a_finished_sync_queues_one_run_for_its_person(user, monkeypatch, django_capture_on_commit_callbacks,
                                                       outcome, runs):
    queued = []
    monkeypatch.setattr("reconciliation.tasks.reconciliation_run_task.delay", lambda *a: queued.append(a))
    with django_capture_on_commit_callbacks(execute=True):
        reconcile_after_sync(connection=SimpleNamespace(user_id=user.pk), run=SimpleNamespace(outcome=outcome))
    assert queued == [(user.pk, "sync")] * runs


def test_a_broker_that_is_down_does_not_fail_the_sync(user, monkeypatch, django_capture_on_commit_callbacks):
    def down(*args):
        raise ConnectionError("broker down")

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


CALLS: list = []


def record_hook(*, connection, run):
    CALLS.append((connection, run.outcome))


def broken_hook(*, connection, run):
    raise RuntimeError("bug")
