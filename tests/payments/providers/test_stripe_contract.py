"""Stripe passes the payments contract against the sandbox mock, both ways in: Connect OAuth
(the platform key + Stripe-Account) and a restricted key."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.test import Client

from payments.models import PaymentsConnection
from payments.providers.stripe.provider import StripeConnectProvider, StripeKeyProvider
from sandbox.stripe.connect import revoke_access
from tests.integrations_core.contract.payments import ActivitySourceContract
from tests.integrations_core.contract.router import HOST, fail_when

LOGIN = "taylor"
RATE_LIMITED = (429, {"content-type": "application/json"},
                b'{"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Request rate limit '
                b'exceeded."}}')
MALFORMED = (200, {"content-type": "application/json"}, b'{"object": "list", "data": [{"id": "txn_1", "obj')


def configure_stripe(settings) -> None:
    settings.STRIPE_API_URL = f"{HOST}/sandbox/stripe/api"
    settings.STRIPE_CONNECT_URL = f"{HOST}/sandbox/stripe/connect"
    settings.STRIPE_CLIENT_ID = "ca_sandbox_platform"
    settings.STRIPE_SECRET_KEY = "sk_test_sandbox_platform"
    settings.STRIPE_WEBHOOK_SECRETS = ["whsec_sandbox"]


def oauth_connect(api_client, login: str = LOGIN) -> PaymentsConnection | None:
    """The person's whole journey: start, the mock's Connect page, back with a code, complete."""
    started = api_client.post("/api/v1/connections/", {"provider": "stripe"}, format="json")
    assert started.status_code == 201, started.content
    url = urlsplit(started.json()["authorization_url"])
    assert url.path.endswith("/oauth/authorize")
    link = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert link["scope"] == "read_only" and link["response_type"] == "code"
    page = Client()
    shown = page.get(url.path, link)
    assert shown.status_code == 200
    back = page.post(url.path, {**link, "decision": "allow", "username": login})
    assert back.status_code == 302, back.content
    answer = {k: v[0] for k, v in parse_qs(urlsplit(back["Location"]).query).items()}
    connection_id = started.json()["connection"]["id"]
    done = api_client.post(f"/api/v1/connections/{connection_id}/complete/",
                           {"code": answer["code"], "state": answer["state"]}, format="json")
    assert done.status_code == 200, done.content
    return PaymentsConnection.objects.filter(pk=connection_id).first()


class StripeContractBase(ActivitySourceContract):
    def configure(self, settings):
        configure_stripe(settings)

    def rate_limit(self, router):
        router.faults.append(fail_when(lambda path, query: "/sandbox/stripe/api/" in path, 429, RATE_LIMITED[2]))

    def malformed(self, router):
        router.faults.append(lambda path, query: MALFORMED if path.endswith("/v1/balance_transactions") else None)

    def fail_second_page(self, router):
        router.faults.append(fail_when(lambda path, query: path.endswith("/v1/balance_transactions")
                                       and "starting_after" in query))


class TestStripeConnectContract(StripeContractBase):
    slug = "stripe"

    def make_provider(self):
        return StripeConnectProvider()

    def connect(self, api_client, router):
        return oauth_connect(api_client)

    def refuse(self, connection, router):
        revoke_access(LOGIN)


class TestStripeKeyContract(StripeContractBase):
    slug = "stripe_key"

    def make_provider(self):
        return StripeKeyProvider()

    def connect(self, api_client, router):
        response = api_client.post("/api/v1/connections/", {"provider": "stripe_key",
                                                            "credentials": {"api_key": f"rk_test_{LOGIN}"}},
                                   format="json")
        assert response.status_code == 201, response.content
        return PaymentsConnection.objects.filter(provider="stripe_key").first()

    def refuse(self, connection, router):
        connection.credentials = {"api_key": "rk_test_error.expired"}
        connection.save(update_fields=["credentials"])
