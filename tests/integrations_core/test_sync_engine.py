"""The sync engine: lock, token refresh, per-account isolation, the connection state machine,
SyncRun records and backoff."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from integrations_core.models import ConnectionStatus, ProviderSetting, SyncOutcome, SyncRun
from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderAuthError,
    ProviderUnavailable,
    RateLimited,
)
from integrations_core.records import AccountRecord
from integrations_core.services.sync import (
    connection_lock_acquire,
    connection_lock_release,
    connection_sync,
)
from open_banking.models import BankConnection, BankTransaction

from .fakes import txn

pytestmark = pytest.mark.django_db
D = date(2026, 11, 1)


def reload(connection):
    return BankConnection.objects.get(pk=connection.pk)


def test_lock_is_exclusive_and_released(connection):
    token = connection_lock_acquire(connection)
    assert token
    assert connection_lock_acquire(connection) is None
    connection_lock_release(connection, token)
    assert connection_lock_acquire(connection)


def test_every_attempt_gets_a_fresh_token_and_an_expired_lease_can_be_taken(connection):
    first = connection_lock_acquire(connection)
    assert first and connection_lock_acquire(connection) is None  # nobody retakes a live lease
    BankConnection.objects.filter(pk=connection.pk).update(sync_lock_expires_at=timezone.now() - timedelta(seconds=1))
    second = connection_lock_acquire(connection)
    assert second and second != first


def test_overlapping_sync_is_skipped_and_writes_nothing(connection, fake_provider):
    fake_provider.data["acc-1"] = {"booked": [txn("t1", D, "-3.00")]}
    connection_lock_acquire(connection)  # someone else's sync holds it
    run = connection_sync(connection)
    assert (run.outcome, run.error_code) == (SyncOutcome.SKIPPED, "already_running")
    assert BankTransaction.objects.count() == 0
    assert fake_provider.seen_tokens == []


def test_successful_sync_records_run_and_state(connection, fake_provider):
    fake_provider.data["acc-1"] = {"booked": [txn("t1", D, "-3.00"), txn("t2", D, "1500.00", "SALARY")],
                                   "balance": "1234.56"}
    run = connection_sync(connection, trigger="manual")
    assert run.outcome == SyncOutcome.SUCCEEDED and run.added == 2 and run.provider_calls == 4
    assert run.account_results["acc-1"]["status"] == "ok"
    fresh = reload(connection)
    assert fresh.status == ConnectionStatus.ACTIVE and fresh.last_synced_at and fresh.next_sync_at > timezone.now()
    assert fresh.accounts.get().current_balance == pytest.approx(__import__("decimal").Decimal("1234.56"))
    assert fresh.sync_lock_token == ""  # released
    # Incremental: the second sync asks only from the last booked date minus the overlap.
    connection_sync(fresh)
    assert fake_provider.since_seen[0] == ("acc-1", None)
    assert fake_provider.since_seen[1] == ("acc-1", D - timedelta(days=10))


def test_one_failing_account_does_not_sink_the_others(connection, fake_provider):
    fake_provider.accounts.append(AccountRecord(external_id="acc-2", name="Savings", type="savings", currency="GBP"))
    fake_provider.data["acc-1"] = {"booked": [txn("t1", D, "-3.00")]}
    fake_provider.data["acc-2"] = {"booked": [txn("t9", D, "-9.00")]}
    fake_provider.failures["fetch:acc-2"] = ProviderUnavailable()
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.PARTIAL
    assert run.account_results["acc-1"]["status"] == "ok"
    assert run.account_results["acc-2"] == {"name": "Savings", "status": "failed", "error_code": "provider_down",
                                            "error": ProviderUnavailable.user_message}
    assert list(BankTransaction.objects.values_list("external_id", flat=True)) == ["t1"]


def test_failure_mid_account_keeps_stored_data(connection, fake_provider):
    fake_provider.data["acc-1"] = {"booked": [txn("t1", D, "-3.00")]}
    connection_sync(connection)
    fake_provider.failures["list_accounts"] = BadProviderResponse()
    run = connection_sync(reload(connection))
    assert run.outcome == SyncOutcome.FAILED and run.error_code == "bad_response" and run.next_action == "retry_later"
    assert BankTransaction.objects.count() == 1
    fresh = reload(connection)
    assert fresh.consecutive_failures == 1 and fresh.user_state == "provider_down"


@pytest.mark.parametrize("error", [ConsentExpired(), ProviderAuthError()])
def test_auth_failures_require_reconnect(connection, fake_provider, error):
    fake_provider.failures["list_accounts"] = [error, error]
    fake_provider.refresh_error = ConsentExpired(provider_code="invalid_grant") if isinstance(
        error, ProviderAuthError) and not isinstance(error, ConsentExpired) else None
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.FAILED and run.next_action == "reconnect"
    fresh = reload(connection)
    assert fresh.status == ConnectionStatus.REAUTH_REQUIRED and fresh.user_state == "reauth_required"


def test_refused_token_is_refreshed_once_and_retried(connection, fake_provider):
    fake_provider.failures["list_accounts"] = [ProviderAuthError(), None]
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED
    assert fake_provider.refresh_calls == 1
    assert fake_provider.seen_tokens == ["access-token-secret-AAA", "access-refreshed-1"]
    assert reload(connection).access_token == "access-refreshed-1"


def test_token_near_expiry_is_refreshed_before_fetching(make_connection, fake_provider):
    connection = make_connection(token_expires_at=timezone.now() + timedelta(minutes=1))
    connection_sync(connection)
    assert fake_provider.refresh_calls == 1
    assert fake_provider.seen_tokens == ["access-refreshed-1"]


def test_success_clears_reauth_and_errors(make_connection, fake_provider):
    connection = make_connection(status=ConnectionStatus.ERROR, last_error="x", last_error_code="provider_down",
                                 consecutive_failures=4)
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED
    fresh = reload(connection)
    assert (fresh.status, fresh.last_error, fresh.consecutive_failures) == (ConnectionStatus.ACTIVE, "", 0)


def test_rate_limit_sets_retry_after_and_user_state(connection, fake_provider):
    fake_provider.failures["list_accounts"] = RateLimited(retry_after=7200)
    run = connection_sync(connection)
    assert run.error_code == "rate_limited"
    fresh = reload(connection)
    assert fresh.user_state == "rate_limited"
    assert fresh.retry_after > timezone.now() + timedelta(minutes=110)
    assert fresh.next_sync_at >= fresh.retry_after


def test_repeated_failures_back_off_exponentially(connection, fake_provider, settings):
    settings.SYNC_BACKOFF_BASE_SECONDS = 100
    delays = []
    for _ in range(4):
        fake_provider.failures["list_accounts"] = ProviderUnavailable()
        connection_sync(reload(connection))
        fresh = reload(connection)
        delays.append((fresh.next_sync_at - timezone.now()).total_seconds())
    assert reload(connection).consecutive_failures == 4
    # Full jitter within [ceiling/2, ceiling]: each ceiling doubles.
    for n, delay in enumerate(delays):
        ceiling = 100 * 2 ** n
        assert ceiling / 2 - 2 <= delay <= ceiling + 1


@pytest.mark.parametrize("status", [ConnectionStatus.REVOKED, ConnectionStatus.PENDING,
                                    ConnectionStatus.REAUTH_REQUIRED, ConnectionStatus.EXPIRED])
def test_unsyncable_states_do_not_call_the_provider(make_connection, fake_provider, status):
    run = connection_sync(make_connection(status=status))
    assert run.outcome == SyncOutcome.FAILED and run.next_action == "contact_support"
    assert fake_provider.seen_tokens == []
    assert reload(BankConnection.objects.get(pk=run.connection_id)).status == status


def test_disabled_provider_is_not_synced(connection, fake_provider):
    ProviderSetting.objects.create(provider="fakebank", enabled=False)
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.FAILED and fake_provider.seen_tokens == []


def test_vanished_account_is_hidden_not_deleted(connection, fake_provider):
    fake_provider.data["acc-1"] = {"booked": [txn("t1", D, "-3.00")]}
    connection_sync(connection)
    fake_provider.accounts.clear()
    connection_sync(reload(connection))
    account = reload(connection).accounts.get()
    assert account.is_active is False and account.transactions.count() == 1


def test_every_run_is_recorded(connection, fake_provider):
    connection_sync(connection)
    fake_provider.failures["list_accounts"] = ProviderUnavailable()
    connection_sync(reload(connection))
    assert list(SyncRun.objects.order_by("started_at").values_list("outcome", flat=True)) == [
        SyncOutcome.SUCCEEDED, SyncOutcome.FAILED]


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_reports_broker_down(connection, monkeypatch):
    from kombu.exceptions import OperationalError

    from integrations_core.services.sync import SyncQueueUnavailable, connection_sync_enqueue
    from integrations_core.tasks import sync_connection

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(sync_connection, "apply_async", broker_down)
    with pytest.raises(SyncQueueUnavailable):
        connection_sync_enqueue(connection)
    assert SyncRun.objects.count() == 0


def test_every_account_rate_limited_sets_retry_after(connection, fake_provider):
    fake_provider.failures["fetch:acc-1"] = RateLimited(retry_after=3600)
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.FAILED and run.error_code == "rate_limited"
    fresh = reload(connection)
    assert fresh.user_state == "rate_limited"
    assert fresh.retry_after > timezone.now() + timedelta(minutes=55)


def test_manual_request_fills_in_its_queued_run(connection, fake_provider):
    from integrations_core.services.sync import connection_sync_request

    run = connection_sync_request(connection)  # eager worker in tests: already done
    assert run.outcome == SyncOutcome.SUCCEEDED and run.trigger == "manual"
    assert SyncRun.objects.filter(connection_id=connection.pk).count() == 1


def test_released_lease_is_cleared_on_the_object_too(connection, fake_provider):
    connection_sync(connection)
    assert connection.sync_lock_token == "" and connection.sync_lock_expires_at is None
    connection.save()  # a full save of the same object must not write the lease back
    assert reload(connection).sync_lock_token == ""
