"""Revoked connections' data is kept for the retention period, then purged by the daily task."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from integrations_core.models import AuditEvent, ConnectionStatus
from integrations_core.services.connections import connection_revoke
from integrations_core.tasks import purge_revoked_connections
from open_banking.models import BankAccount, BankConnection, BankTransaction

pytestmark = pytest.mark.django_db


def with_data(connection):
    account = BankAccount.objects.create(connection=connection, external_id="a", name="A", currency="GBP")
    BankTransaction.objects.create(account=account, external_id="t", fingerprint="f", booked_date=date(2026, 1, 1),
                                   amount=Decimal("-1.00"), currency="GBP", description="X")
    return connection


def test_purge_respects_retention(make_connection, fake_provider, settings):
    settings.REVOKED_DATA_RETENTION_DAYS = 30
    old = with_data(make_connection())
    recent = with_data(make_connection())
    active = with_data(make_connection())
    connection_revoke(old)
    connection_revoke(recent)
    BankConnection.objects.filter(pk=old.pk).update(revoked_at=timezone.now() - timedelta(days=31))
    assert purge_revoked_connections() == 1
    assert not BankConnection.objects.filter(pk=old.pk).exists()
    assert not BankTransaction.objects.filter(account__connection_id=old.pk).exists()
    assert BankTransaction.objects.filter(account__connection_id=recent.pk).count() == 1
    assert BankTransaction.objects.filter(account__connection_id=active.pk).count() == 1
    assert AuditEvent.objects.filter(action="connection.purged", connection_id=old.pk).exists()


def test_revoke_records_when_and_keeps_data_unless_asked(make_connection, fake_provider):
    kept = connection_revoke(with_data(make_connection()))
    assert kept.status == ConnectionStatus.REVOKED and kept.revoked_at is not None
    assert BankTransaction.objects.filter(account__connection=kept).count() == 1
    dropped = connection_revoke(with_data(make_connection()), delete_data=True)
    assert not BankAccount.objects.filter(connection=dropped).exists()
    event = AuditEvent.objects.filter(action="connection.revoked", connection_id=dropped.pk).get()
    assert event.details["data_deleted"] is True and event.details["rows_deleted"] >= 2
