"""The shared contract for payment processors (ActivitySource: Stripe, PayPal): every
processor passes the same connect, sync, re-sync and failure tests against its sandbox mock,
reached in-process (PaymentsRouter: the shared router plus POSTs and every request header, for
providers that send more than Authorization).

A provider's test class subclasses ActivitySourceContract and supplies the hooks at the bottom:
its provider, how a healthy connection is made, how the provider is made to refuse it, how
its 429, a malformed body and a failing second page are produced, and which path its list of
balance transactions is on. The invariants are the family's, not the provider's: net = amount
- fee exactly, a paid payout's contents sum to it, a re-sync changes nothing, a failed sync
loses nothing and keeps the old sync state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import responses
import time_machine
from django.core.cache import cache
from django.db.models import Sum

from integrations_core.models import ConnectionStatus, SyncOutcome
from integrations_core.providers.registry import registry
from integrations_core.services.sync import connection_sync
from payments.models import BalanceTransaction, Dispute, PaymentsConnection, Payout, ProcessorAccount

from .router import HOST, SandboxRouter

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SANDBOX_TODAY = date(2026, 3, 10)


@dataclass
class PaymentsRouter(SandboxRouter):
    """The shared router, also for POST and forwarding every request header (Stripe-Account)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        import re

        self.mock.add_callback(responses.POST, re.compile(re.escape(HOST) + r"/.*"), callback=self._post)

    def _headers(self, request) -> dict[str, str]:
        return {"HTTP_" + k.upper().replace("-", "_"): v for k, v in request.headers.items()
                if k.lower() not in ("content-length", "content-type", "host")}

    def _answer(self, request):
        parts = urlsplit(request.url)
        answer = next((a for fault in self.faults if (a := fault(parts.path, parts.query)) is not None), None)
        if answer is None:
            response = self._client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path,
                                        **self._headers(request))
            body = response.content
            if response.status_code == 200:
                for transform in self.transforms:
                    body = transform(parts.path, body)
            answer = (response.status_code, {k: v for k, v in response.items()}, body)
        self.calls.append(_call("GET", parts, answer))
        return answer

    def _post(self, request):
        parts = urlsplit(request.url)
        body = request.body or b""
        response = self._client.generic("POST", parts.path, data=body.encode() if isinstance(body, str) else body,
                                        content_type=request.headers.get("Content-Type", ""),
                                        **self._headers(request))
        answer = (response.status_code, {k: v for k, v in response.items()}, response.content)
        self.calls.append(_call("POST", parts, answer))
        return answer


def _call(method, parts, answer):
    from .router import Call

    return Call(method, parts.path, parts.query, answer[0], answer[1])


def table_state() -> list:
    """Every row a sync writes, but for the times a sync moves by design (balance_updated_at,
    last_synced_at, updated_at)."""
    def values(model, *skip):
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in ("updated_at", *skip)]
        return sorted(model.objects.values_list(*names), key=str)

    return [values(ProcessorAccount, "balance_updated_at", "last_synced_at"), values(BalanceTransaction),
            values(Payout), values(Dispute)]


