"""The shared contract for snapshot sources (investment platforms), after the banks' one
(tests/open_banking/providers/contract.py): every platform passes the same connect, sync,
re-sync and failure tests against its sandbox mock, reached in-process (router.py).

A provider's test class subclasses SnapshotSourceContract and supplies the hooks at the bottom:
its provider, how valid, refused (401) and scope-less (403) credentials look, how its 429 and a
malformed body are produced, how a history page or the snapshot call fails, and how a trade is
hidden from its answers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import responses
import time_machine
from django.core.cache import cache
from django.utils import timezone

from integrations_core.models import ConnectionStatus, SyncOutcome
from integrations_core.providers.registry import registry
from integrations_core.services.sync import connection_sync
from investments.models import (
    Holding,
    HoldingSnapshot,
    InvestmentAccount,
    InvestmentConnection,
    InvestmentTransaction,
)

from .router import SandboxRouter

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SANDBOX_TODAY = date(2026, 3, 10)


def _values(model, moving: tuple[str, ...] = ()) -> list:
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in moving]
    return sorted(model.objects.values_list(*names), key=str)


SNAPSHOT_TIMES = ("as_of", "price_as_of", "updated_at")


def table_state() -> list:
    """Every row a sync may write. An account's sync timestamps move on every sync by design, and
    so does the time a snapshot's prices were read (a later read is later, whatever it says)."""
    accounts = sorted(InvestmentAccount.objects.values_list("id", "external_id", "name", "wrapper", "currency",
                                                            "current_snapshot_id", "is_active", "raw"), key=str)
    rows = [_values(InvestmentTransaction), _values(HoldingSnapshot, SNAPSHOT_TIMES), _values(Holding, SNAPSHOT_TIMES)]
    return [accounts, *rows]


