"""Plaid on the shared bank contract. The payloads are Plaid's wire shapes (from the spec and
Plaid's docs), served by a small in-test /transactions/sync that diffs what it served before
(the cursor) against the payloads now, as Plaid does: so the contract's "the bank changed its
data" steps become Plaid's added / modified / removed.

Where a cursor source cannot behave as a per-account bank the contract's test is overridden
below, saying why (no token refresh, no per-account fetch, no consent expiry for US Items)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from integrations_core.models import ConnectionStatus, OAuthState, SyncOutcome
from integrations_core.services.oauth import authorization_complete
from integrations_core.services.sync import connection_sync
from open_banking.models import BankAccount, BankConnection, BankTransaction, Institution
from open_banking.services import bank_connection_initiate

from .contract import ProviderContract

PLAID = "https://plaid.test"
LINK = "https://link.plaid.test/"
CHECKING, CARD = "acc-checking-0001", "acc-card-0002"
MALFORMED = '{"added": [{"transaction_id": "t1", "amou'


def _txn(txn_id, account, amount, name, *, days_ago, pending=False, pending_id=None, pfc="FOOD_AND_DRINK_COFFEE"):
    day = (timezone.localdate() - timezone.timedelta(days=days_ago)).isoformat()
    return {"transaction_id": txn_id, "account_id": account, "amount": amount, "iso_currency_code": "USD",
            "unofficial_currency_code": None, "date": day, "authorized_date": day, "datetime": None,
            "name": name, "merchant_name": None, "pending": pending, "pending_transaction_id": pending_id,
            "payment_channel": "in store", "account_owner": None,
            "personal_finance_category": {"primary": pfc.split("_")[0], "detailed": pfc, "confidence_level": "HIGH"}}


def payloads_recorded() -> dict[str, Any]:
    accounts = [
        {"account_id": CHECKING, "name": "Plaid Checking", "official_name": "Plaid Gold Standard 0% Interest Checking",
         "mask": "0000", "type": "depository", "subtype": "checking",
         "balances": {"available": 100, "current": 110, "limit": None, "iso_currency_code": "USD",
                      "unofficial_currency_code": None}},
        {"account_id": CARD, "name": "Plaid Credit Card", "official_name": "Plaid Diamond 12.5% APR Interest Credit Card",
         "mask": "3333", "type": "credit", "subtype": "credit card",
         "balances": {"available": 6600, "current": 410, "limit": 7000, "iso_currency_code": "USD",
                      "unofficial_currency_code": None}},
    ]
    transactions = [
        _txn("tx-salary", CHECKING, -2500.0, "ACME INC PAYROLL", days_ago=20, pfc="INCOME_WAGES"),
        _txn("tx-rent", CHECKING, 1800.0, "RENT PAYMENT", days_ago=18, pfc="RENT_AND_UTILITIES_RENT"),
        _txn("tx-walmart", CHECKING, 54.32, "WALMART #1234", days_ago=6, pfc="GENERAL_MERCHANDISE_SUPERSTORES"),
        _txn("tx-uber", CARD, 23.5, "UBER *TRIP", days_ago=5, pfc="TRANSPORTATION_TAXIS_AND_RIDE_SHARES"),
        _txn("tx-refund", CARD, -12.0, "AMAZON.COM REFUND", days_ago=4, pfc="GENERAL_MERCHANDISE_ONLINE_MARKETPLACES"),
        _txn("tx-costa-pending", CARD, 4.2, "COSTA COFFEE NYC", days_ago=1, pending=True),
    ]
    return {"accounts": accounts, "transactions": transactions}


def _digest(item: dict) -> str:
    return hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest()[:16]


def _cursor(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def _uncursor(cursor: str | None) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(cursor)) if cursor else {}


FAILURE_BODIES = {
    "rate_limited": (429, {"error_type": "RATE_LIMIT_EXCEEDED", "error_code": "TRANSACTIONS_SYNC_LIMIT",
                           "error_message": "rate limit exceeded for attempts to access this item"}),
    "provider_down": (400, {"error_type": "INSTITUTION_ERROR", "error_code": "INSTITUTION_DOWN",
                            "error_message": "this institution is not currently responding"}),
    "consent_expired": (400, {"error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED",
                              "error_message": "the login details of this item have changed"}),
}


def plaid_double(rsps, payloads: dict[str, Any], fail: str | None = None, page_size: int = 500) -> None:
    """Plaid's /transactions/sync, /accounts/balance/get, Link and Item endpoints over `payloads`."""

    def answer_failure():
        if fail == "malformed":
            return 200, {"Content-Type": "application/json"}, MALFORMED
        status, body = FAILURE_BODIES[fail]
        return status, {"Content-Type": "application/json"}, json.dumps({**body, "request_id": "r1"})

    def sync(request):
        if fail:
            return answer_failure()
        body = json.loads(request.body)
        seen = _uncursor(body.get("cursor"))
        now = {t["transaction_id"]: t for t in payloads["transactions"]}
        added = [t for i, t in now.items() if i not in seen]
        modified = [t for i, t in now.items() if i in seen and seen[i][0] != _digest(t)]
        removed = [{"transaction_id": i, "account_id": seen[i][1]} for i in seen if i not in now]
        state = {i: [_digest(t), t["account_id"]] for i, t in now.items()}
        return 200, {}, json.dumps({"added": added, "modified": modified, "removed": removed, "has_more": False,
                                    "next_cursor": _cursor(state), "accounts": payloads["accounts"],
                                    "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE", "request_id": "r"})

    def balances(request):
        if fail:
            return answer_failure()
        return 200, {}, json.dumps({"accounts": payloads["accounts"], "item": {}, "request_id": "r"})

    rsps.add_callback("POST", f"{PLAID}/transactions/sync", callback=sync)
    rsps.add_callback("POST", f"{PLAID}/accounts/balance/get", callback=balances)


