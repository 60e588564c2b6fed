"""When connections are synced (integrations_core/services/schedule.py): every daily run syncs
every connection not synced in the last SYNC_FRESH_SECONDS, the retry sweep catches partial runs,
failures and provider waits in between, and nothing is queued twice. Clock: time-machine, on
London time (CELERY_TIMEZONE), daily run at DAILY_SYNC_HOUR = 04:00."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from integrations_core.models import SyncOutcome, SyncRun
from integrations_core.providers.errors import ProviderUnavailable
from integrations_core.records import AccountRecord
from integrations_core.services.sync import connection_sync
from integrations_core.tasks import sync_connection, sync_due_connections, sync_retry_due
from open_banking.models import BankConnection

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _schedule(settings):
    settings.DAILY_SYNC_HOUR = 4
    settings.CELERY_TIMEZONE = "Europe/London"
    settings.DAILY_SYNC_JITTER_SECONDS = 0


def syncs_of(connection) -> list[datetime]:
    return list(SyncRun.objects.filter(connection_id=connection.pk).exclude(outcome=SyncOutcome.SKIPPED)
                .order_by("started_at").values_list("started_at", flat=True))


def reload(connection) -> BankConnection:
    return BankConnection.objects.get(pk=connection.pk)


def test_a_bank_connected_in_the_evening_is_synced_by_the_next_mornings_run(make_connection, fake_provider,
                                                                           time_machine):
    """Before, a good sync made the connection due 20 hours later: connected at 20:00, due at
    16:00 the next day, it missed that day's 04:00 run and waited ~32 hours."""
    time_machine.move_to(at(2, 20), tick=False)
    connection = make_connection()
    connection_sync(connection, trigger="connect")
    time_machine.move_to(at(3, 4), tick=False)
    assert sync_due_connections() == 1
    assert syncs_of(connection) == [at(2, 20), at(3, 4)]


def test_every_connection_is_synced_by_every_daily_run_for_a_week(make_connection, fake_provider, time_machine):
    made = {}
    for day, hour, minute in ((2, 9, 0), (2, 15, 0), (2, 21, 0), (2, 23, 59), (3, 3, 0)):
        time_machine.move_to(at(day, hour, minute), tick=False)
        made[(day, hour, minute)] = connection = make_connection()
        connection_sync(connection, trigger="connect")
    for day in range(3, 10):
        time_machine.move_to(at(day, 4), tick=False)
        queued = sync_due_connections()
        # The one connected at 03:00 synced an hour before the first run: not again that morning.
        assert queued == (4 if day == 3 else 5)
    for connection in made.values():
        times = syncs_of(connection)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert max(gaps) <= timedelta(hours=26), (connection, times)
        assert times[-1] == at(9, 4)


def test_a_failing_connection_is_tried_by_every_daily_run_whatever_its_backoff(make_connection, fake_provider,
                                                                               time_machine):
    time_machine.move_to(at(2, 5), tick=False)
    connection = make_connection(consecutive_failures=9, last_error_code="provider_down")
    fake_provider.failures["list_accounts"] = ProviderUnavailable()
    connection_sync(connection)
    fresh = reload(connection)
    # The backoff is long by now, but never past the next daily run (and its slack).
    assert fresh.next_sync_at <= at(3, 4) + timedelta(hours=1, minutes=10)
    fresh.next_sync_at = at(3, 20)  # even a backoff written by an older version
    fresh.save(update_fields=["next_sync_at"])
    time_machine.move_to(at(3, 4), tick=False)
    assert sync_due_connections() == 1


def test_a_provider_wait_holds_back_the_daily_run_and_the_sweep_syncs_it_when_the_wait_ends(
        make_connection, fake_provider, time_machine):
    time_machine.move_to(at(3, 4), tick=False)
    connection = make_connection(last_error_code="rate_limited", retry_after=at(3, 5, 30),
                                 next_sync_at=at(3, 5, 30), last_synced_at=at(2, 4))
    assert sync_due_connections() == 0
    time_machine.move_to(at(3, 5, 35), tick=False)
    assert sync_retry_due() == 1
    assert syncs_of(connection) == [at(3, 5, 35)]
    assert reload(connection).user_state == "ok"


def test_partly_failed_accounts_are_retried_within_the_hour_not_the_next_day(make_connection, fake_provider,
                                                                             time_machine):
    fake_provider.accounts.append(AccountRecord(external_id="acc-2", name="Savings", type="savings", currency="GBP"))
    fake_provider.failures["fetch:acc-2"] = [ProviderUnavailable()]
    time_machine.move_to(at(3, 10), tick=False)
    connection = make_connection()
    assert connection_sync(connection).outcome == SyncOutcome.PARTIAL
    time_machine.move_to(at(3, 10, 30), tick=False)
    assert sync_retry_due() == 0
    time_machine.move_to(at(3, 11, 1), tick=False)
    assert sync_retry_due() == 1
    last = SyncRun.objects.filter(connection_id=connection.pk).order_by("-started_at").first()
    assert last.outcome == SyncOutcome.SUCCEEDED
    assert reload(connection).next_sync_at == at(4, 4) + timedelta(hours=1), "back on the daily schedule"


def test_the_daily_run_and_the_sweep_never_queue_one_connection_twice(make_connection, fake_provider,
                                                                     time_machine, monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr(sync_connection, "apply_async", lambda *, args, kwargs, countdown=0: sent.append(
        {"args": args, "kwargs": kwargs}))
    time_machine.move_to(at(3, 4), tick=False)
    connection = make_connection(last_synced_at=at(2, 4), next_sync_at=at(3, 4))
    assert sync_due_connections() == 1
    time_machine.move_to(at(3, 4, 5), tick=False)
    assert sync_retry_due() == 0, "its task is on its way"
    # The message is lost; once the grace has passed the sweep sends another.
    time_machine.move_to(at(3, 5, 10), tick=False)
    assert sync_retry_due() == 1 and len(sent) == 2
    # The second arrives and syncs; the first turns up late and does nothing.
    monkeypatch.undo()
    assert sync_connection.apply(**sent[1]).get() == SyncOutcome.SUCCEEDED
    assert sync_connection.apply(**sent[0]).get() is None
    assert len(syncs_of(connection)) == 1


def test_next_sync_at_says_when_the_next_sync_happens(api_client, make_connection, fake_provider, time_machine):
    time_machine.move_to(at(2, 20), tick=False)
    connection = make_connection()
    connection_sync(connection)
    body = api_client.get(f"/api/v1/open-banking/connections/{connection.pk}/").json()
    # The 04:00 run, with its spread and slack: by 05:00 at the latest.
    assert datetime.fromisoformat(body["next_sync_at"]) == at(3, 5)
    assert timezone.localtime(reload(connection).next_sync_at, LONDON).hour == 5


def test_the_retry_sweep_is_scheduled_every_few_minutes():
    call_command("setup_schedules", stdout=open("/dev/null", "w"))
    task = PeriodicTask.objects.get(name="sync-retry-due")
    assert task.task == "integrations_core.tasks.sync_retry_due"
    assert (task.crontab.minute, task.crontab.hour) == ("*/5", "*")