class SnapshotSourceContract:
    slug: str
    expected_accounts = 1
    expected_wrapper: str

    # --- fixtures -----------------------------------------------------------------------------
    @pytest.fixture(autouse=True)
    def clock(self, monkeypatch):
        """Our clock frozen (moved only by the tests), the sandbox's book fixed on one day."""
        monkeypatch.setattr("sandbox.clock.today", lambda: SANDBOX_TODAY)
        monkeypatch.setattr("sandbox.clock.now", lambda: datetime.combine(SANDBOX_TODAY, NOW.timetz()))
        cache.clear()
        with time_machine.travel(NOW, tick=False) as traveller:
            monkeypatch.setattr("time.sleep", lambda seconds: traveller.shift(timedelta(seconds=seconds)))
            yield traveller
        cache.clear()

    @pytest.fixture
    def router(self, settings, db):
        settings.PROVIDER_HTTP_RETRIES = 0
        self.configure(settings)
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            yield SandboxRouter(mock)

    @pytest.fixture
    def provider(self, router):
        provider = self.make_provider()
        registry.register(provider)
        yield provider
        registry.unregister(provider.slug)

    @pytest.fixture
    def connect(self, api_client, provider, django_capture_on_commit_callbacks):
        def connect(credentials: dict) -> tuple:
            with django_capture_on_commit_callbacks(execute=True):
                response = api_client.post("/api/v1/connections/", {"provider": self.slug, "credentials": credentials},
                                           format="json")
            return response, InvestmentConnection.objects.filter(provider=self.slug).first()
        return connect

    @pytest.fixture
    def synced(self, connect, clock) -> InvestmentConnection:
        response, connection = connect(self.valid_credentials())
        assert response.status_code == 201, response.content
        clock.shift(timedelta(minutes=2))  # past every quota the first sync spent
        return connection

    def sync(self, connection, clock=None) -> object:
        connection.refresh_from_db()
        connection.retry_after = None
        connection.save(update_fields=["retry_after"])
        return connection_sync(connection, trigger="manual")

    # --- connect ------------------------------------------------------------------------------
    def test_valid_key_connects_active_and_the_first_sync_writes_the_portfolio(self, connect):
        response, connection = connect(self.valid_credentials())
        assert response.status_code == 201, response.content
        assert connection.status == ConnectionStatus.ACTIVE and connection.last_synced_at is not None
        accounts = InvestmentAccount.objects.filter(connection=connection)
        assert accounts.count() == self.expected_accounts
        for account in accounts:
            assert account.current_snapshot is not None and account.current_snapshot.holdings.exists()
            assert account.wrapper == self.expected_wrapper  # from the AccountRecord's extra
            assert account.last_synced_at is not None
        assert InvestmentTransaction.objects.filter(account__connection=connection).exists()

    def test_bad_key_stores_nothing(self, connect):
        response, connection = connect(self.refused_credentials())
        assert response.status_code == 400, response.content
        assert connection is None and not InvestmentAccount.objects.exists()

    # --- sync ---------------------------------------------------------------------------------
    def test_resync_of_unchanged_data_changes_nothing(self, synced):
        before = table_state()
        run = self.sync(synced)
        assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
        [result] = run.account_results.values()
        assert result["transactions"] == {"added": 0, "updated": 0, "removed": 0}
        assert (result["holdings"]["added"], result["holdings"]["removed"]) == (0, 0)
        assert table_state() == before

    def test_a_trade_gone_inside_the_window_is_removed_outside_kept(self, synced, router, clock):
        clock.shift(timedelta(days=1))  # an incremental sync: its window is the overlap
        last = timezone.now() - timedelta(days=self.last_synced_days_ago)
        InvestmentAccount.objects.filter(connection=synced).update(last_synced_at=last)
        since = timezone.localdate(last) - timedelta(days=10)
        trades = InvestmentTransaction.objects.filter(type__in=("buy", "sell"))
        inside = trades.filter(booked_date__gt=since + timedelta(days=1), booked_date__lte=SANDBOX_TODAY - timedelta(
            days=self.window_end_lag)).first()
        outside = trades.filter(booked_date__lt=since).order_by("-booked_date").first()
        assert inside is not None and outside is not None
        self.hide_transaction(router, inside.external_id)
        self.hide_transaction(router, outside.external_id)
        run = self.sync(synced)
        assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
        assert run.removed == 1
        assert not InvestmentTransaction.objects.filter(pk=inside.pk).exists()
        assert InvestmentTransaction.objects.filter(pk=outside.pk).exists()

    # --- failures -----------------------------------------------------------------------------
    def test_401_needs_reauth_and_nothing_is_lost(self, synced):
        before = table_state()
        synced.credentials = self.refused_credentials()
        synced.save(update_fields=["credentials"])
        run = self.sync(synced)
        synced.refresh_from_db()
        assert run.outcome == SyncOutcome.FAILED and synced.status == ConnectionStatus.REAUTH_REQUIRED
        assert table_state() == before

    def test_403_scope_names_the_scope_and_keeps_the_snapshot_written(self, synced):
        scoped = self.scope_missing_credentials()
        if scoped is None:
            pytest.skip(f"{self.slug} keys have no scopes")
        credentials, scope = scoped
        history = sorted(InvestmentTransaction.objects.values_list("id", "updated_at"))
        synced.credentials = credentials
        synced.save(update_fields=["credentials"])
        run = self.sync(synced)
        assert run.outcome in (SyncOutcome.PARTIAL, SyncOutcome.FAILED)
        [result] = run.account_results.values()
        assert result["error_code"] == "scope_missing" and scope in result["error"]
        account = InvestmentAccount.objects.get(connection=synced)
        assert scope in account.sync_error
        assert sorted(InvestmentTransaction.objects.values_list("id", "updated_at")) == history
        assert account.current_snapshot is not None

    def test_429_waits_until_the_reset_and_nothing_is_lost(self, synced, router):
        before = table_state()
        synced.credentials = self.rate_limited_credentials()
        synced.save(update_fields=["credentials"])
        run = self.sync(synced)
        synced.refresh_from_db()
        assert run.outcome == SyncOutcome.FAILED and run.error_code == "rate_limited"
        wait = self.expected_retry_after(router)
        assert synced.retry_after == timezone.now() + timedelta(seconds=wait)
        assert synced.next_sync_at >= synced.retry_after
        assert table_state() == before

    def test_malformed_answer_fails_the_run_and_keeps_the_snapshot(self, synced):
        before = table_state()
        synced.credentials = self.malformed_credentials()
        synced.save(update_fields=["credentials"])
        run = self.sync(synced)
        assert run.outcome == SyncOutcome.FAILED and run.error_code == "bad_response"
        assert table_state() == before

    def test_history_page_two_failing_writes_no_half_history(self, connect, router):
        self.fail_history_page_two(router)
        response, connection = connect(self.valid_credentials())
        assert response.status_code == 201
        assert not InvestmentTransaction.objects.exists(), "page one alone is never written"
        for account in InvestmentAccount.objects.filter(connection=connection):
            assert account.sync_error_code  # the person sees why the history is missing

    def test_snapshot_call_failing_keeps_the_last_good_snapshot(self, synced, router):
        before = table_state()
        self.fail_snapshot(router)
        run = self.sync(synced)
        assert run.outcome == SyncOutcome.FAILED
        assert table_state() == before

    # --- hooks each provider supplies ---------------------------------------------------------
    window_end_lag = 0  # days before today the provider's answers end (a statement ends yesterday)
    last_synced_days_ago = 0  # how far back the last sync was, so the overlap window holds a trade

    def configure(self, settings) -> None:
        """Point the provider's host settings at router.HOST."""
        raise NotImplementedError

    def make_provider(self):
        raise NotImplementedError

    def valid_credentials(self) -> dict:
        raise NotImplementedError

    def refused_credentials(self) -> dict:
        raise NotImplementedError

    def scope_missing_credentials(self) -> tuple[dict, str] | None:
        """Credentials the platform answers 403 with for a scope the sync needs, and the scope."""
        raise NotImplementedError

    def rate_limited_credentials(self) -> dict:
        raise NotImplementedError

    def expected_retry_after(self, router: SandboxRouter) -> float:
        """The wait the 429 said (from its reset header, or the provider's documented default)."""
        raise NotImplementedError

    def malformed_credentials(self) -> dict:
        raise NotImplementedError

    def fail_history_page_two(self, router: SandboxRouter) -> None:
        raise NotImplementedError

    def fail_snapshot(self, router: SandboxRouter) -> None:
        raise NotImplementedError

    def hide_transaction(self, router: SandboxRouter, external_id: str) -> None:
        raise NotImplementedError
