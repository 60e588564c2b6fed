"""The runners per kind of source (integrations_core/services/runners/): the engine picks one by
the protocol the bound source satisfies; the cursor runner applies explicit changes and moves
the cursor only with them; the snapshot runner hands each account's portfolio to its writer."""

from __future__ import annotations

import sys
import types
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from integrations_core.models import ConnectionStatus, SyncOutcome
from integrations_core.providers.base import Capability
from integrations_core.providers.registry import registry
from integrations_core.records import (
    AccountRecord,
    ChangeSet,
    HoldingSnapshotRecord,
    PortfolioData,
    RemovedRecord,
)
from integrations_core.selectors import connections_due
from integrations_core.services.imports import ImportResult
from integrations_core.services.runners import (
    SOURCE_RUNNERS,
    cursor_run,
    per_account_run,
    runner_for,
    snapshot_run,
)
from integrations_core.services.sync import connection_sync
from open_banking.models import BankAccount, BankConnection, BankTransaction

from .fakes import FakeBankProvider, FakeCursorProvider, FakeSource, txn

pytestmark = pytest.mark.django_db
ACCOUNT = AccountRecord(external_id="acc-1", name="Current", type="current", currency="GBP")


def page(cursor, *, added=(), modified=(), removed=(), has_more=False):
    return ChangeSet(accounts=[ACCOUNT], added={"acc-1": list(added)} if added else {},
                     modified={"acc-1": list(modified)} if modified else {},
                     removed=[RemovedRecord("acc-1", ext) for ext in removed], next_cursor=cursor, has_more=has_more)


@pytest.fixture
def cursor_provider():
    provider = FakeCursorProvider()
    registry.register(provider)
    yield provider
    registry.unregister(provider.slug)


@pytest.fixture
def cursor_connection(user, cursor_provider):
    return BankConnection.objects.create(user=user, provider=cursor_provider.slug, status=ConnectionStatus.ACTIVE,
                                         access_token="access-token-secret-AAA")


def rows() -> dict[str, tuple]:
    return {t.external_id: (t.amount, t.description) for t in BankTransaction.objects.all()}


def cursor_of(connection) -> str | None:
    connection.refresh_from_db()
    return connection.sync_state.get("cursor")


def test_each_kind_of_source_gets_its_runner(cursor_provider, user):
    connection = BankConnection(user=user, provider="x")
    assert runner_for(FakeSource(FakeBankProvider(), connection)) is per_account_run
    assert runner_for(cursor_provider.bind(connection)) is cursor_run

    class Portfolio:
        calls = 0

        def list_accounts(self): ...

        def fetch_portfolio(self, account, *, since): ...

    assert runner_for(Portfolio()) is snapshot_run
    # The core's own kinds, in this order, after the kinds families registered (runner_register
    # puts those first: payments' ActivitySource, accounting's BooksSource).
    assert [kind.__name__ for kind, _ in SOURCE_RUNNERS][-4:] == ["SnapshotSource", "ValuationSource", "CursorSource",
                                                                  "AccountDataSource"]


def test_added_modified_and_removed_are_applied(cursor_provider, cursor_connection):
    cursor_provider.pages[None] = page("c1", added=[txn("t1", date(2026, 3, 1), "-5.00"),
                                                    txn("t2", date(2026, 3, 2), "-7.00")], has_more=True)
    cursor_provider.pages["c1"] = page("c2", added=[txn("t3", date(2026, 3, 3), "-9.00")])
    run = connection_sync(cursor_connection)
    assert run.outcome == SyncOutcome.SUCCEEDED and run.added == 3
    assert cursor_of(cursor_connection) == "c2"

    cursor_provider.pages["c2"] = page("c3", modified=[txn("t1", date(2026, 3, 1), "-5.50", "CAFE")],
                                       removed=["t2"])
    run = connection_sync(cursor_connection)
    assert (run.outcome, run.updated, run.removed) == (SyncOutcome.SUCCEEDED, 1, 1)
    assert rows() == {"t1": (Decimal("-5.50"), "CAFE"), "t3": (Decimal("-9.00"), "COFFEE SHOP")}
    assert cursor_of(cursor_connection) == "c3"
    assert BankAccount.objects.get().last_synced_at is not None


def test_reading_the_same_cursor_twice_changes_nothing(cursor_provider, cursor_connection):
    cursor_provider.pages[None] = page("c1", added=[txn("t1", date(2026, 3, 1), "-5.00")])
    connection_sync(cursor_connection)
    before = list(BankTransaction.objects.values())
    cursor_connection.sync_state = {}  # as after a crash between the write and a later save
    cursor_connection.save()
    run = connection_sync(cursor_connection)
    assert (run.added, run.updated, run.removed) == (0, 0, 0)
    assert list(BankTransaction.objects.values()) == before


