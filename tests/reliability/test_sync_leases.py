"""The sync lease: exclusive per attempt, renewed while a sync runs, quick to lapse when its
worker dies; long waits kept out of the broker; and what the person is told about a sync whose
worker died or that no worker has picked up.

The single-process tests drive the sync through the task and the API with the scriptable fake
bank and time-machine (a redelivery is the same task id arriving while the first delivery is
still inside the bank's answer); the real-worker test at the end does it with two Celery worker
processes on Redis (PostgreSQL + Redis only)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from integrations_core.models import ConnectionStatus, SyncOutcome, SyncRun
from integrations_core.providers.errors import RateLimited
from integrations_core.records import AccountRecord
from integrations_core.services.leases import connection_lock_acquire
from integrations_core.services.schedule import max_countdown
from integrations_core.tasks import retry_countdown, sync_connection, sync_retry_due
from open_banking.models import BankConnection, BankTransaction
from tests.integrations_core.fakes import deliver_like_a_worker, txn

from . import slowbank
from .conftest import needs_worker, wait_for

pytestmark = pytest.mark.django_db
BASE = "/api/v1/open-banking"
LABEL = "open_banking.BankConnection"


@pytest.fixture
def two_accounts(fake_provider):
    fake_provider.accounts.append(AccountRecord(external_id="acc-2", name="Savings", type="savings", currency="GBP"))
    fake_provider.data["acc-1"] = {"booked": [txn("t1", timezone.localdate(), "-3.00")]}
    fake_provider.data["acc-2"] = {"booked": [txn("t2", timezone.localdate(), "-4.00")]}
    return fake_provider


@pytest.fixture
def clock(time_machine):
    """Real time that runs on, which a test can move forward."""
    time_machine.move_to(timezone.now(), tick=True)
    return time_machine


def reload(connection) -> BankConnection:
    return BankConnection.objects.get(pk=connection.pk)


def runs_of(connection) -> list[SyncRun]:
    return list(SyncRun.objects.filter(connection_id=connection.pk).order_by("started_at"))


# --- 3. one sync of a connection at a time ----------------------------------------------------
def test_a_redelivered_sync_task_does_not_enter_while_the_first_delivery_is_still_syncing(connection, two_accounts):
    """Redis hands an unacknowledged message to a second worker after its visibility timeout,
    with the same task id. Before, the lease's owner was the task id, so the second delivery
    walked in: two refreshes of one rotating refresh token, a spent bank quota."""
    second: dict = {}

    def redelivered():  # arrives once, while the first delivery is inside the bank's answer
        two_accounts.on_fetch.pop("acc-1")
        second["result"] = sync_connection.apply(args=[LABEL, str(connection.pk)], task_id="task-same-id").get()

    two_accounts.on_fetch["acc-1"] = redelivered
    first = sync_connection.apply(args=[LABEL, str(connection.pk)], task_id="task-same-id").get()

    assert (first, second["result"]) == (SyncOutcome.SUCCEEDED, SyncOutcome.SKIPPED)
    assert len(two_accounts.seen_tokens) == 1, "the bank was asked once"
    skipped = SyncRun.objects.get(connection_id=connection.pk, outcome=SyncOutcome.SKIPPED)
    assert skipped.error_code == "already_running" and skipped.error
    assert BankTransaction.objects.count() == 2
    assert reload(connection).sync_lock_token == ""


def test_a_live_sync_keeps_its_lease_through_a_slow_bank(connection, two_accounts, clock, settings):
    """The lease is short (a dead worker's lapses fast) and renewed as the sync goes: a sync that
    takes longer than the TTL in all keeps others out to the end."""
    ttl = settings.SYNC_LOCK_TTL_SECONDS
    outsider: dict = {}

    def slow_first():
        clock.shift(timedelta(seconds=ttl * 0.8))

    def slow_second():
        clock.shift(timedelta(seconds=ttl * 0.8))  # 1.6 TTL since the lease was taken
        outsider["token"] = connection_lock_acquire(reload(connection))

    two_accounts.on_fetch.update({"acc-1": slow_first, "acc-2": slow_second})
    run = sync_connection.apply(args=[LABEL, str(connection.pk)]).get()
    assert run == SyncOutcome.SUCCEEDED
    assert outsider["token"] is None, "the renewed lease kept another sync out"


def test_a_sync_whose_lease_lapsed_and_was_taken_stops_and_writes_nothing_more(connection, two_accounts,
                                                                               clock, settings):
    def stalled_then_taken_over():
        clock.shift(timedelta(seconds=settings.SYNC_LOCK_TTL_SECONDS + 5))
        assert connection_lock_acquire(reload(connection))  # another worker's sync takes over

    two_accounts.on_fetch["acc-1"] = stalled_then_taken_over
    sync_connection.apply(args=[LABEL, str(connection.pk)]).get()

    run = SyncRun.objects.get(connection_id=connection.pk)
    assert (run.outcome, run.error_code) == (SyncOutcome.FAILED, "interrupted")
    assert [key for key, _ in two_accounts.since_seen] == ["acc-1"], "it stopped before the next account"
    assert not BankTransaction.objects.exists(), "and wrote nothing of the answer it had"
    fresh = reload(connection)
    assert fresh.sync_lock_token, "the new holder's lease is untouched"
    assert fresh.last_synced_at is None and fresh.consecutive_failures == 0, "the state is the new holder's"


def test_a_long_provider_wait_is_kept_out_of_the_broker_and_picked_up_when_it_ends(connection, fake_provider,
                                                                                   monkeypatch, clock):
    """Celery's countdown waits inside the broker; past Redis's visibility timeout the message is
    handed to a second worker. A Retry-After of an hour is kept on the connection instead."""
    fake_provider.failures["list_accounts"] = RateLimited(retry_after=3600)
    result, countdowns = deliver_like_a_worker(sync_connection, args=[LABEL, str(connection.pk)],
                                               monkeypatch=monkeypatch)
    assert result == SyncOutcome.FAILED and countdowns == [], "no hour-long countdown in the broker"
    fresh = reload(connection)
    assert fresh.retry_after > timezone.now() + timedelta(minutes=59)
    assert fresh.next_sync_at >= fresh.retry_after and fresh.user_state == "rate_limited"

    assert sync_retry_due() == 0, "not before the wait ends"
    fake_provider.failures.clear()
    clock.shift(timedelta(minutes=61))
    assert sync_retry_due() == 1
    assert runs_of(connection)[-1].outcome == SyncOutcome.SUCCEEDED
    assert reload(connection).user_state == "ok"


def test_no_sync_task_waits_in_the_broker_longer_than_half_the_visibility_timeout(settings):
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
    settings.SYNC_MAX_COUNTDOWN_SECONDS = 3600
    assert max_countdown() == 300
    assert retry_countdown(0, None) <= 300
    assert retry_countdown(0, timezone.now() + timedelta(seconds=900)) is None


def test_a_transient_failure_with_eager_celery_is_left_to_the_retry_sweep(connection, fake_provider):
    """Eagerly, self.retry() raised into the caller (a 500 from the API, test_task_eager.py) or
    re-ran at once ignoring the wait; the wait is on the connection instead."""
    fake_provider.failures["list_accounts"] = [RateLimited(retry_after=120)]
    assert sync_connection.apply(args=[LABEL, str(connection.pk)]).get() == SyncOutcome.FAILED
    assert len(runs_of(connection)) == 1
    assert reload(connection).next_sync_at >= timezone.now() + timedelta(seconds=110)


# --- 4. a killed worker ----------------------------------------------------------------------
def _killed_mid_sync(connection) -> SyncRun:
    """What a SIGKILLed worker leaves: a running run holding a lease nobody renews."""
    run = SyncRun.objects.create(user=connection.user, connection_type_id=_ct(connection), connection_id=connection.pk,
                                 provider=connection.provider, trigger="manual", outcome=SyncOutcome.RUNNING)
    assert connection_lock_acquire(connection, run_id=run.pk)
    return run


def _ct(connection) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(connection).pk


def test_after_a_killed_worker_the_next_sync_runs_within_a_minute_and_the_dead_run_says_interrupted(
        api_client, connection, fake_provider, clock, settings):
    """Before, the dead worker's lease blocked every sync for SYNC_LOCK_TTL_SECONDS (20 minutes)
    while the API said the run was still running."""
    dead = _killed_mid_sync(connection)
    clock.shift(timedelta(seconds=61))  # a minute later

    response = api_client.post(f"{BASE}/connections/{connection.pk}/sync/")
    assert response.status_code == 202 and response.json()["sync_run"]["outcome"] == SyncOutcome.SUCCEEDED
    runs = {r["id"]: r for r in api_client.get(f"{BASE}/connections/{connection.pk}/sync-runs/").json()["results"]}
    assert (runs[str(dead.pk)]["outcome"], runs[str(dead.pk)]["error_code"]) == ("failed", "interrupted")
    assert runs[str(dead.pk)]["error"]


def test_the_sweep_closes_a_dead_run_tells_the_person_and_syncs_again(api_client, connection, fake_provider,
                                                                      clock, settings):
    dead = _killed_mid_sync(connection)
    clock.shift(timedelta(seconds=settings.SYNC_LOCK_TTL_SECONDS + 1))
    fake_provider.failures["list_accounts"] = RateLimited(retry_after=600)  # the resync waits: we see the state

    sync_retry_due()
    body = api_client.get(f"{BASE}/connections/{connection.pk}/sync-runs/").json()["results"]
    closed = next(r for r in body if r["id"] == str(dead.pk))
    assert (closed["outcome"], closed["error_code"], closed["next_action"]) == ("failed", "interrupted", "retry_later")
    assert "stopped before it finished" in closed["error"]
    assert len(body) == 2, "and it was synced again at once"


def test_the_page_shows_a_dead_sync_as_interrupted_before_the_sweep_runs(client, user, connection, clock,
                                                                         settings):
    client.force_login(user)
    dead = _killed_mid_sync(connection)
    status_url = f"/connections/{connection.pk}/sync-runs/{dead.pk}/"
    assert client.get(status_url).json()["message"] == "Syncing with your bank…"
    clock.shift(timedelta(seconds=settings.SYNC_LOCK_TTL_SECONDS + 1))
    body = client.get(status_url).json()
    assert body["finished"] and body["outcome"] == "failed" and "stopped before it finished" in body["message"]


def test_a_queued_sync_no_worker_picks_up_says_it_is_waiting_for_a_worker(api_client, client, user, connection,
                                                                         monkeypatch, clock, settings):
    settings.SYNC_QUEUED_DELAY_SECONDS = 300
    monkeypatch.setattr("integrations_core.tasks.sync_connection.apply_async", lambda *a, **k: None)  # no worker
    run = api_client.post(f"{BASE}/connections/{connection.pk}/sync/").json()["sync_run"]
    assert run["outcome"] == "queued"
    clock.shift(timedelta(minutes=6))

    client.force_login(user)
    page = client.get(f"/connections/{connection.pk}/sync-runs/{run['id']}/").json()
    assert (page["finished"], page["message"]) == (False, "Waiting for a worker: this sync has not started yet. "
                                                          "It will start by itself.")
    sync_retry_due()
    api = api_client.get(f"{BASE}/connections/{connection.pk}/sync-runs/").json()["results"][0]
    assert (api["outcome"], api["error_code"]) == ("queued", "delayed") and "Waiting for a worker" in api["error"]


# --- real workers (PostgreSQL + Redis) --------------------------------------------------------
def real_workers(test):
    for mark in (*needs_worker, pytest.mark.django_db(transaction=True)):
        test = mark(test)
    return test


@real_workers
def test_two_workers_given_the_same_message_sync_once(user, worker_factory, send_task, tmp_path):
    """A real redelivery: Redis hands the running task's message to a second worker after the
    visibility timeout (3 s); the first worker is still inside the bank's answer, renewing its
    4-second lease every second. The second delivery is refused; the sync happens once."""
    marker = tmp_path / "second-account-fetch-started"
    env = {"INTEGRATION_PROVIDERS": "tests.reliability.slowbank.SlowBankProvider", "CELERY_VISIBILITY_TIMEOUT": "3",
           "SYNC_LOCK_TTL_SECONDS": "4", "SYNC_LOCK_RENEW_SECONDS": "1", "SLOWBANK_MARKER": str(marker),
           "SLOWBANK_SLEEP": "20", "SLOWBANK_SLEEP_FIRST_ONLY": "1"}
    connection = BankConnection.objects.create(user=user, provider="slowbank", status=ConnectionStatus.ACTIVE,
                                               institution_name="Slow Bank")
    first = worker_factory(**env)
    result = send_task(sync_connection, queue=worker_factory.queue, args=[connection._meta.label, str(connection.pk)],
                       kwargs={"trigger": "manual"})
    wait_for(marker.exists, 60, "the first worker to reach the second account", proc=first)
    time.sleep(3.5)  # older than the visibility timeout: the next worker to start restores it
    second = worker_factory(**env)
    wait_for(lambda: SyncRun.objects.filter(connection_id=connection.pk, outcome=SyncOutcome.SKIPPED).exists(),
             60, "the second delivery to be refused", interval=0.25, proc=second)
    wait_for(lambda: SyncRun.objects.filter(connection_id=connection.pk, outcome=SyncOutcome.SUCCEEDED).exists(),
             60, "the first delivery to finish", interval=0.25, proc=first)

    assert f"Task integrations_core.tasks.sync_connection[{result.id}] received" in open(second.args_log).read()
    outcomes = sorted((r.outcome, r.error_code) for r in SyncRun.objects.filter(connection_id=connection.pk))
    assert outcomes == [(SyncOutcome.SKIPPED, "already_running"), (SyncOutcome.SUCCEEDED, "")]
    per_account = {a.external_id: BankTransaction.objects.filter(account__external_id=a.external_id).count()
                   for a in slowbank.ACCOUNTS}
    assert set(per_account.values()) == {slowbank.PER_ACCOUNT}, "every row exactly once"
    assert BankConnection.objects.get(pk=connection.pk).sync_lock_token == ""
