"""Provider failures in the middle of a sync, with the real TrueLayer and GoCardless clients and
mappers on their recorded payloads (`responses` stands in for the network).

The scene for every failure: yesterday's sync stored both accounts; today the bank has new
transactions on both; the first account is fetched fine and the second one fails. Then: the
first account holds today's data, the second is exactly as it was (never half-written), the run
and the connection say what happened, and the next good sync heals to the provider's truth with
no duplicates. The connection-wide failures (listing accounts) and the basic per-account cases
are in tests/open_banking/providers/contract.py; this adds the mid-sync ordering, timeouts,
expired and refused tokens and the heal (the Celery task's retry schedule: test_task_retries.py)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests
import responses
from django.utils import timezone

from integrations_core.models import ConnectionStatus, SyncOutcome, SyncRun
from integrations_core.services.sync import connection_sync
from open_banking.models import BalanceSnapshot, BankAccount, BankConnection, BankTransaction
from open_banking.providers.gocardless import mapper as gc_mapper
from open_banking.providers.gocardless.models import QuotaLedger
from open_banking.providers.truelayer import mapper as tl_mapper
from tests.open_banking.conftest import GC_API, TL_AUTH
from tests.open_banking.providers import test_gocardless as gc_tests
from tests.open_banking.providers import test_truelayer as tl_tests
from tests.open_banking.providers.contract import load_payload
from tests.open_banking.providers.test_gocardless import CURRENT, SAVINGS, account_url
from tests.open_banking.providers.test_truelayer import (
    ACCOUNT_ID,
    CARD_ID,
    DATA,
    MALFORMED,
)

pytestmark = pytest.mark.django_db

TIMEOUT = requests.exceptions.ReadTimeout("read timed out")


def as_decimal_json(payload: Any) -> Any:
    """A payload as our clients parse it off the wire (numbers as Decimal)."""
    return json.loads(json.dumps(payload), parse_float=Decimal)


class TrueLayerBank:
    slug = "truelayer"
    second = CARD_ID  # the credit card is fetched after the current account
    second_transactions = f"{DATA}/cards/{CARD_ID}/transactions"
    contract = tl_tests.TestTrueLayerContract()
    failures = {
        "server_error": ({"status": 503, "json": {"error": "provider_error"}}, "provider_down"),
        "rate_limited": ({"status": 429, "json": {"error": "provider_too_many_requests"},
                          "headers": {"Retry-After": "120"}}, "rate_limited"),
        "timeout": ({"body": TIMEOUT}, "provider_down"),
        "malformed_json": ({"status": 200, "body": MALFORMED, "content_type": "application/json"}, "bad_response"),
    }
    reauth_failures = {
        "consent_revoked": {"status": 403, "json": {"error": "access_denied"}},
        # The access token is refused and so is the refresh: only the person can fix it.
        "token_expired_refresh_refused": {"status": 401, "json": {"error": "invalid_token"}},
    }

    def make_connection(self, user) -> BankConnection:
        return self.contract.make_connection(user, None)

    def payloads(self) -> dict:
        return copy.deepcopy(self.contract.recorded_payloads())

    def register(self, rsps, payloads) -> None:
        self.contract.register_data(rsps, payloads)

    def register_reauth_extras(self, rsps, name: str) -> None:
        if name == "token_expired_refresh_refused":
            rsps.post(f"{TL_AUTH}/connect/token", status=400, json={"error": "invalid_grant"})

    def register_refreshable_expiry(self, rsps) -> None:
        rsps.get(self.second_transactions, status=401, json={"error": "invalid_token"})  # once
        rsps.post(f"{TL_AUTH}/connect/token", json=load_payload("truelayer", "token_refreshed"))

    def yesterday(self, payloads) -> dict:
        """The bank as it was yesterday: without each account's newest booked transaction."""
        old = copy.deepcopy(payloads)
        for name in ("account_transactions", "card_transactions"):
            old[name]["results"] = old[name]["results"][1:]
        old["account_balance"]["results"][0]["current"] = 1000.01
        old["card_balance"]["results"][0]["current"] = 10.01
        return old

    def truth(self, payloads) -> Counter:
        p = as_decimal_json(payloads)
        records = []
        for kind, prefix, rid in ((tl_mapper.ACCOUNTS, "account", ACCOUNT_ID),
                                  (tl_mapper.CARDS, "card", CARD_ID)):
            for status, name in (("booked", f"{prefix}_transactions"), ("pending", f"{prefix}_pending")):
                records += [(rid, r) for r in tl_mapper.transaction_records(p[name]["results"], kind, status)]
        return Counter((rid, r.status, r.amount, r.description, r.booked_date) for rid, r in records)

    def add_booked(self, payloads, *, days_ago: int, description: str) -> None:
        day = (timezone.localdate() - timedelta(days=days_ago)).isoformat()
        payloads["account_transactions"]["results"].append({
            "transaction_id": f"tid-{description}", "normalised_provider_transaction_id": f"norm-{description}",
            "timestamp": f"{day}T00:00:00", "description": description, "amount": -1.11, "currency": "GBP",
            "transaction_type": "DEBIT", "transaction_category": "PURCHASE", "transaction_classification": []})

    def drop_booked(self, payloads, description: str) -> None:
        results = payloads["account_transactions"]["results"]
        payloads["account_transactions"]["results"] = [r for r in results if r["description"] != description]


