"""A real Celery worker (on Redis, acks_late) SIGKILLed in the middle of a sync: the task is
redelivered to the next worker and the result is exactly as if it had run once. And a database
whose connections are cut between two syncs (what a PostgreSQL restart does to a worker): the
next sync still succeeds."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import pytest
from django.db import connection as db

from integrations_core.models import ConnectionStatus, SyncOutcome, SyncRun
from integrations_core.tasks import sync_connection
from open_banking.models import BankConnection, BankTransaction

from . import slowbank
from .conftest import needs_worker, wait_for

pytestmark = [*needs_worker, pytest.mark.django_db(transaction=True)]

SLOW_PROVIDER = "tests.reliability.slowbank.SlowBankProvider"
VISIBILITY_TIMEOUT = 3
LEASE_TTL = 4  # the killed worker's lease lapses this long after its last renewal


def expected_rows() -> Counter:
    return Counter((account.external_id, t.external_id, t.amount, t.booked_date)
                   for account in slowbank.ACCOUNTS for t in slowbank.expected_transactions(account.external_id))


def stored_rows(connection) -> Counter:
    return Counter(BankTransaction.objects.filter(account__connection=connection).values_list(
        "account__external_id", "external_id", "amount", "booked_date"))


def slow_connection(user) -> BankConnection:
    return BankConnection.objects.create(user=user, provider="slowbank", status=ConnectionStatus.ACTIVE,
                                         institution_name="Slow Bank")


def test_worker_killed_mid_sync_is_redelivered_and_runs_exactly_once(user, worker_factory, send_task, tmp_path):
    marker = tmp_path / "second-account-fetch-started"
    env = {"INTEGRATION_PROVIDERS": SLOW_PROVIDER, "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
           "SYNC_LOCK_TTL_SECONDS": str(LEASE_TTL), "SYNC_LOCK_RENEW_SECONDS": "1",
           "SLOWBANK_MARKER": str(marker), "SLOWBANK_SLEEP": "30", "SLOWBANK_SLEEP_FIRST_ONLY": "1"}
    connection = slow_connection(user)
    first = worker_factory(**env)
    result = send_task(sync_connection, queue=worker_factory.queue,
                       args=[connection._meta.label, str(connection.pk)], kwargs={"trigger": "manual"})

    # The first account is written and committed; the second one's fetch is under way.
    wait_for(marker.exists, 60, "the worker to reach the second account", proc=first)
    run = SyncRun.objects.get(connection_id=connection.pk)
    assert run.outcome == SyncOutcome.RUNNING
    assert BankTransaction.objects.filter(account__external_id="slow-current").count() == slowbank.PER_ACCOUNT
    assert not BankTransaction.objects.filter(account__external_id="slow-savings").exists()

    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL

    # A worker starting up restores the unacknowledged messages older than the visibility
    # timeout (kombu's Redis transport, also swept periodically), then runs it, once the dead
    # worker's lease has lapsed (nobody renews it any more).
    time.sleep(max(VISIBILITY_TIMEOUT, LEASE_TTL) + 0.5)
    second = worker_factory(**env)
    done = wait_for(lambda: SyncRun.objects.filter(connection_id=connection.pk,
                                                   outcome=SyncOutcome.SUCCEEDED).first(),
                    60, "the redelivered task to finish", interval=0.25, proc=second)

    runs = list(SyncRun.objects.filter(connection_id=connection.pk).order_by("started_at"))
    assert [r.outcome for r in runs] == [SyncOutcome.FAILED, SyncOutcome.SUCCEEDED], runs
    assert runs[0].pk == run.pk and runs[0].error_code == "interrupted" and runs[0].finished_at
    assert done.pk == runs[1].pk
    assert stored_rows(connection) == expected_rows(), "every row exactly once"
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ACTIVE and connection.last_synced_at is not None
    assert connection.sync_lock_token == "", "the lease was released by the redelivered task"
    # The same message came back; it took the lease with a fresh token once the dead one lapsed
    # (while the first worker lived, it would have been refused: test_sync_leases.py).
    assert f"Task integrations_core.tasks.sync_connection[{result.id}] received" in open(
        second.args_log).read()


def terminate_other_backends() -> int:
    """What a PostgreSQL restart does to every client: their connections are gone."""
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return len(cursor.fetchall())


def test_database_connections_cut_mid_sync_and_between_syncs(user, worker_factory, send_task, tmp_path):
    marker = tmp_path / "second-account-fetch-started"
    connection = slow_connection(user)
    worker = worker_factory(INTEGRATION_PROVIDERS=SLOW_PROVIDER, SLOWBANK_MARKER=str(marker), SLOWBANK_SLEEP="2", SLOWBANK_SLEEP_FIRST_ONLY="1")

    def sync() -> None:
        send_task(sync_connection, queue=worker_factory.queue, args=[connection._meta.label, str(connection.pk)])

    def finished(n: int):
        return lambda: SyncRun.objects.filter(connection_id=connection.pk, finished_at__isnull=False).count() >= n

    # 1. Cut while the worker is inside a sync (the first account written, the second being fetched).
    sync()
    wait_for(marker.exists, 60, "the worker to reach the second account", proc=worker)
    assert terminate_other_backends() >= 1, "the worker was connected mid-sync"
    # The account being written rolls back; the engine reconnects to record the failure and free
    # the lease (Django drops a connection whose rollback failed, and opens a new one).
    wait_for(finished(1), 30, "the cut sync to be recorded", interval=0.25, proc=worker)
    cut = SyncRun.objects.get(connection_id=connection.pk)
    assert (cut.outcome, cut.error_code, cut.next_action) == (SyncOutcome.FAILED, "internal_error", "retry_later")
    assert BankConnection.objects.get(pk=connection.pk).sync_lock_token == ""
    assert BankTransaction.objects.filter(account__external_id="slow-current").count() == slowbank.PER_ACCOUNT
    assert not BankTransaction.objects.filter(account__external_id="slow-savings").exists(), "nothing half-written"
    sync()
    wait_for(finished(2), 60, "the sync after the cut", interval=0.25, proc=worker)
    runs = list(SyncRun.objects.filter(connection_id=connection.pk).order_by("started_at"))
    assert [(r.outcome, r.error_code) for r in runs] == [(SyncOutcome.FAILED, "internal_error"),
                                                         (SyncOutcome.SUCCEEDED, "")]
    assert stored_rows(connection) == expected_rows()

    # 2. Cut between two syncs: the worker reconnects for the next task.
    terminate_other_backends()
    sync()
    wait_for(finished(3), 60, "the sync after the second cut", interval=0.25, proc=worker)
    last = SyncRun.objects.filter(connection_id=connection.pk).order_by("-started_at").first()
    assert (last.outcome, last.added, last.updated, last.removed) == (SyncOutcome.SUCCEEDED, 0, 0, 0)
    assert stored_rows(connection) == expected_rows()
    assert worker.poll() is None, "the worker survived both cuts"
