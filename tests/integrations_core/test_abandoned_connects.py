"""Connects left "Not finished" are tidied away by an hourly beat task once they are a day old."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from integrations_core.models import AuditEvent, ConnectionStatus
from integrations_core.tasks import tidy_abandoned_connects
from open_banking.models import BankConnection

pytestmark = pytest.mark.django_db


def test_only_old_unfinished_connects_are_tidied(make_connection, settings):
    settings.ABANDONED_CONNECT_HOURS = 24
    with time_machine.travel("2026-03-01 09:00 +00:00", tick=False):
        old = make_connection(status=ConnectionStatus.PENDING)
        active = make_connection()
        reauth = make_connection(status=ConnectionStatus.REAUTH_REQUIRED)
    with time_machine.travel("2026-03-02 08:00 +00:00", tick=False):
        young = make_connection(status=ConnectionStatus.PENDING)
    with time_machine.travel("2026-03-02 09:01 +00:00", tick=False):
        assert tidy_abandoned_connects() == 1
    assert not BankConnection.objects.filter(pk=old.pk).exists()
    assert set(BankConnection.objects.values_list("pk", flat=True)) == {active.pk, reauth.pk, young.pk}
    assert AuditEvent.objects.filter(action="connection.abandoned_tidied", connection_id=old.pk).exists()
    with time_machine.travel("2026-03-02 09:02 +00:00", tick=False):
        assert tidy_abandoned_connects() == 0  # idempotent


def test_a_pending_connection_that_once_synced_is_kept(make_connection):
    kept = make_connection(status=ConnectionStatus.PENDING, last_synced_at=timezone.now() - timedelta(days=5))
    BankConnection.objects.filter(pk=kept.pk).update(created_at=timezone.now() - timedelta(days=5))
    assert tidy_abandoned_connects() == 0


def test_the_tidy_is_in_the_beat_schedule():
    call_command("setup_schedules", stdout=io.StringIO())
    task = PeriodicTask.objects.get(name="tidy-abandoned-connects")
    assert task.task == "integrations_core.tasks.tidy_abandoned_connects" and task.enabled