class GoCardlessBank:
    slug = "gocardless"
    second = SAVINGS
    second_transactions = account_url(SAVINGS, "transactions")
    contract = gc_tests.TestGoCardlessContract()
    failures = {
        "server_error": ({"status": 503, "json": {"summary": "Couldn't connect to Institution",
                                                  "type": "ConnectionError", "status_code": 503}}, "provider_down"),
        "rate_limited": ({"status": 429, "json": {"summary": "Rate limit exceeded", "type": "RateLimitError",
                                                  "detail": "Daily request limit set by the Institution has been "
                                                            "exceeded.", "status_code": 429},
                          "headers": {"HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_RESET": "3600"}}, "rate_limited"),
        "timeout": ({"body": TIMEOUT}, "provider_down"),
        "malformed_json": ({"status": 200, "body": '{"transactions": {"booked": [{"transactionId": "x", "tr',
                            "content_type": "application/json"}, "bad_response"),
    }
    reauth_failures = {
        "consent_revoked": {"status": 401, "json": {"summary": "Access has expired or it has been revoked.",
                                                    "type": "AccessExpiredError", "status_code": 401}},
        "account_suspended": {"status": 409, "json": {"summary": "Account suspended",
                                                      "type": "AccountSuspendedError", "status_code": 409}},
    }

    def make_connection(self, user) -> BankConnection:
        return self.contract.make_connection(user, None)

    def payloads(self) -> dict:
        return copy.deepcopy(self.contract.recorded_payloads())

    def register(self, rsps, payloads) -> None:
        self.contract.register_data(rsps, payloads)
        rsps.post(f"{GC_API}/token/refresh/", json=payloads["token_refresh"])

    def register_reauth_extras(self, rsps, name: str) -> None:
        pass

    def register_refreshable_expiry(self, rsps) -> None:
        # Our server token (not the person's consent) is refused once: renewed, then retried.
        rsps.get(self.second_transactions, status=401, json={"summary": "Invalid token", "status_code": 401,
                                                             "detail": "Token is invalid or expired"})

    def yesterday(self, payloads) -> dict:
        old = copy.deepcopy(payloads)
        for name in ("transactions_current", "transactions_savings"):
            old[name]["transactions"]["booked"] = old[name]["transactions"]["booked"][1:]
        for name in ("balances_current", "balances_savings"):
            for balance in old[name]["balances"]:
                balance["balanceAmount"]["amount"] = "1.01"
        return old

    def truth(self, payloads) -> Counter:
        records = []
        for account_id, name in ((CURRENT, "current"),
                                 (SAVINGS, "savings")):
            booked, pending = gc_mapper.transaction_records(as_decimal_json(payloads[f"transactions_{name}"]))
            records += [(account_id, r) for r in booked + pending]
        return Counter((rid, r.status, r.amount, r.description, r.booked_date) for rid, r in records)

    def add_booked(self, payloads, *, days_ago: int, description: str) -> None:
        day = (timezone.localdate() - timedelta(days=days_ago)).isoformat()
        payloads["transactions_current"]["transactions"]["booked"].append({
            "transactionId": f"tid-{description}", "bookingDate": day, "valueDate": day,
            "transactionAmount": {"amount": "-1.11", "currency": "GBP"},
            "remittanceInformationUnstructured": description})

    def drop_booked(self, payloads, description: str) -> None:
        block = payloads["transactions_current"]["transactions"]
        block["booked"] = [b for b in block["booked"] if b.get("remittanceInformationUnstructured") != description]


