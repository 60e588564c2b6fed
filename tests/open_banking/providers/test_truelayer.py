"""TrueLayer: the shared contract on recorded payloads, then what only TrueLayer does."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from integrations_core.models import ConnectionStatus, SyncOutcome
from integrations_core.services.sync import connection_sync
from open_banking.models import BankAccount, BankConnection, BankTransaction, Institution
from open_banking.providers.truelayer.provider import FALLBACK_HISTORY_DAYS

from ..conftest import TL_API, TL_AUTH
from .contract import ProviderContract, load_payload

DATA = f"{TL_API}/data/v1"
ACCOUNT_ID = "f1234560abf9f57287637624def390871"
CARD_ID = "0f7c1a3b9e5d4c2a8b6f0e1d2c3b4a59"
NAMES = ("token", "token_refreshed", "me", "accounts", "cards", "account_balance", "card_balance",
         "account_transactions", "account_pending", "card_transactions", "card_pending")
MALFORMED = '{"results": [{"account_id": "a1", "display_name": "Curr'


def failure_response(failure: str) -> dict[str, Any]:
    return {
        "rate_limited": {"status": 429, "json": {"error": "provider_too_many_requests"},
                         "headers": {"Retry-After": "120"}},
        "provider_down": {"status": 503, "json": {"error": "provider_error",
                                                  "error_description": "The bank is unavailable"}},
        "consent_expired": {"status": 403, "json": {"error": "access_denied"}},
        "malformed": {"status": 200, "body": MALFORMED, "content_type": "application/json"},
    }[failure]


class TestTrueLayerContract(ProviderContract):
    slug = "truelayer"
    expected_accounts = 2  # one current account, one credit card
    expected_booked = 5
    expected_pending = 1

    @pytest.fixture
    def institution(self, db):
        return Institution.objects.create(provider="truelayer", external_id="ob-lloyds", name="Lloyds")

    def recorded_payloads(self):
        return {name: load_payload("truelayer", name) for name in NAMES}

    def make_connection(self, user, rsps) -> BankConnection:
        return BankConnection.objects.create(
            user=user, provider="truelayer", status=ConnectionStatus.ACTIVE, institution_id="ob-lloyds",
            institution_name="Lloyds", access_token="tl-access-token-SECRET-0001",
            refresh_token="tl-refresh-token-SECRET-0001", token_expires_at=timezone.now() + timedelta(hours=1),
            consent_expires_at=timezone.now() + timedelta(days=90))

    def register_connect(self, rsps) -> None:
        payloads = self.recorded_payloads()
        rsps.post(f"{TL_AUTH}/connect/token", json=payloads["token"])
        rsps.get(f"{DATA}/me", json=payloads["me"])

    def assert_authorization_url(self, url, connection) -> None:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{TL_AUTH}/"
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert query["response_type"] == "code"
        assert query["client_id"] == "test-client-id"
        assert query["redirect_uri"] == "http://testserver/integrations/truelayer/callback/"
        assert "offline_access" in query["scope"].split() and "cards" in query["scope"].split()
        assert query["providers"] == "uk-ob-all uk-oauth-all"
        assert query["provider_id"] == "ob-lloyds"
        assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) >= 43
        assert query["state"]

    def callback_params(self, state):
        return {"code": "auth-code-123", "state": state}

    def register_data(self, rsps, payloads, fail=None) -> None:
        fail = fail or {}

        def add(url, payload, failure=None):
            if failure:
                rsps.get(url, **failure_response(failure))
            else:
                rsps.get(url, json=payload)

        add(f"{DATA}/accounts", payloads["accounts"], fail.get("list"))
        add(f"{DATA}/cards", payloads["cards"])
        for kind, rid, first in (("accounts", ACCOUNT_ID, True), ("cards", CARD_ID, False)):
            prefix = "account" if kind == "accounts" else "card"
            txn_failure = fail.get("transactions") or (fail.get("transactions:first") if first else None)
            add(f"{DATA}/{kind}/{rid}/balance", payloads[f"{prefix}_balance"])
            add(f"{DATA}/{kind}/{rid}/transactions", payloads[f"{prefix}_transactions"], txn_failure)
            add(f"{DATA}/{kind}/{rid}/transactions/pending", payloads[f"{prefix}_pending"])

    def account_calls(self, rsps, account_external_id):
        return sum(1 for call in rsps.calls if f"/{account_external_id}/" in call.request.url)

    def book_pending(self, payloads, *, new_id, amount) -> None:
        pending = payloads["account_pending"]["results"].pop()
        booked = {**pending, "transaction_id": "fresh-transaction-id", "normalised_provider_transaction_id": new_id,
                  "amount": float(amount), "timestamp": f"{timezone.localdate().isoformat()}T00:00:00Z"}
        payloads["account_transactions"]["results"].insert(0, booked)

    def drop_booked(self, payloads) -> str:
        results = payloads["account_transactions"]["results"]
        payloads["account_transactions"]["results"] = [r for r in results if r["description"] != "PAYPAL EBAY"]
        return "PAYPAL EBAY"

    def expire_credentials(self, connection) -> None:
        connection.token_expires_at = timezone.now() - timedelta(minutes=1)
        connection.save(update_fields=["token_expires_at"])

    def register_refresh(self, rsps) -> None:
        rsps.post(f"{TL_AUTH}/connect/token", json=load_payload("truelayer", "token_refreshed"))

    def assert_refreshed(self, connection, rsps) -> None:
        connection.refresh_from_db()
        assert connection.access_token == "tl-access-token-SECRET-0002"
        assert connection.refresh_token == "tl-refresh-token-SECRET-0002"
        token_calls = [c for c in rsps.calls if c.request.url.endswith("/connect/token")]
        assert len(token_calls) == 1 and "grant_type=refresh_token" in token_calls[0].request.body
        data_call = [c for c in rsps.calls if "/data/v1/" in c.request.url][-1]
        assert data_call.request.headers["Authorization"] == "Bearer tl-access-token-SECRET-0002"

    def register_revoke(self, rsps) -> None:
        rsps.delete(f"{TL_AUTH}/api/delete", json={})

    def assert_revoked(self, rsps) -> None:
        deletes = [c for c in rsps.calls if c.request.method == "DELETE"]
        assert len(deletes) == 1
        assert deletes[0].request.headers["Authorization"] == "Bearer tl-access-token-SECRET-0001"

    def assert_synced_data(self, connection) -> None:
        current = BankAccount.objects.get(connection=connection, external_id=ACCOUNT_ID)
        assert (current.type, current.current_balance, current.available_balance) == (
            "current", Decimal("1170.20"), Decimal("1161.20"))
        assert (current.iban_masked, current.sort_code_masked, current.masked_number) == (
            "GB35****1234", "**-**-56", "****5678")
        assert "12345678" not in str(current.raw) and "GB35LOYD12345678901234" not in str(current.raw)
        card = BankAccount.objects.get(connection=connection, external_id=CARD_ID)
        # TrueLayer reports a card's current balance as a positive amount owed; it is stored
        # with the one convention every provider shares (negative = owed). Extras stay positive.
        assert (card.type, card.current_balance, card.credit_limit, card.payment_due) == (
            "credit_card", Decimal("-20.00"), Decimal("3300.00"), Decimal("5.00"))
        assert card.payment_due_date == timezone.localdate() + timedelta(days=5)
        assert card.masked_number == "****4321" and "JOHN DOE" not in str(card.raw)


class TestTrueLayerSpecifics:
    """Behaviour only TrueLayer has, on the same recorded payloads."""

    contract = TestTrueLayerContract()

    @pytest.fixture
    def payloads(self):
        return self.contract.recorded_payloads()

    @pytest.fixture
    def connection(self, user, rsps):
        return self.contract.make_connection(user, rsps)

    def test_card_amounts_are_flipped_to_negative_money_out(self, connection, rsps, payloads):
        self.contract.register_data(rsps, payloads)
        connection_sync(connection)
        card = BankAccount.objects.get(external_id=CARD_ID)
        amounts = dict(card.transactions.values_list("description", "amount"))
        assert amounts == {"AMAZON.CO.UK": Decimal("-49.99"), "AMAZON.CO.UK REFUND": Decimal("10.00")}
        spend = card.transactions.get(description="AMAZON.CO.UK")
        assert spend.transaction_type == "debit"

    def test_amounts_and_running_balances_are_exact_decimals(self, connection, rsps, payloads):
        self.contract.register_data(rsps, payloads)
        connection_sync(connection)
        google = BankTransaction.objects.get(description="GOOGLE PLAY STORE")
        assert (google.amount, google.running_balance) == (Decimal("-2.99"), Decimal("1238.60"))
        assert google.provider_category == "Entertainment/Games"
        assert google.merchant_name == "Google play"

    def test_an_unchanged_resync_with_reissued_transaction_ids_rewrites_nothing(self, connection, rsps, payloads):
        self.contract.register_data(rsps, payloads)
        connection_sync(connection)
        google = BankTransaction.objects.get(description="GOOGLE PLAY STORE")
        assert google.external_id == "txn-norm-0001"
        # The per-request transaction_id is neither a key nor stored; the bank's own id is.
        assert "transaction_id" not in google.raw
        assert google.provider_transaction_id == "9882ks-00js"  # meta.bank_transaction_id
        stamps = dict(BankTransaction.objects.values_list("pk", "updated_at"))
        rsps.reset()
        # The bank re-issues every transaction_id on the next request: still one row each, and
        # nothing is rewritten (before, every row in the window was updated on every sync).
        for item in payloads["account_transactions"]["results"]:
            item["transaction_id"] = "reissued-" + item["transaction_id"]
        self.contract.register_data(rsps, payloads)
        run = connection_sync(connection)
        assert BankTransaction.objects.filter(status="booked").count() == 5
        assert (run.added, run.updated, run.removed) == (0, 0, 0)
        assert dict(BankTransaction.objects.values_list("pk", "updated_at")) == stamps

    def test_a_new_update_timestamp_alone_does_not_rewrite_the_accounts_raw(self, connection, rsps, payloads):
        """TrueLayer stamps every answer with when it was made; on its own that is no change (an
        UPDATE per account per sync). Anything else new in the payload is stored, stamp and all."""
        self.contract.register_data(rsps, payloads)
        connection_sync(connection)
        first = {a.external_id: a.raw for a in BankAccount.objects.all()}
        item = payloads["accounts"]["results"][0]
        rsps.reset()
        item["update_timestamp"] = "2030-01-01T00:00:00Z"
        self.contract.register_data(rsps, payloads)
        connection_sync(connection)
        assert {a.external_id: a.raw for a in BankAccount.objects.all()} == first
        rsps.reset()
        item["provider"] = {**item.get("provider", {}), "display_name": "RENAMED BANK"}
        self.contract.register_data(rsps, payloads)
        connection_sync(connection)
        stored = BankAccount.objects.get(external_id=item["account_id"]).raw
        assert stored["provider"]["display_name"] == "RENAMED BANK"
        assert stored["update_timestamp"] == "2030-01-01T00:00:00Z"

    def test_refused_token_is_refreshed_once_mid_sync(self, connection, rsps, payloads):
        rsps.get(f"{DATA}/accounts", status=401, json={"error": "invalid_token"})
        rsps.post(f"{TL_AUTH}/connect/token", json=load_payload("truelayer", "token_refreshed"))
        self.contract.register_data(rsps, payloads)
        run = connection_sync(connection)
        assert run.outcome == SyncOutcome.SUCCEEDED
        connection.refresh_from_db()
        assert connection.access_token == "tl-access-token-SECRET-0002"

    def test_refresh_refused_with_invalid_grant_needs_reconnect(self, connection, rsps, payloads):
        connection.token_expires_at = timezone.now() - timedelta(minutes=1)
        connection.save()
        rsps.post(f"{TL_AUTH}/connect/token", status=400, json={"error": "invalid_grant"})
        run = connection_sync(connection)
        connection.refresh_from_db()
        assert (run.outcome, run.next_action) == (SyncOutcome.FAILED, "reconnect")
        assert connection.status == ConnectionStatus.REAUTH_REQUIRED

    def test_history_refused_falls_back_to_89_days_on_first_sync(self, connection, rsps, payloads):
        rsps.get(f"{DATA}/accounts/{ACCOUNT_ID}/transactions", status=400, json={"error": "invalid_date_range"})
        self.contract.register_data(rsps, payloads)
        run = connection_sync(connection)
        assert run.outcome == SyncOutcome.SUCCEEDED
        calls = [c.request.url for c in rsps.calls if c.request.url.split("?")[0].endswith(
            f"{ACCOUNT_ID}/transactions")]
        expected_from = (timezone.localdate() - timedelta(days=FALLBACK_HISTORY_DAYS)).isoformat()
        assert len(calls) == 2 and f"from={expected_from}" in calls[1]

    def test_bank_without_pending_endpoint_keeps_stored_pending(self, connection, rsps, payloads):
        self.contract.register_data(rsps, payloads)
        connection_sync(connection)
        rsps.reset()
        rsps.get(f"{DATA}/accounts/{ACCOUNT_ID}/transactions/pending", status=501,
                 json={"error": "endpoint_not_supported"})
        self.contract.register_data(rsps, payloads)
        run = connection_sync(connection)
        assert run.outcome == SyncOutcome.SUCCEEDED
        assert BankTransaction.objects.filter(status="pending").count() == 1

    def test_bank_without_cards_lists_only_accounts(self, connection, rsps, payloads):
        rsps.get(f"{DATA}/cards", status=501, json={"error": "endpoint_not_supported"})
        self.contract.register_data(rsps, payloads)
        run = connection_sync(connection)
        assert run.outcome == SyncOutcome.SUCCEEDED
        assert list(BankAccount.objects.values_list("external_id", flat=True)) == [ACCOUNT_ID]

    def test_incremental_sync_asks_from_last_booked_date_minus_overlap(self, connection, rsps, payloads):
        self.contract.register_data(rsps, payloads)
        connection_sync(connection)
        rsps.reset()
        self.contract.register_data(rsps, payloads)
        connection_sync(connection)
        call = next(c.request.url for c in rsps.calls if c.request.url.split("?")[0].endswith(
            f"{ACCOUNT_ID}/transactions"))
        # Latest booked item is 3 days old; the core overlaps 10 days.
        assert f"from={(timezone.localdate() - timedelta(days=13)).isoformat()}" in call

    def test_connect_survives_a_failing_me_and_assumes_90_days(self, user, rsps, django_capture_on_commit_callbacks):
        from integrations_core.models import OAuthState
        from integrations_core.services.oauth import authorization_complete
        from open_banking.services import bank_connection_initiate

        authorization = bank_connection_initiate(user=user, provider_slug="truelayer")
        state = OAuthState.objects.get(connection_id=authorization.connection.pk).state
        rsps.post(f"{TL_AUTH}/connect/token", json=load_payload("truelayer", "token"))
        rsps.get(f"{DATA}/me", status=500, json={"error": "internal_error"})
        rsps.get(f"{DATA}/accounts", status=500, json={"error": "internal_error"})
        connection = authorization_complete(user=user, provider_slug="truelayer", state=state, code="c",
                                            params={"code": "c", "state": state})
        assert connection.status == ConnectionStatus.ACTIVE
        expected = timezone.now() + timedelta(days=90)
        assert abs((connection.consent_expires_at - expected).total_seconds()) < 60

    def test_consent_expiry_comes_from_me(self, user, rsps):
        from integrations_core.models import OAuthState
        from integrations_core.services.oauth import authorization_complete
        from open_banking.services import bank_connection_initiate

        authorization = bank_connection_initiate(user=user, provider_slug="truelayer")
        state = OAuthState.objects.get(connection_id=authorization.connection.pk).state
        me = load_payload("truelayer", "me")
        me["results"][0]["consent_expires_at"] = "2031-01-02T03:04:05Z"
        rsps.post(f"{TL_AUTH}/connect/token", json=load_payload("truelayer", "token"))
        rsps.get(f"{DATA}/me", json=me)
        connection = authorization_complete(user=user, provider_slug="truelayer", state=state, code="c",
                                            params={"code": "c", "state": state})
        assert connection.consent_expires_at.isoformat() == "2031-01-02T03:04:05+00:00"
        assert connection.external_id == me["results"][0]["credentials_id"]
