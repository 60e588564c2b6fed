"""Two syncs of the same connection at once (two threads, each with its own PostgreSQL
connection, against a slow provider): one runs, the other is skipped, nothing is duplicated.
The single-threaded lease checks are in tests/integrations_core/test_sync_engine.py."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connections

from integrations_core.models import ConnectionStatus, SyncOutcome, SyncRun
from integrations_core.providers.registry import registry
from integrations_core.services.sync import connection_sync
from open_banking.models import BankConnection, BankTransaction

from . import slowbank
from .conftest import needs_postgres

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def slow_provider(monkeypatch):
    monkeypatch.setenv("SLOWBANK_SLEEP", "1.5")
    provider = slowbank.SlowBankProvider()
    registry.register(provider)
    yield provider
    registry.unregister(provider.slug)


def test_two_syncs_at_once_one_runs_one_is_skipped_no_duplicates(user, slow_provider):
    connection = BankConnection.objects.create(user=user, provider="slowbank", status=ConnectionStatus.ACTIVE)
    start = threading.Barrier(2, timeout=10)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def sync() -> None:
        try:
            mine = BankConnection.objects.get(pk=connection.pk)
            start.wait()
            outcomes.append(connection_sync(mine, trigger="manual").outcome)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()  # this thread's own database connection

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a sync hung"
    assert not errors, errors

    assert sorted(outcomes) == [SyncOutcome.SKIPPED, SyncOutcome.SUCCEEDED]
    skipped = SyncRun.objects.get(connection_id=connection.pk, outcome=SyncOutcome.SKIPPED)
    assert (skipped.added, skipped.error_code, skipped.next_action) == (0, "already_running", "none")
    rows = Counter(BankTransaction.objects.filter(account__connection=connection).values_list(
        "account__external_id", "external_id"))
    expected = Counter((a.external_id, t.external_id) for a in slowbank.ACCOUNTS
                       for t in slowbank.expected_transactions(a.external_id))
    assert rows == expected, "every row exactly once"
    assert BankConnection.objects.get(pk=connection.pk).sync_lock_token == "", "the lease was released"
