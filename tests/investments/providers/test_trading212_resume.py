"""A history bigger than a minute's quota: repeated syncs, each after the wait the last one
asked for, converge on the whole history with no duplicates and never a 429 (the sandbox
counts), and the daily sync after that reads one page per history endpoint."""

from __future__ import annotations

from datetime import timedelta

import pytest

from integrations_core.models import SyncOutcome
from integrations_core.services.runners.snapshot import RESUME_KEY
from integrations_core.services.sync import connection_sync
from investments.models import InvestmentTransaction

from .test_trading212_contract import Trading212Contract

HISTORY = ("/history/orders", "/history/dividends", "/history/transactions")


class TestResumableHistory(Trading212Contract):
    """Reuses the contract's fixtures (router, clock, connect) with pages of 5 items."""

    @pytest.fixture(autouse=True)
    def small_pages(self, monkeypatch):
        monkeypatch.setattr("investments.providers.trading212.client.PAGE_LIMIT", 5)

    def test_syncs_converge_on_the_full_history_within_the_limits(self, connect, router, clock):
        response, connection = connect(self.valid_credentials())
        assert response.status_code == 201
        runs = 0
        connection.refresh_from_db()
        while RESUME_KEY in (connection.sync_state or {}) and runs < 20:
            latest = _latest_run(connection)
            assert latest.outcome == SyncOutcome.PARTIAL and latest.next_action == "retry_later"
            [result] = latest.account_results.values()
            assert result["error_code"] == "rate_limited" and result["retry_after"] > 0
            assert connection.next_sync_at >= latest.finished_at + timedelta(seconds=result["retry_after"])
            clock.shift(timedelta(seconds=result["retry_after"] + 1))
            connection_sync(connection, trigger="scheduled")
            connection.refresh_from_db()
            runs += 1
        assert runs >= 2, "the history needed more than one minute's quota"
        assert RESUME_KEY not in connection.sync_state
        assert _latest_run(connection).outcome == SyncOutcome.SUCCEEDED
        assert router.count("/api/v0/", status=429) == 0, "never a call past an endpoint's limit"
        # Everything the platform has, once each.
        ids = list(InvestmentTransaction.objects.values_list("external_id", flat=True))
        assert len(ids) == len(set(ids))
        full = set(ids)
        assert len(full) > 100

        # The next day's sync reads only the overlap: one page per history endpoint.
        clock.shift(timedelta(days=1))
        router.reset_calls()
        run = connection_sync(connection, trigger="scheduled")
        assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
        for path in HISTORY:
            assert router.count(path) <= 1, (path, router.count(path))
        assert set(InvestmentTransaction.objects.values_list("external_id", flat=True)) == full


# Only the fixtures are borrowed: the contract's own tests run (with full pages) in test_trading212_contract.py.
for _name in [n for n in dir(Trading212Contract) if n.startswith("test_")]:
    setattr(TestResumableHistory, _name, None)


def _latest_run(connection):
    from django.contrib.contenttypes.models import ContentType

    from integrations_core.models import SyncRun

    return SyncRun.objects.filter(connection_type=ContentType.objects.get_for_model(connection),
                                  connection_id=connection.pk).order_by("-started_at").first()
