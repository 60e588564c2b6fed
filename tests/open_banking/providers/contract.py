"""The shared provider contract (after allauth's OAuth2TestsMixin): every bank provider passes
the same connect, refresh, sync, re-sync and failure tests, fed with its own recorded payloads.

A provider's test class subclasses ProviderContract and supplies the hooks at the bottom: how
to register its recorded endpoints with `responses`, how pending books, which call lists
accounts, how its failures look on the wire."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from integrations_core.models import ConnectionStatus, OAuthState, SyncOutcome
from integrations_core.services.oauth import authorization_complete
from integrations_core.services.sync import connection_sync
from open_banking.models import BalanceSnapshot, BankAccount, BankConnection, BankTransaction
from open_banking.services import bank_connection_initiate, bank_connection_revoke

PAYLOADS = Path(__file__).parent / "payloads"


def load_payload(provider: str, name: str) -> Any:
    """A recorded payload with its dates moved to today: @D-3@ is three days ago."""
    text = (PAYLOADS / provider / f"{name}.json").read_text()
    today = timezone.localdate()
    for offset in range(-120, 121):
        token = f"@D{offset:+d}@" if offset else "@D-0@"
        if token in text:
            text = text.replace(token, (today + timedelta(days=offset)).isoformat())
    return json.loads(text)


def transaction_state() -> list[tuple]:
    return sorted(BankTransaction.objects.values_list(
        "id", "external_id", "status", "amount", "booked_date", "description", "updated_at"))


def table_state() -> list[tuple]:
    """Everything a sync may write, for 'nothing changed' comparisons. An account's sync
    timestamps (last_synced_at, updated_at) move on every sync by design and are left out."""
    txns = transaction_state()
    accounts = sorted(BankAccount.objects.values_list("id", "external_id", "name", "current_balance",
                                                      "available_balance", "is_active", "raw"), key=str)
    snapshots = sorted(BalanceSnapshot.objects.values_list("id", "date", "current", "recorded_at"))
    return [*txns, *accounts, *snapshots]


FAILURES = ("rate_limited", "provider_down", "consent_expired", "malformed")


class ProviderContract:
    slug: str
    expected_accounts: int
    expected_booked: int
    expected_pending: int
    max_calls_per_account = 3

    # --- fixtures -----------------------------------------------------------------------------
    @pytest.fixture
    def payloads(self) -> dict[str, Any]:
        return copy.deepcopy(self.recorded_payloads())

    @pytest.fixture
    def connection(self, user, institution, rsps) -> BankConnection:
        return self.make_connection(user, rsps)

    @pytest.fixture
    def synced(self, connection, rsps, payloads):
        self.register_data(rsps, payloads)
        run = connection_sync(connection, trigger="manual")
        assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
        rsps.reset()
        return connection

    # --- connect ------------------------------------------------------------------------------
    def test_connect_returns_authorization_url_and_callback_runs_first_sync(
            self, user, institution, rsps, payloads, django_capture_on_commit_callbacks):
        self.register_connect(rsps)
        authorization = bank_connection_initiate(user=user, provider_slug=self.slug,
                                                 institution_id=institution.external_id)
        connection = authorization.connection
        assert connection.status == ConnectionStatus.PENDING
        self.assert_authorization_url(authorization.authorization_url, connection)
        state = OAuthState.objects.get(connection_id=connection.pk).state

        self.register_data(rsps, payloads)
        with django_capture_on_commit_callbacks(execute=True):
            authorization_complete(user=user, provider_slug=self.slug, state=state, code="auth-code-123",
                                   params=self.callback_params(state))
        connection.refresh_from_db()
        assert connection.status == ConnectionStatus.ACTIVE
        assert connection.consent_expires_at is not None
        assert connection.consent_expires_at > timezone.now() + timedelta(days=80)
        assert connection.last_synced_at is not None, "the first sync ran"
        assert BankAccount.objects.filter(connection=connection).count() == self.expected_accounts
        assert BankTransaction.objects.filter(status="booked").count() == self.expected_booked
        assert BankTransaction.objects.filter(status="pending").count() == self.expected_pending

    def test_callback_with_reused_state_is_refused(self, user, institution, rsps, payloads,
                                                   django_capture_on_commit_callbacks):
        from integrations_core.services.oauth import AuthorizationError

        self.register_connect(rsps)
        authorization = bank_connection_initiate(user=user, provider_slug=self.slug,
                                                 institution_id=institution.external_id)
        state = OAuthState.objects.get(connection_id=authorization.connection.pk).state
        self.register_data(rsps, payloads)
        with django_capture_on_commit_callbacks(execute=True):
            authorization_complete(user=user, provider_slug=self.slug, state=state, code="c",
                                   params=self.callback_params(state))
        with pytest.raises(AuthorizationError):
            authorization_complete(user=user, provider_slug=self.slug, state=state, code="c",
                                   params=self.callback_params(state))

    # --- sync ---------------------------------------------------------------------------------
    def test_sync_writes_accounts_balances_transactions_and_snapshots(self, connection, rsps, payloads):
        self.register_data(rsps, payloads)
        run = connection_sync(connection, trigger="manual")
        assert run.outcome == SyncOutcome.SUCCEEDED
        assert run.added == self.expected_booked + self.expected_pending
        assert BankAccount.objects.filter(connection=connection).count() == self.expected_accounts
        for account in BankAccount.objects.filter(connection=connection):
            assert account.current_balance is not None, account.name
            assert BalanceSnapshot.objects.filter(account=account, date=timezone.localdate()).count() == 1
            assert account.masked_number == "" or "*" in account.masked_number or "…" in account.masked_number
        for txn in BankTransaction.objects.all():
            assert isinstance(txn.amount, Decimal)
        self.assert_synced_data(connection)

    def test_calls_per_account_stay_within_balances_booked_pending(self, synced, rsps, payloads):
        self.register_data(rsps, payloads)
        connection_sync(synced, trigger="scheduled")
        for account in BankAccount.objects.filter(connection=synced):
            calls = self.account_calls(rsps, account.external_id)
            assert 1 <= calls <= self.max_calls_per_account, (account.name, calls)

    def test_resync_of_unchanged_data_changes_nothing(self, synced, rsps, payloads):
        before = table_state()
        self.register_data(rsps, payloads)
        run = connection_sync(synced, trigger="manual")
        assert run.outcome == SyncOutcome.SUCCEEDED
        assert (run.added, run.updated, run.removed) == (0, 0, 0)
        assert table_state() == before

    def test_pending_booked_under_new_id_and_amount_leaves_one_row(self, synced, rsps, payloads):
        pending_before = BankTransaction.objects.get(status="pending")
        self.book_pending(payloads, new_id="booked-new-id-77", amount=Decimal("-4.75"))
        self.register_data(rsps, payloads)
        run = connection_sync(synced, trigger="manual")
        assert run.outcome == SyncOutcome.SUCCEEDED
        assert not BankTransaction.objects.filter(status="pending").exists()
        matches = BankTransaction.objects.filter(description__icontains="costa")
        assert matches.count() == 1
        row = matches.get()
        assert row.pk == pending_before.pk, "the booked twin claimed the pending row"
        assert (row.status, row.amount) == ("booked", Decimal("-4.75"))
        # And again: nothing moves once it is booked.
        rsps.reset()
        self.register_data(rsps, payloads)
        again = connection_sync(synced, trigger="manual")
        assert (again.added, again.updated, again.removed) == (0, 0, 0)

    def test_transaction_the_bank_drops_is_removed_on_the_next_sync(self, synced, rsps, payloads):
        # The first sync took all history; a later one is incremental and answers for its window.
        count = BankTransaction.objects.count()
        self.register_data(rsps, payloads)
        connection_sync(synced, trigger="manual")
        rsps.reset()
        description = self.drop_booked(payloads)
        self.register_data(rsps, payloads)
        run = connection_sync(synced, trigger="manual")
        assert run.removed == 1
        assert BankTransaction.objects.count() == count - 1
        assert not BankTransaction.objects.filter(description=description).exists()

    # --- refresh ------------------------------------------------------------------------------
    def test_expired_credentials_are_refreshed_before_the_sync(self, synced, rsps, payloads):
        self.expire_credentials(synced)
        self.register_refresh(rsps)
        self.register_data(rsps, payloads)
        run = connection_sync(synced, trigger="scheduled")
        assert run.outcome == SyncOutcome.SUCCEEDED
        self.assert_refreshed(synced, rsps)

    # --- failures -----------------------------------------------------------------------------
    @pytest.mark.parametrize("failure", FAILURES)
    def test_failure_listing_accounts_keeps_data_and_sets_user_state(self, synced, rsps, payloads, failure):
        before = table_state()
        self.register_data(rsps, payloads, fail={"list": failure})
        run = connection_sync(synced, trigger="scheduled")
        synced.refresh_from_db()
        assert run.outcome == SyncOutcome.FAILED
        assert table_state() == before, "a failure never deletes or rewrites what we had"
        self.assert_user_state(synced, failure)

    @pytest.mark.parametrize("failure", FAILURES)
    def test_failure_fetching_every_account_is_reported_per_account(self, synced, rsps, payloads, failure):
        before = transaction_state()
        self.register_data(rsps, payloads, fail={"transactions": failure})
        run = connection_sync(synced, trigger="scheduled")
        synced.refresh_from_db()
        assert run.outcome == SyncOutcome.FAILED
        if failure != "consent_expired":
            assert {r["status"] for r in run.account_results.values()} == {"failed"}
            assert {r["error_code"] for r in run.account_results.values()} == {_CODES[failure]}
        assert transaction_state() == before
        self.assert_user_state(synced, failure)

    def test_one_failing_account_does_not_stop_the_others(self, synced, rsps, payloads):
        self.register_data(rsps, payloads, fail={"transactions:first": "provider_down"})
        run = connection_sync(synced, trigger="scheduled")
        assert run.outcome == SyncOutcome.PARTIAL
        statuses = sorted(r["status"] for r in run.account_results.values())
        assert statuses == ["failed"] + ["ok"] * (self.expected_accounts - 1)
        synced.refresh_from_db()
        assert synced.user_state == "ok"

    def test_successful_sync_clears_a_previous_failure(self, synced, rsps, payloads):
        self.register_data(rsps, payloads, fail={"list": "provider_down"})
        connection_sync(synced, trigger="scheduled")
        synced.refresh_from_db()
        assert synced.user_state == "provider_down"
        rsps.reset()
        synced.retry_after = None
        synced.save(update_fields=["retry_after"])
        self.register_data(rsps, payloads)
        connection_sync(synced, trigger="manual")
        synced.refresh_from_db()
        assert (synced.user_state, synced.last_error) == ("ok", "")

    # --- disconnect ---------------------------------------------------------------------------
    def test_revoke_tells_the_provider_and_erases_tokens(self, synced, rsps):
        self.register_revoke(rsps)
        bank_connection_revoke(synced, actor=synced.user)
        synced.refresh_from_db()
        assert synced.status == ConnectionStatus.REVOKED
        assert (synced.access_token, synced.refresh_token, synced.credentials) == ("", "", {})
        self.assert_revoked(rsps)
        assert BankTransaction.objects.exists(), "history is kept unless the person asks"

    # --- state assertions shared by the failure tests ---------------------------------------
    def assert_user_state(self, connection: BankConnection, failure: str) -> None:
        expected = {"rate_limited": "rate_limited", "provider_down": "provider_down",
                    "consent_expired": "reauth_required", "malformed": "provider_down"}[failure]
        assert connection.user_state == expected, (connection.status, connection.last_error_code)
        if failure == "rate_limited":
            assert connection.retry_after is not None and connection.retry_after > timezone.now()
        assert connection.last_error  # something the person can read

    # --- hooks each provider supplies ---------------------------------------------------------
    def recorded_payloads(self) -> dict[str, Any]:
        raise NotImplementedError

    def make_connection(self, user, rsps) -> BankConnection:
        raise NotImplementedError

    def register_connect(self, rsps) -> None:
        raise NotImplementedError

    def assert_authorization_url(self, url: str, connection: BankConnection) -> None:
        raise NotImplementedError

    def callback_params(self, state: str) -> dict[str, str]:
        raise NotImplementedError

    def register_data(self, rsps, payloads: dict[str, Any], fail: dict[str, str] | None = None) -> None:
        """Register every data endpoint. `fail` maps "list", "transactions" (every account) or
        "transactions:first" (the first account only) to one of FAILURES."""
        raise NotImplementedError

    def assert_synced_data(self, connection: BankConnection) -> None:
        pass

    def account_calls(self, rsps, account_external_id: str) -> int:
        raise NotImplementedError

    def book_pending(self, payloads: dict[str, Any], *, new_id: str, amount: Decimal) -> None:
        raise NotImplementedError

    def drop_booked(self, payloads: dict[str, Any]) -> str:
        raise NotImplementedError

    def expire_credentials(self, connection: BankConnection) -> None:
        raise NotImplementedError

    def register_refresh(self, rsps) -> None:
        raise NotImplementedError

    def assert_refreshed(self, connection: BankConnection, rsps) -> None:
        raise NotImplementedError

    def register_revoke(self, rsps) -> None:
        raise NotImplementedError

    def assert_revoked(self, rsps) -> None:
        raise NotImplementedError


_CODES = {"rate_limited": "rate_limited", "provider_down": "provider_down", "malformed": "bad_response"}