class ActivitySourceContract:
    slug: str
    connection_model = PaymentsConnection

    # --- fixtures -----------------------------------------------------------------------------
    @pytest.fixture(autouse=True)
    def clock(self, monkeypatch):
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
            yield PaymentsRouter(mock)

    @pytest.fixture
    def provider(self, router):
        provider = self.make_provider()
        registry.register(provider)
        yield provider
        registry.unregister(provider.slug)

    @pytest.fixture
    def synced(self, api_client, provider, router, django_capture_on_commit_callbacks, clock):
        with django_capture_on_commit_callbacks(execute=True):
            connection = self.connect(api_client, router)
        assert connection is not None
        connection.refresh_from_db()
        assert connection.status == ConnectionStatus.ACTIVE, connection.last_error
        clock.shift(timedelta(minutes=2))
        return connection

    def sync(self, connection):
        connection.refresh_from_db()
        connection.retry_after = None
        connection.save(update_fields=["retry_after"])
        return connection_sync(connection, trigger="manual")

    # --- connect and the first sync -------------------------------------------------------------
    def test_connect_and_first_sync_write_balances_transactions_payouts_disputes(self, synced):
        accounts = ProcessorAccount.objects.filter(connection=synced)
        assert accounts.exists() and synced.last_synced_at is not None
        for account in accounts:
            assert account.current_balance is not None, account
            assert account.balance_snapshots.count() == 1, list(account.balance_snapshots.values())
        rows = BalanceTransaction.objects.filter(account__connection=synced)
        assert rows.filter(type="charge").exists() and rows.filter(type="refund").exists()
        assert Payout.objects.filter(account__connection=synced).exists()
        if self.has_disputes:
            assert Dispute.objects.filter(account__connection=synced).exists()

    def test_net_is_amount_minus_fee_for_every_row(self, synced):
        for amount, fee, net in BalanceTransaction.objects.values_list("amount", "fee", "net"):
            assert amount - fee == net
        assert not BalanceTransaction.objects.filter(type="charge", amount__lte=0).exists()
        assert not BalanceTransaction.objects.filter(type="refund", amount__gte=0).exists()

    def test_a_paid_payout_is_the_sum_of_what_it_carried(self, synced):
        if not self.payouts_list_contents:
            pytest.skip(f"{self.slug} cannot say which transactions a payout carried")
        paid = Payout.objects.filter(account__connection=synced, status="paid")
        assert paid.exists()
        for payout in paid:
            carried = payout.balance_transactions.exclude(source_id=payout.external_id)
            assert carried.exists(), payout.external_id
            assert carried.aggregate(total=Sum("net"))["total"] == payout.amount

    # --- re-sync --------------------------------------------------------------------------------
    def test_resync_of_unchanged_data_changes_nothing(self, synced):
        before = table_state()
        run = self.sync(synced)
        assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
        assert (run.added, run.updated, run.removed) == (0, 0, 0)
        assert table_state() == before

    def test_a_later_day_adds_only_what_is_new(self, synced, monkeypatch, clock):
        ids = set(BalanceTransaction.objects.values_list("external_id", flat=True))
        counts = _counts()
        later = SANDBOX_TODAY + timedelta(days=self.later_days)
        monkeypatch.setattr("sandbox.clock.today", lambda: later)
        monkeypatch.setattr("sandbox.clock.now", lambda: datetime.combine(later, NOW.timetz()))
        clock.shift(timedelta(days=self.later_days))
        run = self.sync(synced)
        assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
        now_ids = list(BalanceTransaction.objects.values_list("external_id", flat=True))
        assert len(now_ids) == len(set(now_ids)), "a row was written twice"
        assert ids < set(now_ids)
        assert run.added == sum(_counts()) - sum(counts)

    # --- failures -------------------------------------------------------------------------------
    def test_refused_access_needs_the_person_and_loses_nothing(self, synced, router):
        before, state = table_state(), dict(synced.sync_state)
        self.refuse(synced, router)
        run = self.sync(synced)
        synced.refresh_from_db()
        assert run.outcome == SyncOutcome.FAILED
        assert synced.status == ConnectionStatus.REAUTH_REQUIRED
        assert table_state() == before and synced.sync_state == state

    def test_429_waits_and_loses_nothing(self, synced, router):
        before, state = table_state(), dict(synced.sync_state)
        self.rate_limit(router)
        run = self.sync(synced)
        synced.refresh_from_db()
        assert run.outcome == SyncOutcome.FAILED and run.error_code == "rate_limited"
        assert synced.retry_after is not None and synced.next_sync_at >= synced.retry_after
        assert table_state() == before and synced.sync_state == state

    def test_malformed_answer_fails_the_run_and_loses_nothing(self, synced, router):
        before, state = table_state(), dict(synced.sync_state)
        self.malformed(router)
        run = self.sync(synced)
        synced.refresh_from_db()
        assert run.outcome == SyncOutcome.FAILED and run.error_code == "bad_response"
        assert table_state() == before and synced.sync_state == state

    def test_a_failing_second_page_writes_nothing_of_the_read(self, api_client, provider, router,
                                                             django_capture_on_commit_callbacks):
        self.fail_second_page(router)
        with django_capture_on_commit_callbacks(execute=True):
            connection = self.connect(api_client, router)
        assert connection is not None
        connection.refresh_from_db()
        assert not BalanceTransaction.objects.exists() and not Payout.objects.exists()
        assert not (connection.sync_state or {}).get("activity_to"), "the state moved without its write"

    # --- hooks each provider supplies -------------------------------------------------------------
    has_disputes = True
    payouts_list_contents = True  # the provider says which balance transactions each payout carried
    later_days = 7

    def configure(self, settings) -> None:
        raise NotImplementedError

    def make_provider(self):
        raise NotImplementedError

    def connect(self, api_client, router: PaymentsRouter):
        """Connect through the provider's real flow; answer the connection."""
        raise NotImplementedError

    def refuse(self, connection, router: PaymentsRouter) -> None:
        """Make the provider refuse the connection (a revoked consent, a rolled key)."""
        raise NotImplementedError

    def rate_limit(self, router: PaymentsRouter) -> None:
        raise NotImplementedError

    def malformed(self, router: PaymentsRouter) -> None:
        raise NotImplementedError

    def fail_second_page(self, router: PaymentsRouter) -> None:
        raise NotImplementedError


def _counts() -> tuple[int, int, int]:
    return BalanceTransaction.objects.count(), Payout.objects.count(), Dispute.objects.count()
