"""The daily beat task syncs every due bank connection; the snapshot hook records balances."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from integrations_core.models import ConnectionStatus, SyncRun
from integrations_core.tasks import sync_due_connections
from open_banking.models import BalanceSnapshot, BankConnection

from .providers.test_gocardless import TestGoCardlessContract
from .providers.test_truelayer import TestTrueLayerContract


def test_daily_task_syncs_every_due_connection_of_both_providers(user, other_user, rsps, settings, time_machine):
    settings.DAILY_SYNC_JITTER_SECONDS = 0
    # Late morning: the next daily run (04:00) is tomorrow's (services/schedule.py).
    time_machine.move_to(timezone.localtime().replace(hour=10, minute=0), tick=True)
    tl, gc = TestTrueLayerContract(), TestGoCardlessContract()
    due_tl = tl.make_connection(user, rsps)
    due_gc = gc.make_connection(other_user, rsps)
    not_due = tl.make_connection(user, rsps)
    not_due.retry_after = timezone.now() + timedelta(hours=5)  # the provider asked us to wait
    not_due.save()
    needs_reauth = tl.make_connection(user, rsps)
    needs_reauth.status = ConnectionStatus.REAUTH_REQUIRED
    needs_reauth.save()
    # Both TrueLayer connections answer with the same recorded accounts: the fixtures are keyed by URL.
    tl.register_data(rsps, tl.recorded_payloads())
    gc.register_data(rsps, gc.recorded_payloads())

    assert sync_due_connections() == 2  # eager in tests: each sync runs inside the call

    runs = {run.connection_id: run for run in SyncRun.objects.all()}
    assert set(runs) == {due_tl.pk, due_gc.pk}
    assert {run.outcome for run in runs.values()} == {"succeeded"}
    assert {run.trigger for run in runs.values()} == {"scheduled"}
    for connection in (due_tl, due_gc):
        connection.refresh_from_db()
        assert connection.next_sync_at > timezone.now() + timedelta(hours=12)
    assert BalanceSnapshot.objects.filter(account__connection__in=[due_tl, due_gc]).count() == 4
    # Run again straight away: nothing is due any more.
    assert sync_due_connections() == 0
    assert BankConnection.objects.get(pk=not_due.pk).last_synced_at is None