BANKS = {"truelayer": TrueLayerBank(), "gocardless": GoCardlessBank()}


# --- helpers ------------------------------------------------------------------------------------
def stored(connection) -> Counter:
    return Counter(BankTransaction.objects.filter(account__connection=connection).values_list(
        "account__external_id", "status", "amount", "description", "booked_date"))


def only(counter: Counter, account_id: str) -> Counter:
    return Counter({k: v for k, v in counter.items() if k[0] == account_id})


def account_state(connection, external_id: str) -> tuple:
    account = BankAccount.objects.get(connection=connection, external_id=external_id)
    rows = sorted(BankTransaction.objects.filter(account=account).values_list(
        "id", "external_id", "status", "amount", "description", "updated_at"))
    snapshots = sorted(BalanceSnapshot.objects.filter(account=account).values_list("date", "current", "recorded_at"))
    return rows, account.current_balance, account.available_balance, snapshots


def assert_no_duplicates(connection) -> None:
    keys = Counter(BankTransaction.objects.filter(account__connection=connection).values_list(
        "account_id", "external_id"))
    assert max(keys.values(), default=1) == 1


@pytest.fixture(params=sorted(BANKS))
def bank(request):
    return BANKS[request.param]


@pytest.fixture
def synced_yesterday(bank, user, rsps):
    """A connection whose last sync saw yesterday's bank; the rsps registry is left empty."""
    connection = bank.make_connection(user)
    today = bank.payloads()
    bank.register(rsps, bank.yesterday(today))
    assert connection_sync(connection).outcome == SyncOutcome.SUCCEEDED
    rsps.reset()
    assert stored(connection) == bank.truth(bank.yesterday(today))
    return connection, today


def heal(bank, connection, rsps, payloads) -> SyncRun:
    rsps.reset()
    QuotaLedger.objects.all().delete()  # GoCardless: the bank's daily limit has reset by the next sync
    BankConnection.objects.filter(pk=connection.pk).update(retry_after=None)
    bank.register(rsps, payloads)
    run = connection_sync(BankConnection.objects.get(pk=connection.pk), trigger="manual")
    assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
    assert stored(connection) == bank.truth(payloads), "healed to the provider's truth"
    assert_no_duplicates(connection)
    return run


# --- one account fails, the other is written -------------------------------------------------------
@pytest.mark.parametrize("failure", ["server_error", "rate_limited", "timeout", "malformed_json"])
def test_second_account_failing_leaves_it_untouched_and_the_next_sync_heals(bank, synced_yesterday, rsps,
                                                                            failure, settings):
    connection, today = synced_yesterday
    second_before = account_state(connection, bank.second)
    spec, code = bank.failures[failure]
    bank.register(rsps, today)
    rsps.replace(responses.GET, bank.second_transactions, **spec)

    run = connection_sync(BankConnection.objects.get(pk=connection.pk), trigger="scheduled")

    first_id = next(k for k in run.account_results if k != bank.second)
    assert run.outcome == SyncOutcome.PARTIAL and run.next_action == "retry_later"
    assert run.account_results[first_id]["status"] == "ok"
    assert (run.account_results[bank.second]["status"], run.account_results[bank.second]["error_code"]) == (
        "failed", code)
    if failure == "rate_limited":
        assert run.account_results[bank.second]["retry_after"] >= 120
    # The first account holds today's data, the second is exactly as yesterday left it.
    assert only(stored(connection), first_id) == only(bank.truth(today), first_id)
    assert account_state(connection, bank.second) == second_before
    assert_no_duplicates(connection)
    # One account still synced, so the person sees a working connection; the run says what failed.
    connection.refresh_from_db()
    assert (connection.status, connection.user_state, connection.last_error) == (ConnectionStatus.ACTIVE, "ok", "")
    # 5xx are retried inside the request with backoff (urllib3); a long Retry-After is not slept.
    calls = sum(1 for c in rsps.calls if c.request.url.split("?")[0] == bank.second_transactions)
    expected_calls = {"server_error": 1 + settings.PROVIDER_HTTP_RETRIES}.get(failure, 1)
    assert calls == expected_calls, failure

    heal(bank, connection, rsps, today)


