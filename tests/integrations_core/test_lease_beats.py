"""A forced lease checkpoint (before spending a rotating refresh token, before writing a sync's
outcome) needs a lease that is surely ours, not a write: one renewed under half a renewal
interval ago cannot have been taken (nobody takes a lease before it expires), so the checkpoint
costs no statement; past that it renews, and a lease another sync took is still noticed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations_core.services.leases import Lease, LeaseLost, connection_lock_acquire
from open_banking.models import BankConnection

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


def held(connection) -> Lease:
    token = connection_lock_acquire(connection)
    assert token
    return Lease(connection, token)


def expiry(connection):
    return BankConnection.objects.get(pk=connection.pk).sync_lock_expires_at


def test_a_forced_beat_on_a_lease_just_taken_writes_nothing(connection, clock):
    lease = held(connection)
    with CaptureQueriesContext(db) as queries:
        lease.beat(force=True)
        lease.beat()
    assert queries.captured_queries == []


def test_a_forced_beat_renews_once_half_an_interval_has_passed(connection, clock, settings):
    lease = held(connection)
    taken = expiry(connection)
    clock.shift(timedelta(seconds=settings.SYNC_LOCK_RENEW_SECONDS / 2 + 0.5))
    lease.beat()  # an ordinary checkpoint still waits for the full interval
    assert expiry(connection) == taken
    lease.beat(force=True)
    assert expiry(connection) > taken


def test_a_forced_beat_notices_a_lease_another_sync_took(connection, clock, settings):
    lease = held(connection)
    clock.shift(timedelta(seconds=settings.SYNC_LOCK_TTL_SECONDS + 1))
    assert connection_lock_acquire(BankConnection.objects.get(pk=connection.pk)), "another sync takes over"
    with pytest.raises(LeaseLost):
        lease.beat(force=True)