def register_connect(rsps) -> None:
    rsps.post(f"{PLAID}/link/token/create", json={"link_token": "link-sandbox-abc", "expiration": "2030-01-01T00:00:00Z",
                                                 "request_id": "r"})
    rsps.post(f"{PLAID}/item/public_token/exchange", json={"access_token": "access-sandbox-SECRET-1",
                                                           "item_id": "item-1", "request_id": "r"})


@pytest.fixture(autouse=True)
def plaid_settings(settings):
    settings.PLAID_URL = PLAID
    settings.PLAID_LINK_URL = LINK
    settings.PLAID_CLIENT_ID = "plaid-client-id"
    settings.PLAID_SECRET = "plaid-secret-XYZ"
    return settings


class TestPlaidContract(ProviderContract):
    slug = "plaid"
    expected_accounts = 2
    expected_booked = 5
    expected_pending = 1

    @pytest.fixture
    def institution(self, db):
        return Institution.objects.create(provider="plaid", external_id="ins_56", name="Chase", country="US")

    def recorded_payloads(self):
        return payloads_recorded()

    def make_connection(self, user, rsps) -> BankConnection:
        return BankConnection.objects.create(user=user, provider="plaid", status=ConnectionStatus.ACTIVE,
                                             institution_id="ins_56", institution_name="Chase",
                                             access_token="access-sandbox-SECRET-1", external_id="item-1")

    def register_connect(self, rsps) -> None:
        register_connect(rsps)

    def assert_authorization_url(self, url, connection) -> None:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == LINK
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert query["token"] == "link-sandbox-abc"
        assert query["redirect_uri"] == "http://testserver/integrations/plaid/callback/"
        assert query["state"] and query["institution_id"] == "ins_56"

    def callback_params(self, state):
        return {"public_token": "public-sandbox-xyz", "state": state}

    def register_data(self, rsps, payloads, fail=None) -> None:
        failure = (fail or {}).get("list") or (fail or {}).get("transactions")
        plaid_double(rsps, payloads, fail=failure)

    def assert_synced_data(self, connection) -> None:
        card = BankAccount.objects.get(external_id=CARD)
        assert (card.type, card.current_balance, card.currency) == ("credit_card", Decimal("-410"), "USD")
        # Plaid's positive amounts are money out: ours are negative.
        assert BankTransaction.objects.get(external_id="tx-rent").amount == Decimal("-1800.00")
        assert BankTransaction.objects.get(external_id="tx-salary").amount == Decimal("2500.00")
        assert BankTransaction.objects.get(external_id="tx-refund").amount == Decimal("12.00")
        assert BankTransaction.objects.get(external_id="tx-rent").category == "RENT_AND_UTILITIES_RENT"

    def account_calls(self, rsps, account_external_id) -> int:
        # One /transactions/sync page and one balance call cover every account of the Item.
        return len([c for c in rsps.calls if c.request.url.startswith(PLAID)])

    def book_pending(self, payloads, *, new_id, amount) -> None:
        pending = next(t for t in payloads["transactions"] if t["pending"])
        payloads["transactions"].remove(pending)
        payloads["transactions"].append({**copy.deepcopy(pending), "transaction_id": new_id, "pending": False,
                                         "amount": float(-amount), "pending_transaction_id": pending["transaction_id"]})

    def drop_booked(self, payloads) -> str:
        dropped = next(t for t in payloads["transactions"] if t["transaction_id"] == "tx-walmart")
        payloads["transactions"].remove(dropped)
        return dropped["name"]

    def register_revoke(self, rsps) -> None:
        rsps.post(f"{PLAID}/item/remove", json={"request_id": "r"})

    def assert_revoked(self, rsps) -> None:
        removes = [c for c in rsps.calls if c.request.url == f"{PLAID}/item/remove"]
        assert len(removes) == 1 and json.loads(removes[0].request.body)["access_token"] == "access-sandbox-SECRET-1"

    # --- where a cursor source differs from a per-account bank ---------------------------------
    def test_connect_returns_authorization_url_and_callback_runs_first_sync(
            self, user, institution, rsps, payloads, django_capture_on_commit_callbacks):
        """As the contract's, except that a US Item has no consent expiry (consent_days None)."""
        self.register_connect(rsps)
        authorization = bank_connection_initiate(user=user, provider_slug=self.slug,
                                                 institution_id=institution.external_id)
        connection = authorization.connection
        self.assert_authorization_url(authorization.authorization_url, connection)
        state = OAuthState.objects.get(connection_id=connection.pk).state
        self.register_data(rsps, payloads)
        with django_capture_on_commit_callbacks(execute=True):
            authorization_complete(user=user, provider_slug=self.slug, state=state, code="",
                                   params=self.callback_params(state))
        connection.refresh_from_db()
        assert (connection.status, connection.external_id) == (ConnectionStatus.ACTIVE, "item-1")
        assert connection.access_token == "access-sandbox-SECRET-1" and connection.consent_expires_at is None
        assert connection.last_synced_at is not None
        assert BankTransaction.objects.filter(status="booked").count() == self.expected_booked
        assert BankTransaction.objects.filter(status="pending").count() == self.expected_pending

    def test_expired_credentials_are_refreshed_before_the_sync(self):
        pytest.skip("Plaid access tokens do not expire and have no refresh token")

    @pytest.mark.parametrize("failure", ["rate_limited", "provider_down", "consent_expired", "malformed"])
    def test_failure_fetching_every_account_is_reported_per_account(self, synced, rsps, payloads, failure):
        """A cursor source fetches the whole Item at once: a failure fails the run, not accounts,
        and nothing stored changes."""
        from .contract import transaction_state

        before = transaction_state()
        self.register_data(rsps, payloads, fail={"transactions": failure})
        run = connection_sync(synced, trigger="scheduled")
        synced.refresh_from_db()
        assert run.outcome == SyncOutcome.FAILED and run.account_results == {}
        assert transaction_state() == before
        self.assert_user_state(synced, failure)

    def test_one_failing_account_does_not_stop_the_others(self):
        pytest.skip("a cursor source has no per-account fetch: one answer covers every account")
