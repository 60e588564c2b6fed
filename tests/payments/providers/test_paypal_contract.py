"""PayPal passes the payments contract against the sandbox mock: connected with the REST app's
client id and secret (the api_key flow), read in 31-day windows with small pages so paging is
exercised, refused by a secret that no longer works."""

from __future__ import annotations

import pytest

from payments.models import PaymentsConnection
from payments.providers.paypal.provider import PayPalProvider
from tests.integrations_core.contract.payments import ActivitySourceContract
from tests.integrations_core.contract.router import HOST, fail_when

LOGIN = "casey"  # a business with PayPal refunds and a chargeback in its history
SECRET = "sandbox-paypal-secret"
TRANSACTIONS = "/sandbox/paypal/v1/reporting/transactions"
RATE_LIMITED = (b'{"name": "RATE_LIMIT_REACHED", "message": "Too many requests. Blocked due to rate limiting.", '
                b'"debug_id": "90957fca61718", "details": []}')
MALFORMED = (200, {"content-type": "application/json"}, b'{"transaction_details": [{"transaction_info": {"tra')


def credentials(login: str = LOGIN, secret: str = SECRET) -> dict:
    return {"environment": "sandbox", "client_id": login, "client_secret": secret}


class TestPayPalContract(ActivitySourceContract):
    slug = "paypal"
    payouts_list_contents = False  # a PayPal withdrawal does not list what it carried

    @pytest.fixture(autouse=True)
    def plain_http_token_endpoint(self, monkeypatch):
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the in-process sandbox host is http://

    def configure(self, settings):
        settings.PAYPAL_SANDBOX_URL = f"{HOST}/sandbox/paypal"
        settings.PAYPAL_HISTORY_DAYS = 500  # the persona's whole book (it starts on 2025-01-01)
        settings.PAYPAL_PAGE_SIZE = 25
        settings.SANDBOX_LATENCY_MS = 0

    def make_provider(self):
        return PayPalProvider()

    def connect(self, api_client, router):
        response = api_client.post("/api/v1/connections/", {"provider": "paypal", "credentials": credentials()},
                                   format="json")
        assert response.status_code == 201, response.content
        return PaymentsConnection.objects.filter(provider="paypal").first()

    def refuse(self, connection, router):
        connection.credentials = credentials(secret="a-secret-that-was-rolled")
        connection.save(update_fields=["credentials"])

    def rate_limit(self, router):
        router.faults.append(fail_when(lambda path, query: "/sandbox/paypal/v1/reporting/" in path, 429, RATE_LIMITED))

    def malformed(self, router):
        router.faults.append(lambda path, query: MALFORMED if path == TRANSACTIONS else None)

    def fail_second_page(self, router):
        router.faults.append(fail_when(lambda path, query: path == TRANSACTIONS and "page=2" in query))
    # --- beyond the contract: what the connect answers and stores, and refused input --------------
    def test_the_secret_is_stored_encrypted_and_never_answered(self, api_client, provider, router,
                                                               django_capture_on_commit_callbacks):
        from django.db import connection as db

        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post("/api/v1/connections/", {"provider": "paypal", "credentials": credentials()},
                                       format="json")
        assert response.status_code == 201, response.content
        assert SECRET not in response.content.decode()
        stored = PaymentsConnection.objects.get(provider="paypal")
        assert stored.credentials["client_secret"] == SECRET  # decrypted by the field
        with db.cursor() as cursor:
            cursor.execute(f"SELECT credentials FROM {PaymentsConnection._meta.db_table} WHERE id = %s",
                           [stored.pk.hex if db.vendor == "sqlite" else stored.pk])
            raw = cursor.fetchone()[0]
        assert SECRET.encode() not in (bytes(raw) if not isinstance(raw, str) else raw.encode())
        listed = api_client.get("/api/v1/connections/")
        assert SECRET not in listed.content.decode()

    def test_a_wrong_secret_is_a_field_error_and_stores_nothing(self, api_client, provider, router):
        response = api_client.post("/api/v1/connections/", {"provider": "paypal", "credentials": credentials(
            secret="wrong")}, format="json")
        assert response.status_code == 400 and "credentials" in response.json()["error"]["fields"]
        assert not PaymentsConnection.objects.filter(provider="paypal").exists()

    def test_missing_fields_are_named(self, api_client, provider, router):
        response = api_client.post("/api/v1/connections/", {"provider": "paypal", "credentials": {
            "environment": "production"}}, format="json")
        fields = response.json()["error"]["fields"]
        assert response.status_code == 400
        assert {"credentials.environment", "credentials.client_id", "credentials.client_secret"} <= set(fields)
