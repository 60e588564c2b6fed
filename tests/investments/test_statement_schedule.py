"""A statement connection has nothing to fetch: the daily run and the retry sweep never queue
it, while an API platform beside it is queued (the providers registered in settings)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations_core.models import ConnectionStatus
from integrations_core.providers.base import AuthType, Capability, Family
from integrations_core.providers.registry import registry
from integrations_core.services import schedule
from investments.models import InvestmentConnection

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def statement_slugs() -> list[str]:
    return sorted(p.slug for p in registry.all() if p.auth_type == AuthType.FILE_UPLOAD
                  and p.family == Family.INVESTMENTS)


def test_every_registered_statement_provider_is_left_out_of_scheduled_syncs():
    slugs = statement_slugs()
    assert len(slugs) == 7  # all seven importers are registered...
    assert not set(slugs) & set(registry.slugs_with(Capability.SCHEDULED_SYNC))  # ...none scheduled
    assert {"trading212", "ibkr_flex"} <= set(registry.slugs_with(Capability.SCHEDULED_SYNC))
    # The bank statement provider (banking family) is a file import too: never scheduled.
    bank_files = [p.slug for p in registry.all() if p.auth_type == AuthType.FILE_UPLOAD and p.family == Family.BANKING]
    assert len(bank_files) == 1 and not set(bank_files) & set(registry.slugs_with(Capability.SCHEDULED_SYNC))


def test_the_daily_run_and_the_sweep_queue_the_api_platform_only(user, monkeypatch):
    queued: list = []
    monkeypatch.setattr(schedule, "_queue",
                        lambda model, pks, **kwargs: queued.extend((model, pk) for pk in pks) or len(pks))
    overdue = NOW - timedelta(days=3)
    files = [InvestmentConnection.objects.create(user=user, provider=slug, status=ConnectionStatus.ACTIVE,
                                                 institution_name=slug, next_sync_at=overdue)
             for slug in statement_slugs()]
    api = InvestmentConnection.objects.create(user=user, provider="trading212", status=ConnectionStatus.ACTIVE,
                                              institution_name="Trading 212", next_sync_at=overdue)
    assert schedule.connections_queue_daily(NOW) == 1
    assert schedule.connections_queue_retries(NOW) == 1
    assert queued == [(InvestmentConnection, api.pk)] * 2
    assert not {pk for _, pk in queued} & {c.pk for c in files}
