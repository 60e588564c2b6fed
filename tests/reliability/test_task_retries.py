"""Transient provider failures are retried by the Celery task with growing delays (never
sooner than the provider's Retry-After), then recorded; the next good sync heals. Real TrueLayer
client on recorded payloads; the task is delivered as a worker would (each retry it asks for
delivered again, nothing slept): eagerly it never retries (see test_sync_leases.py)."""

from __future__ import annotations

import pytest
import responses

from integrations_core.models import ConnectionStatus, SyncOutcome, SyncRun
from integrations_core.services.sync import connection_sync
from open_banking.models import BankConnection, BankTransaction
from tests.integrations_core.fakes import deliver_like_a_worker
from tests.open_banking.providers.test_truelayer import DATA

from .test_midsync_faults import BANKS, stored

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("failure", ["server_error", "rate_limited", "timeout", "malformed_json"])
def test_transient_failures_are_retried_by_the_task_with_growing_countdowns(user, rsps, monkeypatch, failure):
    from integrations_core.tasks import RETRY_BASE_SECONDS, sync_connection

    bank = BANKS["truelayer"]
    connection = bank.make_connection(user)
    spec, code = bank.failures[failure]
    bank.register(rsps, bank.payloads())
    rsps.replace(responses.GET, f"{DATA}/accounts", **spec)  # every attempt fails for the whole connection

    result, retry_spy = deliver_like_a_worker(sync_connection, args=[connection._meta.label, str(connection.pk)],
                                              monkeypatch=monkeypatch)

    assert result == "failed"
    assert len(retry_spy) == sync_connection.max_retries
    for attempt, countdown in enumerate(retry_spy):
        floor = RETRY_BASE_SECONDS * 2 ** attempt
        if failure == "rate_limited":
            floor = max(floor, 110)  # never sooner than the provider's Retry-After (120 s)
        assert floor <= countdown <= max(floor, RETRY_BASE_SECONDS * 2 ** attempt) + 30, (attempt, retry_spy)
    assert retry_spy == sorted(retry_spy) and retry_spy[0] < retry_spy[-1], "the delays grow"
    runs = list(SyncRun.objects.filter(connection_id=connection.pk))
    assert len(runs) == 1 + sync_connection.max_retries
    assert {(r.outcome, r.error_code) for r in runs} == {(SyncOutcome.FAILED, code)}
    assert not BankTransaction.objects.exists(), "a failure is never stored as an empty history"
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ERROR and connection.consecutive_failures == 4
    assert connection.user_state == ("rate_limited" if failure == "rate_limited" else "provider_down")

    # The next good sync heals: active, no error, the bank's data.
    rsps.reset()
    connection.retry_after = None
    connection.save(update_fields=["retry_after"])
    bank.register(rsps, bank.payloads())
    run = connection_sync(BankConnection.objects.get(pk=connection.pk))
    assert run.outcome == SyncOutcome.SUCCEEDED
    connection.refresh_from_db()
    assert (connection.status, connection.user_state, connection.consecutive_failures) == (
        ConnectionStatus.ACTIVE, "ok", 0)
    assert stored(connection) == bank.truth(bank.payloads())