@pytest.mark.parametrize(("bank", "failure"), [(BANKS[slug], failure) for slug in sorted(BANKS)
                                               for failure in BANKS[slug].reauth_failures],
                         ids=lambda v: getattr(v, "slug", v))
def test_second_account_refused_needs_reconnect_and_reconnecting_heals(bank, synced_yesterday, rsps, failure):
    connection, today = synced_yesterday
    second_before = account_state(connection, bank.second)
    bank.register(rsps, today)
    rsps.replace(responses.GET, bank.second_transactions, **bank.reauth_failures[failure])
    bank.register_reauth_extras(rsps, failure)

    run = connection_sync(BankConnection.objects.get(pk=connection.pk), trigger="scheduled")

    assert (run.outcome, run.next_action) == (SyncOutcome.FAILED, "reconnect")
    assert run.error_code == "consent_expired"
    connection.refresh_from_db()
    assert (connection.status, connection.user_state) == (ConnectionStatus.REAUTH_REQUIRED, "reauth_required")
    assert connection.last_error
    # The first account was written in its own transaction before the refusal; the second not at all.
    first_id = next(a for a in BankAccount.objects.filter(connection=connection).values_list(
        "external_id", flat=True) if a != bank.second)
    assert only(stored(connection), first_id) == only(bank.truth(today), first_id)
    assert account_state(connection, bank.second) == second_before
    # Nothing is synced while the connection waits for the person.
    rsps.reset()
    assert connection_sync(connection).outcome == SyncOutcome.FAILED and not rsps.calls

    # The person reconnects (new tokens, active again); the next sync heals.
    BankConnection.objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.ACTIVE, token_expires_at=timezone.now() + timedelta(hours=1))
    heal(bank, connection, rsps, today)


def test_expired_token_mid_sync_is_renewed_and_the_sync_completes(bank, synced_yesterday, rsps):
    connection, today = synced_yesterday
    bank.register_refreshable_expiry(rsps)  # registered first: answers the first call only
    bank.register(rsps, today)
    run = connection_sync(BankConnection.objects.get(pk=connection.pk), trigger="scheduled")
    assert run.outcome == SyncOutcome.SUCCEEDED, run.account_results
    assert stored(connection) == bank.truth(today)
    assert_no_duplicates(connection)
    second_calls = [c for c in rsps.calls if c.request.url.split("?")[0] == bank.second_transactions]
    assert [c.response.status_code for c in second_calls] == [401, 200]
    assert second_calls[0].request.headers["Authorization"] != second_calls[1].request.headers["Authorization"]


def test_transaction_the_bank_drops_is_removed_inside_the_window_exactly_once(bank, user, rsps):
    connection = bank.make_connection(user)
    payloads = bank.payloads()
    bank.add_booked(payloads, days_ago=6, description="PHANTOM INSIDE WINDOW")
    bank.add_booked(payloads, days_ago=60, description="OLD OUTSIDE WINDOW")
    bank.register(rsps, payloads)
    assert connection_sync(connection).outcome == SyncOutcome.SUCCEEDED
    count = BankTransaction.objects.count()
    rsps.reset()

    bank.drop_booked(payloads, "PHANTOM INSIDE WINDOW")
    bank.drop_booked(payloads, "OLD OUTSIDE WINDOW")  # older than this sync's window: not the bank's answer
    bank.register(rsps, payloads)
    run = connection_sync(BankConnection.objects.get(pk=connection.pk))
    assert (run.outcome, run.removed) == (SyncOutcome.SUCCEEDED, 1)
    assert not BankTransaction.objects.filter(description="PHANTOM INSIDE WINDOW").exists()
    assert BankTransaction.objects.filter(description="OLD OUTSIDE WINDOW").count() == 1
    assert BankTransaction.objects.count() == count - 1
    rsps.reset()
    bank.register(rsps, payloads)
    again = connection_sync(BankConnection.objects.get(pk=connection.pk))
    assert (again.outcome, again.added, again.updated, again.removed) == (SyncOutcome.SUCCEEDED, 0, 0, 0)
    assert BankTransaction.objects.count() == count - 1
