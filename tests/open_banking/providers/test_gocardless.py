"""GoCardless: the shared contract on recorded payloads, then the server token, the quota
ledger and the requisition lifecycle."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from integrations_core.models import ConnectionStatus, OAuthState, SyncOutcome
from integrations_core.services.oauth import AuthorizationError, authorization_complete
from integrations_core.services.sync import connection_sync
from open_banking.models import (
    BankAccount,
    BankConnection,
    BankTransaction,
    Institution,
)
from open_banking.providers.gocardless.models import QuotaLedger, ServerToken
from open_banking.services import bank_connection_initiate, bank_connection_reconnect

from ..conftest import GC_API
from .contract import ProviderContract, load_payload

REQ_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
AGREEMENT_ID = "8126e9fb-93c9-4228-937c-68f0383c2df7"
CURRENT = "7e944232-bda9-40bc-b784-660c7ab5fe78"
SAVINGS = "99a0bfe2-0bef-46df-bff2-e9ae0c6c5838"
ACCOUNTS = {CURRENT: "current", SAVINGS: "savings"}
NAMES = ("token_new", "token_refresh", "agreement", "agreement_accepted", "requisition_created",
         "requisition_linked", "details_current", "details_savings", "balances_current", "balances_savings",
         "transactions_current", "transactions_savings", "institutions")
MALFORMED = '{"transactions": {"booked": [{"transactionId": "x", "transactionAmo'
BANK_LIMIT = {"summary": "Rate limit exceeded",
              "detail": "Daily request limit set by the Institution has been exceeded.",
              "type": "RateLimitError", "status_code": 429}


def failure_response(failure: str) -> dict[str, Any]:
    return {
        "rate_limited": {"status": 429, "json": BANK_LIMIT,
                         "headers": {"HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_RESET": "3600"}},
        "provider_down": {"status": 503, "json": {"summary": "Couldn't connect to Institution",
                                                  "detail": "Institution service unavailable",
                                                  "type": "ConnectionError", "status_code": 503}},
        "consent_expired": {"status": 401, "json": {"summary": "Access has expired or it has been revoked.",
                                                    "detail": "To restore access reconnect the account.",
                                                    "type": "AccessExpiredError", "status_code": 401}},
        "malformed": {"status": 200, "body": MALFORMED, "content_type": "application/json"},
    }[failure]


def account_url(account_id: str, scope: str) -> str:
    return f"{GC_API}/accounts/{account_id}/{scope}/"


class TestGoCardlessContract(ProviderContract):
    slug = "gocardless"
    expected_accounts = 2
    expected_booked = 4
    expected_pending = 1

    @pytest.fixture
    def institution(self, db):
        return Institution.objects.create(provider="gocardless", external_id="MONZO_MONZGB2L", name="Monzo",
                                          transaction_total_days=730, max_access_valid_for_days=180)

    def recorded_payloads(self):
        return {name: load_payload("gocardless", name) for name in NAMES}

    def make_connection(self, user, rsps) -> BankConnection:
        return BankConnection.objects.create(
            user=user, provider="gocardless", status=ConnectionStatus.ACTIVE, institution_id="MONZO_MONZGB2L",
            institution_name="Monzo", external_id=REQ_ID, sync_state={"requisition_id": REQ_ID},
            consent_expires_at=timezone.now() + timedelta(days=90))

    def register_connect(self, rsps) -> None:
        payloads = self.recorded_payloads()
        rsps.post(f"{GC_API}/token/new/", json=payloads["token_new"])
        rsps.post(f"{GC_API}/agreements/enduser/", status=201, json=payloads["agreement"])
        rsps.post(f"{GC_API}/requisitions/", status=201, json=payloads["requisition_created"])
        rsps.get(f"{GC_API}/requisitions/{REQ_ID}/", json=payloads["requisition_linked"])
        rsps.get(f"{GC_API}/agreements/enduser/{AGREEMENT_ID}/", json=payloads["agreement_accepted"])

    def assert_authorization_url(self, url, connection) -> None:
        assert url == f"https://ob.gocardless.com/psd2/start/{REQ_ID}/MONZO_MONZGB2L"
        connection.refresh_from_db()
        assert connection.external_id == REQ_ID

    def callback_params(self, state):
        return {"ref": state}

    def register_data(self, rsps, payloads, fail=None) -> None:
        fail = fail or {}

        def add(url, payload, failure=None):
            if failure:
                rsps.get(url, **failure_response(failure))
            else:
                rsps.get(url, json=payload)

        rsps.post(f"{GC_API}/token/new/", json=payloads["token_new"])
        add(f"{GC_API}/requisitions/{REQ_ID}/", payloads["requisition_linked"], fail.get("list"))
        for account_id, name in ACCOUNTS.items():
            first = account_id == CURRENT
            txn_failure = fail.get("transactions") or (fail.get("transactions:first") if first else None)
            add(account_url(account_id, "details"), payloads[f"details_{name}"])
            add(account_url(account_id, "balances"), payloads[f"balances_{name}"])
            add(account_url(account_id, "transactions"), payloads[f"transactions_{name}"], txn_failure)

    def account_calls(self, rsps, account_external_id):
        return sum(1 for call in rsps.calls if f"/accounts/{account_external_id}/" in call.request.url)

    def book_pending(self, payloads, *, new_id, amount) -> None:
        block = payloads["transactions_current"]["transactions"]
        pending = block["pending"].pop()
        today = timezone.localdate().isoformat()
        block["booked"].insert(0, {**pending, "transactionId": new_id, "bookingDate": today, "valueDate": today,
                                   "transactionAmount": {"currency": "GBP", "amount": str(amount)}})

    def drop_booked(self, payloads) -> str:
        block = payloads["transactions_current"]["transactions"]
        block["booked"] = [b for b in block["booked"] if b.get("transactionId") != "2024111902"]
        return "TESCO STORES 2041"

    def expire_credentials(self, connection) -> None:
        ServerToken.objects.update(access_expires_at=timezone.now() - timedelta(minutes=1))

    def register_refresh(self, rsps) -> None:
        rsps.post(f"{GC_API}/token/refresh/", json=load_payload("gocardless", "token_refresh"))

    def assert_refreshed(self, connection, rsps) -> None:
        urls = [c.request.url for c in rsps.calls]
        assert f"{GC_API}/token/refresh/" in urls
        assert f"{GC_API}/token/new/" not in urls, "the refresh token is used, not a new pair"
        data_call = [c for c in rsps.calls if "/accounts/" in c.request.url][-1]
        assert data_call.request.headers["Authorization"] == "Bearer gc-access-token-SECRET-0002"

    def register_revoke(self, rsps) -> None:
        rsps.delete(f"{GC_API}/requisitions/{REQ_ID}/", json={"summary": "Requisition deleted"})

    def assert_revoked(self, rsps) -> None:
        deletes = [c.request.url for c in rsps.calls if c.request.method == "DELETE"]
        assert deletes == [f"{GC_API}/requisitions/{REQ_ID}/"]

    def assert_synced_data(self, connection) -> None:
        current = BankAccount.objects.get(connection=connection, external_id=CURRENT)
        assert (current.type, current.currency, current.name) == ("current", "GBP", "Main Account")
        # interimBooked is "current", interimAvailable "available", as the bank reported them.
        assert (current.current_balance, current.available_balance) == (Decimal("1900.00"), Decimal("1913.12"))
        assert current.iban_masked == "GB33****5555"
        assert "GB33BUKB20201555555555" not in json.dumps(current.raw) and "Jane Doe" not in json.dumps(current.raw)
        savings = BankAccount.objects.get(connection=connection, external_id=SAVINGS)
        assert (savings.type, savings.current_balance) == ("savings", Decimal("5000.45"))
        tesco = BankTransaction.objects.get(description="TESCO STORES 2041")
        assert (tesco.amount, tesco.merchant_name, tesco.mcc, tesco.running_balance) == (
            Decimal("-32.18"), "TESCO STORES", "5411", Decimal("1867.94"))
        netflix = BankTransaction.objects.get(external_id="b9c3f2a1d7e84f6a")
        assert netflix.description == "NETFLIX.COM SUBSCRIPTION"


class TestGoCardlessSpecifics:
    contract = TestGoCardlessContract()

    @pytest.fixture
    def payloads(self):
        return self.contract.recorded_payloads()

    @pytest.fixture
    def connection(self, user, rsps):
        return self.contract.make_connection(user, rsps)

    def _calls(self, rsps, fragment: str) -> int:
        return sum(1 for c in rsps.calls if fragment in c.request.url)

    def test_server_token_is_cached_encrypted_and_reused(self, connection, rsps, payloads):
        self.contract.register_data(rsps, payloads)
        connection_sync(connection)
        connection_sync(connection)
        assert self._calls(rsps, "/token/new/") == 1
        assert ServerToken.objects.get().access_token == "gc-access-token-SECRET-0001"

    def test_refused_server_token_is_renewed_without_asking_the_person(self, connection, rsps, payloads):
        rsps.get(f"{GC_API}/requisitions/{REQ_ID}/", status=401,
                 json={"summary": "Invalid token", "detail": "Token is invalid or expired", "status_code": 401})
        rsps.post(f"{GC_API}/token/refresh/", json=payloads["token_refresh"])
        self.contract.register_data(rsps, payloads)
        run = connection_sync(connection)
        connection.refresh_from_db()
        assert run.outcome == SyncOutcome.SUCCEEDED
        assert connection.status == ConnectionStatus.ACTIVE
        assert ServerToken.objects.get().access_token == "gc-access-token-SECRET-0002"

    def test_details_are_fetched_on_the_first_sync_only(self, connection, rsps, payloads):
        self.contract.register_data(rsps, payloads)
        connection_sync(connection)
        assert self._calls(rsps, "/details/") == 2
        rsps.reset()
        self.contract.register_data(rsps, payloads)
        run = connection_sync(connection)
        assert run.outcome == SyncOutcome.SUCCEEDED
        assert self._calls(rsps, "/details/") == 0
        for account_id in ACCOUNTS:
            assert self._calls(rsps, f"/accounts/{account_id}/") == 2  # balances + transactions

    def test_quota_ledger_stops_the_fifth_call_of_the_day(self, connection, rsps, payloads):
        self.contract.register_data(rsps, payloads)
        for _ in range(4):
            assert connection_sync(connection).outcome == SyncOutcome.SUCCEEDED
        ledger = QuotaLedger.objects.get(account_id=CURRENT, scope="transactions")
        assert (ledger.successful_calls, ledger.rate_limited_calls) == (4, 0)
        rsps.reset()
        self.contract.register_data(rsps, payloads)
        before = BankTransaction.objects.count()
        run = connection_sync(connection)
        connection.refresh_from_db()
        assert run.outcome == SyncOutcome.FAILED and run.error_code == "rate_limited"
        assert self._calls(rsps, "/accounts/") == 0, "not one bank call is spent past the limit"
        assert BankTransaction.objects.count() == before
        assert connection.user_state == "rate_limited"
        tomorrow = (timezone.now() + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        assert abs((connection.retry_after - tomorrow).total_seconds()) < 5

    def test_bank_429_is_recorded_with_its_reset_and_nothing_is_spent_until_then(self, connection, rsps, payloads):
        self.contract.register_data(rsps, payloads)
        connection_sync(connection)
        rsps.reset()
        self.contract.register_data(rsps, payloads, fail={"transactions": "rate_limited"})
        run = connection_sync(connection)
        assert run.outcome == SyncOutcome.FAILED
        assert {r["error_code"] for r in run.account_results.values()} == {"rate_limited"}
        ledger = QuotaLedger.objects.get(account_id=CURRENT, scope="transactions")
        assert (ledger.successful_calls, ledger.rate_limited_calls, ledger.remaining) == (1, 1, 0)
        assert abs((ledger.reset_at - timezone.now()).total_seconds() - 3600) < 10
        assert self._calls(rsps, "/balances/") == 0, "no balance call is spent once transactions are refused"
        connection.refresh_from_db()
        assert connection.user_state == "rate_limited"
        # The next attempt spends nothing at all, not even the requisition lookup.
        rsps.reset()
        self.contract.register_data(rsps, payloads)
        run = connection_sync(connection)
        assert run.outcome == SyncOutcome.FAILED and run.error_code == "rate_limited"
        assert len(rsps.calls) == 0

    def test_balance_refused_after_transactions_keeps_the_transactions(self, connection, rsps, payloads):
        rsps.get(account_url(CURRENT, "balances"), **failure_response("rate_limited"))
        self.contract.register_data(rsps, payloads)
        run = connection_sync(connection)
        # The rows are written, and the stale balance is a visible state, not "ok".
        assert run.outcome == SyncOutcome.PARTIAL
        assert run.account_results[CURRENT]["status"] == "partial"
        current = BankAccount.objects.get(external_id=CURRENT)
        assert current.transactions.count() == 4
        assert current.current_balance is None
        assert current.sync_state == "balance_stale" and current.sync_error_code == "balance_rate_limited"
        assert QuotaLedger.objects.get(account_id=CURRENT, scope="balances").rate_limited_calls == 1

    def test_an_account_whose_details_fail_is_reported_not_stored_as_a_nameless_row(self, connection, rsps,
                                                                                      payloads):
        rsps.get(account_url(SAVINGS, "details"), **failure_response("rate_limited"))
        self.contract.register_data(rsps, payloads)
        run = connection_sync(connection)
        assert run.outcome == SyncOutcome.PARTIAL
        # No "Account …5838 · Other · — · —" row: only the account whose details arrived.
        assert list(BankAccount.objects.values_list("external_id", flat=True)) == [CURRENT]
        result = run.account_results[SAVINGS]
        assert result["status"] == "failed" and result["error_code"] == "rate_limited"
        assert result["name"] == "New account (details not available yet)"
        # Once the bank's limit resets, the next sync fetches the details and the real account
        # appears, with its data.
        QuotaLedger.objects.all().delete()
        rsps.reset()
        self.contract.register_data(rsps, payloads)
        assert connection_sync(connection).outcome == SyncOutcome.SUCCEEDED
        savings = BankAccount.objects.get(external_id=SAVINGS)
        assert savings.type == "savings" and savings.transactions.exists()

    def test_expired_requisition_needs_reconnect(self, connection, rsps, payloads):
        linked = {**payloads["requisition_linked"], "status": "EX"}
        rsps.get(f"{GC_API}/requisitions/{REQ_ID}/", json=linked)
        self.contract.register_data(rsps, payloads)
        run = connection_sync(connection)
        connection.refresh_from_db()
        assert run.next_action == "reconnect"
        assert connection.status == ConnectionStatus.REAUTH_REQUIRED

    def test_agreement_is_sized_from_the_institution(self, user, rsps):
        Institution.objects.create(provider="gocardless", external_id="MONZO_MONZGB2L", name="Monzo",
                                   transaction_total_days=730, max_access_valid_for_days=180)
        self.contract.register_connect(rsps)
        authorization = bank_connection_initiate(user=user, provider_slug="gocardless",
                                                 institution_id="MONZO_MONZGB2L")
        agreement = json.loads(next(c for c in rsps.calls if c.request.url.endswith("/agreements/enduser/"))
                               .request.body)
        assert agreement == {"institution_id": "MONZO_MONZGB2L", "max_historical_days": 730,
                             "access_valid_for_days": 180, "access_scope": ["balances", "details", "transactions"]}
        requisition = json.loads(next(c for c in rsps.calls if c.request.url.endswith("/requisitions/"))
                                 .request.body)
        state = OAuthState.objects.get(connection_id=authorization.connection.pk).state
        assert requisition["reference"] == state
        assert requisition["redirect"] == "http://testserver/integrations/gocardless/callback/"
        assert requisition["agreement"] == AGREEMENT_ID

    def test_unfinished_requisition_is_not_accepted(self, user, rsps):
        Institution.objects.create(provider="gocardless", external_id="MONZO_MONZGB2L", name="Monzo")
        self.contract.register_connect(rsps)
        rsps.replace("GET", f"{GC_API}/requisitions/{REQ_ID}/", json=load_payload("gocardless",
                                                                                  "requisition_created"))
        authorization = bank_connection_initiate(user=user, provider_slug="gocardless",
                                                 institution_id="MONZO_MONZGB2L")
        state = OAuthState.objects.get(connection_id=authorization.connection.pk).state
        with pytest.raises(AuthorizationError):
            authorization_complete(user=user, provider_slug="gocardless", state=state, params={"ref": state})
        authorization.connection.refresh_from_db()
        assert authorization.connection.status == ConnectionStatus.ERROR

    def test_reconnect_replaces_the_old_requisition(self, connection, rsps, payloads,
                                                    django_capture_on_commit_callbacks):
        Institution.objects.create(provider="gocardless", external_id="MONZO_MONZGB2L", name="Monzo")
        new_id = "11111111-2222-3333-4444-555555555555"
        rsps.post(f"{GC_API}/token/new/", json=payloads["token_new"])
        rsps.post(f"{GC_API}/agreements/enduser/", status=201, json=payloads["agreement"])
        rsps.post(f"{GC_API}/requisitions/", status=201, json={**payloads["requisition_created"], "id": new_id})
        connection.status = ConnectionStatus.REAUTH_REQUIRED
        connection.save()
        authorization = bank_connection_reconnect(connection)
        assert authorization.connection.external_id == new_id
        state = OAuthState.objects.get(connection_id=connection.pk).state
        rsps.get(f"{GC_API}/requisitions/{new_id}/", json={**payloads["requisition_linked"], "id": new_id})
        rsps.get(f"{GC_API}/agreements/enduser/{AGREEMENT_ID}/", json=payloads["agreement_accepted"])
        rsps.delete(f"{GC_API}/requisitions/{REQ_ID}/", json={})
        authorization_complete(user=connection.user, provider_slug="gocardless", state=state,
                               params={"ref": state})
        connection.refresh_from_db()
        assert connection.status == ConnectionStatus.ACTIVE
        assert connection.sync_state["requisition_id"] == new_id
        assert [c.request.url for c in rsps.calls if c.request.method == "DELETE"] == [
            f"{GC_API}/requisitions/{REQ_ID}/"]
        # 180 days from the agreement's acceptance.
        assert connection.consent_expires_at.date() == timezone.localdate() + timedelta(days=180)


def test_reconnected_account_keeps_its_history_under_the_new_id(user, rsps):
    """GoCardless issues new account ids with each requisition; the IBAN ties them together."""
    contract = TestGoCardlessContract()
    connection = contract.make_connection(user, rsps)
    payloads = contract.recorded_payloads()
    contract.register_data(rsps, payloads)
    connection_sync(connection)
    old = BankAccount.objects.get(external_id=CURRENT)
    history = old.transactions.count()
    rsps.reset()
    new_current = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    linked = {**payloads["requisition_linked"], "accounts": [new_current, SAVINGS]}
    rsps.get(f"{GC_API}/requisitions/{REQ_ID}/", json=linked)
    rsps.get(account_url(new_current, "details"), json=payloads["details_current"])
    rsps.get(account_url(new_current, "balances"), json=payloads["balances_current"])
    rsps.get(account_url(new_current, "transactions"), json=payloads["transactions_current"])
    contract.register_data(rsps, payloads)
    run = connection_sync(connection)
    assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
    old.refresh_from_db()
    assert (old.external_id, old.is_active) == (new_current, True)
    assert old.transactions.count() == history
    assert BankAccount.objects.filter(connection=connection).count() == 2
    assert (run.added, run.removed) == (0, 0)