def test_a_mutation_during_pagination_restarts_once_from_the_start_cursor(cursor_provider, cursor_connection):
    cursor_connection.sync_state = {"cursor": "c0"}
    cursor_connection.save()
    cursor_provider.pages["c0"] = page("c1", added=[txn("t1", date(2026, 3, 1), "-5.00")], has_more=True)
    cursor_provider.pages["c1"] = page("c2", added=[txn("t2", date(2026, 3, 2), "-6.00")])
    cursor_provider.restarts = {"c1"}
    run = connection_sync(cursor_connection)
    assert cursor_provider.cursors_seen == ["c0", "c1", "c0", "c1"]
    assert run.outcome == SyncOutcome.SUCCEEDED and set(rows()) == {"t1", "t2"}
    assert cursor_of(cursor_connection) == "c2"


def test_a_second_mutation_fails_the_sync_and_keeps_the_cursor(cursor_provider, cursor_connection):
    cursor_connection.sync_state = {"cursor": "c0"}
    cursor_connection.save()
    cursor_provider.pages["c0"] = page("c1", added=[txn("t1", date(2026, 3, 1), "-5.00")], has_more=True)
    cursor_provider.pages["c1"] = page("c2")

    class AlwaysRestart(set):
        def discard(self, item):  # never forgets: every read of c1 sees a mutation
            pass

    cursor_provider.restarts = AlwaysRestart({"c1"})
    run = connection_sync(cursor_connection)
    assert (run.outcome, run.error_code) == (SyncOutcome.FAILED, "cursor_restart")
    assert cursor_of(cursor_connection) == "c0" and rows() == {}


def test_the_cursor_is_not_advanced_when_a_write_fails(cursor_provider, cursor_connection, settings):
    cursor_connection.sync_state = {"cursor": "c0"}
    cursor_connection.save()
    cursor_provider.pages["c0"] = page("c1", added=[txn("t1", date(2026, 3, 1), "-5.00")])
    settings.SYNC_PRE_INSERT_HOOKS = ["tests.integrations_core.test_runners.failing_insert_hook"]
    with pytest.raises(RuntimeError):
        connection_sync(cursor_connection)
    assert cursor_of(cursor_connection) == "c0" and rows() == {}
    assert not BankAccount.objects.exists()  # the account's upsert rolled back with the rows

    settings.SYNC_PRE_INSERT_HOOKS = []
    run = connection_sync(cursor_connection)  # the next sync reads the same changes again
    assert run.outcome == SyncOutcome.SUCCEEDED and set(rows()) == {"t1"}
    assert cursor_of(cursor_connection) == "c1"


def failing_insert_hook(*, account, rows):
    raise RuntimeError("disk full")


def test_the_daily_run_picks_only_providers_that_sync_on_a_schedule(make_connection, fake_provider, monkeypatch):
    from django.utils import timezone

    bank = make_connection()
    assert list(connections_due(BankConnection, timezone.now())) == [bank]
    monkeypatch.setattr(fake_provider, "capabilities", fake_provider.capabilities - {Capability.SCHEDULED_SYNC})
    assert list(connections_due(BankConnection, timezone.now())) == []
    assert set(registry.slugs_with(Capability.SCHEDULED_SYNC)) >= {"truelayer", "gocardless"}


class FakePortfolioSource:
    calls = 0

    def __init__(self, fail_for=()):
        self.fail_for = set(fail_for)
        self.since_seen = []

    def list_accounts(self):
        return [AccountRecord(external_id=ext, name=f"ISA {ext}", type="investment", currency="GBP")
                for ext in ("isa-1", "isa-2")]

    def fetch_portfolio(self, account, *, since):
        from integrations_core.providers.errors import ProviderUnavailable

        self.since_seen.append((account.external_id, since))
        if account.external_id in self.fail_for:
            raise ProviderUnavailable()
        return PortfolioData(account=account, snapshot=HoldingSnapshotRecord(
            as_of=datetime(2026, 3, 1, tzinfo=UTC)))


@pytest.fixture
def fake_portfolio_writer(monkeypatch):
    """The portfolio write path is another module's (services/imports/portfolio.py); a stand-in."""
    written = []

    def portfolio_import(account, data):
        written.append((account.external_id, data.snapshot.as_of))
        return ImportResult(added=2)

    module = types.ModuleType("integrations_core.services.imports.portfolio")
    module.portfolio_import = portfolio_import
    monkeypatch.setitem(sys.modules, "integrations_core.services.imports.portfolio", module)
    return written


def test_the_snapshot_runner_writes_each_accounts_portfolio(fake_provider, connection, monkeypatch,
                                                            fake_portfolio_writer):
    source = FakePortfolioSource(fail_for={"isa-2"})
    monkeypatch.setattr(fake_provider, "bind", lambda connection: source)
    run = connection_sync(connection)
    assert fake_portfolio_writer == [("isa-1", datetime(2026, 3, 1, tzinfo=UTC))]
    assert run.outcome == SyncOutcome.PARTIAL and run.added == 2
    assert run.account_results["isa-1"]["status"] == "ok"
    assert run.account_results["isa-2"]["error_code"] == "provider_down"
    assert source.since_seen == [("isa-1", None), ("isa-2", None)]
    assert BankAccount.objects.get(external_id="isa-2").sync_error_code == "provider_down"
