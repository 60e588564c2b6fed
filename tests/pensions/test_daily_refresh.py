"""The daily refresh of connected pension providers through the core's fan-out
(`sync_due_connections`), across sandbox days with time_machine: a value "being calculated" for
days keeps the last values and shows since when; a day the provider is down is an error state
with a retry, nothing lost; and net worth counts pots (connected and manual), never a DB income."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine

from integrations_core.models import ConnectionStatus, SyncOutcome, SyncRun
from integrations_core.networth import net_worth
from integrations_core.providers.errors import ProviderUnavailable
from integrations_core.tasks import sync_due_connections, sync_retry_due
from pensions.models import PensionAccount, PensionConnection, PensionValuation
from pensions.selectors import pension_incomes
from pensions.services.pots import manual_pot_create

pytestmark = pytest.mark.django_db(transaction=True)


def _pension(name: str) -> PensionAccount:
    return PensionAccount.objects.get(scheme_name=name)


def _runs(connection) -> list[SyncRun]:
    return list(SyncRun.objects.filter(connection_id=connection.pk).order_by("started_at"))


def test_daily_refresh_across_days(user, connect, monkeypatch):
    # From the last days of March into April (BST starts 29 March 2026, the tax year on 6 April).
    with time_machine.travel("2026-03-28 07:00:00+00:00", tick=True) as traveller:
        connection = connect(user)
        harbour, meridian = _pension("Harbour Workplace Master Trust"), _pension("Meridian Life Personal Pension")
        [march] = harbour.valuations.all()
        since = meridian.value_pending_since
        assert meridian.value_pending == "DCC" and march.date == date(2026, 3, 1)

        # Day 1: the daily run asks again; still calculating, the first "since" kept.
        traveller.shift(timedelta(days=1))
        assert sync_due_connections() == 1
        meridian.refresh_from_db()
        assert meridian.value_pending == "DCC" and meridian.value_pending_since == since
        assert _runs(connection)[-1].outcome == SyncOutcome.SUCCEEDED and _runs(connection)[-1].trigger == "scheduled"

        # Day 2: the provider is down. An error the person can read, and every stored value kept.
        traveller.shift(timedelta(days=1))
        stored = PensionValuation.objects.count()

        def down(*args, **kwargs):
            raise ProviderUnavailable("sandbox down")

        monkeypatch.setattr("pensions.dashboards.client.DashboardsClient.view", down)
        sync_due_connections()
        connection.refresh_from_db()
        assert _runs(connection)[-1].outcome == SyncOutcome.FAILED
        # A transient failure: still active, backing off, and the person is told the provider is down.
        assert connection.consecutive_failures == 1 and connection.user_state == "provider_down"
        assert connection.last_error and connection.next_sync_at > connection.last_synced_at
        assert PensionValuation.objects.count() == stored
        assert net_worth(user).by_family["pensions"] == march.value  # the last value still counts
        monkeypatch.undo()

        # The retry sweep, once the backoff has passed: back to active.
        traveller.shift(timedelta(hours=2))
        assert sync_retry_due() == 1
        connection.refresh_from_db()
        assert connection.status == ConnectionStatus.ACTIVE and connection.consecutive_failures == 0

        # Day 4 (1 April, BST): Meridian's value has arrived, Harbour has April's statement.
        traveller.shift(timedelta(days=2))
        sync_due_connections()
        meridian.refresh_from_db()
        assert meridian.value_pending == "" and meridian.value_pending_since is None
        assert [v.date for v in harbour.valuations.order_by("date")] == [date(2026, 3, 1), date(2026, 4, 1)]
        total = sum(v for v in (harbour.valuations.order_by("-date").first().value,
                                meridian.valuations.get().value))
        worth = net_worth(user)
        assert worth.by_family["pensions"] == total

        # A manual pot counts; a manual DB pension is an income beside, never in net worth.
        manual_pot_create(user, name="Old job", pension_type="DC", value=Decimal("1000"), value_date=date(2026, 3, 31))
        manual_pot_create(user, name="Council", pension_type="DB", value=Decimal("4000"), value_date=date(2026, 3, 31))
        assert net_worth(user).by_family["pensions"] == total + 1000
        incomes = {i.name: i.annual_amount for i in pension_incomes(user)}
        assert incomes["Council"] == 4000 and "Northfield Engineering Pension Scheme" in incomes
        # Nothing fetched twice a day: a second daily run the same day finds nothing due.
        assert sync_due_connections() == 0
        assert PensionConnection.objects.get(pk=connection.pk).last_synced_at is not None


def test_the_manual_pots_connection_is_never_scheduled(user):
    manual_pot_create(user, name="Old job", pension_type="DC", value=Decimal("1000"), value_date=date(2026, 3, 31))
    assert sync_due_connections() == 0
