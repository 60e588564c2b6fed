"""Stripe beyond the shared contract: webhooks (Stripe-Signature, tolerance, rotation, replay),
the Connect OAuth specifics (read_only link, deauthorize on disconnect), a restricted key
lacking a permission, and the error mapping."""

from __future__ import annotations

import time

import pytest
import responses
import stripe
from django.core.cache import cache
from django.test import Client

from integrations_core.models import ConnectionStatus, SyncOutcome, WebhookEvent, WebhookRejection
from integrations_core.providers.errors import (
    BadProviderResponse,
    ConsentExpired,
    ProviderAuthError,
    ProviderUnavailable,
    RateLimited,
    ScopeMissing,
)
from integrations_core.providers.registry import registry
from integrations_core.services.sync import connection_sync
from payments.models import BalanceTransaction, Dispute, PaymentsConnection
from payments.providers.stripe.client import error_from
from payments.providers.stripe.provider import StripeConnectProvider, StripeKeyProvider
from sandbox.stripe import webhooks as sender
from tests.integrations_core.contract.payments import PaymentsRouter

from .test_stripe_contract import configure_stripe, oauth_connect

URL = "/integrations/stripe/webhook/"


@pytest.fixture
def router(settings, db):
    settings.PROVIDER_HTTP_RETRIES = 0
    configure_stripe(settings)
    cache.clear()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield PaymentsRouter(mock)


@pytest.fixture
def providers(router):
    found = [StripeConnectProvider(), StripeKeyProvider()]
    for provider in found:
        registry.register(provider)
    yield found
    for provider in found:
        registry.unregister(provider.slug)


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr("integrations_core.services.sync_queue.connection_sync_enqueue",
                        lambda connection, *, trigger="manual": calls.append((connection.pk, trigger)))
    return calls


@pytest.fixture
def connected(user, providers):
    return PaymentsConnection.objects.create(user=user, provider="stripe", status=ConnectionStatus.ACTIVE,
                                             external_id="acct_1abc", institution_name="Stripe")


def post(body: bytes, headers: dict, capture):
    extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items() if k != "Content-Type"}
    with capture(execute=True):
        return Client().post(URL, data=body, content_type="application/json", **extra)


# --- webhooks --------------------------------------------------------------------------------------
def test_a_signed_payout_event_queues_one_sync(connected, queued, django_capture_on_commit_callbacks):
    body, headers = sender.delivery(sender.event_build("payout.paid", account="acct_1abc"))
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 202
    assert queued == [(connected.pk, "webhook")]
    # More events in the debounce window queue nothing more: the one sync reads them all.
    for kind in ("charge.dispute.created", "balance.available", "payout.failed"):
        body, headers = sender.delivery(sender.event_build(kind, account="acct_1abc"))
        assert post(body, headers, django_capture_on_commit_callbacks).status_code == 202
    assert queued == [(connected.pk, "webhook")]


def test_both_signatures_of_a_rolled_secret_are_accepted(settings, connected, queued,
                                                         django_capture_on_commit_callbacks):
    settings.STRIPE_WEBHOOK_SECRETS = ["whsec_new"]
    body, headers = sender.delivery(sender.event_build("payout.paid", account="acct_1abc"),
                                    signing_secrets=["whsec_old", "whsec_new"])
    assert headers["Stripe-Signature"].count("v1=") == 2
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 202


@pytest.mark.parametrize(("case", "status", "code"), [
    ("bad_signature", 401, "bad_signature"), ("stale", 401, "stale"), ("future", 401, "stale"),
    ("unsigned", 401, "unsigned"), ("no_v1", 401, "bad_signature"), ("tampered", 401, "bad_signature"),
])
def test_a_forged_stale_or_unsigned_delivery_is_refused_and_nothing_runs(case, status, code, connected, queued,
                                                                        django_capture_on_commit_callbacks):
    event = sender.event_build("payout.paid", account="acct_1abc")
    now = int(time.time())
    stamp = {"stale": now - 301, "future": now + 301}.get(case, now)
    body, headers = sender.delivery(event, timestamp=stamp, bad_signature=case == "bad_signature")
    if case == "unsigned":
        headers.pop("Stripe-Signature")
    if case == "no_v1":
        headers["Stripe-Signature"] = f"t={now}"
    if case == "tampered":
        body = body.replace(b"payout.paid", b"payout.fail")
    answer = post(body, headers, django_capture_on_commit_callbacks)
    assert answer.status_code == status and answer.json()["error"]["code"] == code
    assert queued == [] and not WebhookEvent.objects.exists()
    assert WebhookRejection.objects.filter(provider="stripe", code=code).exists()


def test_a_delivery_inside_the_tolerance_passes(connected, queued, django_capture_on_commit_callbacks):
    body, headers = sender.delivery(sender.event_build("payout.paid", account="acct_1abc"),
                                    timestamp=int(time.time()) - 290)
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 202


def test_a_replayed_event_is_refused_and_processed_once(connected, queued, django_capture_on_commit_callbacks):
    event = sender.event_build("payout.paid", account="acct_1abc")
    body, headers = sender.delivery(event)
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 202
    cache.clear()  # past the debounce: only the replay check stands between it and a second sync
    body, headers = sender.delivery(event)  # Stripe's retry of the same event, signed anew
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 409
    assert queued == [(connected.pk, "webhook")]
    assert WebhookEvent.objects.filter(provider="stripe").count() == 1


def test_deauthorized_account_needs_the_person(connected, queued, django_capture_on_commit_callbacks):
    body, headers = sender.delivery(sender.event_build("account.application.deauthorized", account="acct_1abc"))
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 202
    connected.refresh_from_db()
    assert connected.status == ConnectionStatus.REAUTH_REQUIRED and queued == []


def test_an_event_for_an_unknown_account_does_nothing(connected, queued, django_capture_on_commit_callbacks):
    body, headers = sender.delivery(sender.event_build("payout.paid", account="acct_someone_else"))
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 202
    assert queued == []


def test_without_secrets_the_endpoint_is_not_there(settings, providers):
    settings.STRIPE_WEBHOOK_SECRETS = []
    assert Client().post(URL, data=b"{}", content_type="application/json").status_code == 404
    assert Client().post("/integrations/stripe_key/webhook/", data=b"{}",
                         content_type="application/json").status_code == 404


# --- Connect OAuth ---------------------------------------------------------------------------------
def test_disconnecting_deauthorizes_the_account_at_stripe(api_client, providers, router,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        connection = oauth_connect(api_client, "oauth-user")
    connection.refresh_from_db()
    assert connection.external_id.startswith("acct_") and connection.status == ConnectionStatus.ACTIVE
    assert connection.access_token
    answer = api_client.delete(f"/api/v1/payments/connections/{connection.pk}/")
    assert answer.status_code in (200, 204), answer.content
    assert router.count("/oauth/deauthorize", status=200) == 1
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED and not connection.access_token


def test_denying_at_stripe_connects_nothing(api_client, providers, router):
    from urllib.parse import parse_qs, urlsplit

    started = api_client.post("/api/v1/connections/", {"provider": "stripe"}, format="json").json()
    url = urlsplit(started["authorization_url"])
    link = {k: v[0] for k, v in parse_qs(url.query).items()}
    back = Client().post(url.path, {**link, "decision": "deny"})
    answer = {k: v[0] for k, v in parse_qs(urlsplit(back["Location"]).query).items()}
    assert answer["error"] == "access_denied"
    done = api_client.post(f"/api/v1/connections/{started['connection']['id']}/complete/",
                           {"code": "", "state": answer["state"], "error": "access_denied"}, format="json")
    assert done.status_code == 400
    assert not BalanceTransaction.objects.exists()


def test_a_code_is_single_use(api_client, providers, router):
    response = Client().post("/sandbox/stripe/connect/oauth/token", {"grant_type": "authorization_code",
                                                                     "code": "ac_forged"},
                             HTTP_AUTHORIZATION="Bearer sk_test_sandbox_platform")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


# --- restricted keys -------------------------------------------------------------------------------
def connect_key(api_client, key: str):
    return api_client.post("/api/v1/connections/", {"provider": "stripe_key", "credentials": {"api_key": key}},
                           format="json")


@pytest.mark.parametrize("key", ["sk_test_full_access", "pk_test_publishable", "rk_test_"])
def test_only_a_restricted_key_is_accepted(api_client, providers, key):
    answer = connect_key(api_client, key)
    assert answer.status_code == 400 and "credentials" in answer.json()["error"]["fields"]
    assert not PaymentsConnection.objects.exists()


def test_a_key_without_the_balance_permission_is_refused_naming_it(api_client, providers):
    answer = connect_key(api_client, "rk_test_taylor+no-rak_balance_read")
    assert answer.status_code == 400
    assert "rak_balance_read" in answer.json()["error"]["message"]
    assert not PaymentsConnection.objects.exists()


def test_a_key_without_disputes_syncs_the_rest_and_names_the_permission(api_client, providers,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert connect_key(api_client, "rk_test_taylor+no-rak_dispute_read").status_code == 201
    connection = PaymentsConnection.objects.get()
    from integrations_core.models import SyncRun

    run = SyncRun.objects.filter(connection_id=connection.pk).latest("started_at")
    assert run.outcome == SyncOutcome.PARTIAL
    assert all("rak_dispute_read" in r["error"] for r in run.account_results.values())
    assert BalanceTransaction.objects.exists() and not Dispute.objects.exists()


def test_the_key_never_reaches_the_api_or_the_logs(api_client, providers, caplog, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        connect_key(api_client, "rk_test_taylor")
    connection = PaymentsConnection.objects.get()
    assert connection.credentials["api_key"] == "rk_test_taylor"
    for path in ("/api/v1/connections/", "/api/v1/payments/connections/", f"/api/v1/payments/connections/{connection.pk}/",
                 "/api/v1/payments/balances/", "/api/v1/payments/balance-transactions/"):
        assert b"rk_test_taylor" not in api_client.get(path).content
    assert "rk_test_taylor" not in caplog.text


# --- error mapping ---------------------------------------------------------------------------------
def _err(cls, status, code="", message="", **kw):
    body = {"error": {"type": "invalid_request_error", "code": code, "message": message}}
    if cls in (stripe.InvalidRequestError,):
        return cls(message, None, code, json_body=body, http_status=status)
    return cls(message, json_body=body, http_status=status)


@pytest.mark.parametrize(("exc", "connected_account", "expected"), [
    (_err(stripe.AuthenticationError, 401, message="Invalid API Key provided: rk_test_****"), False,
     ProviderAuthError),
    (_err(stripe.AuthenticationError, 401), True, ConsentExpired),
    (_err(stripe.PermissionError, 403, "account_invalid", "Application access may have been revoked."), True,
     ConsentExpired),
    (_err(stripe.PermissionError, 403, message="Having the 'rak_payout_read' permission would allow this request "
                                              "to continue."), False, ScopeMissing),
    (_err(stripe.RateLimitError, 429, "rate_limit"), False, RateLimited),
    (_err(stripe.APIError, 500), False, ProviderUnavailable),
    (stripe.APIConnectionError("timeout"), False, ProviderUnavailable),
    (_err(stripe.APIError, 200), False, BadProviderResponse),
])
def test_errors_map_to_the_shared_vocabulary(exc, connected_account, expected):
    mapped = error_from(exc, connected_account=connected_account)
    assert type(mapped) is expected
    if expected is ScopeMissing:
        assert mapped.scope == "rak_payout_read" and "rak_payout_read" in mapped.user_message


def test_revoked_access_makes_the_next_sync_ask_for_the_person(api_client, providers, router,
                                                              django_capture_on_commit_callbacks):
    from sandbox.stripe.connect import revoke_access

    with django_capture_on_commit_callbacks(execute=True):
        connection = oauth_connect(api_client, "revoker")
    revoke_access("revoker")
    connection.refresh_from_db()
    connection.next_sync_at = connection.retry_after = None
    connection.save()
    run = connection_sync(connection, trigger="manual")
    connection.refresh_from_db()
    assert run.outcome == SyncOutcome.FAILED and connection.status == ConnectionStatus.REAUTH_REQUIRED
    assert run.error_code == "consent_expired"


def test_first_then_incremental_window_overlaps(api_client, providers, router, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        connect_key(api_client, "rk_test_windows")
    first = [c for c in router.calls if c.path.endswith("/v1/balance_transactions") and "payout=" not in c.query]
    assert first and all("created" not in c.query for c in first)
    connection = PaymentsConnection.objects.get()
    router.reset_calls()
    connection.retry_after = None
    connection.save()
    connection_sync(connection, trigger="manual")
    again = [c for c in router.calls if c.path.endswith("/v1/balance_transactions") and "payout=" not in c.query]
    assert again and all("created%5Bgte%5D=" in c.query or "created[gte]=" in c.query for c in again)
    # Final payouts' contents were read once and are not read again.
    assert router.count("/v1/balance_transactions") - len(again) <= 2


@pytest.mark.parametrize("body", [b'{"error": "down"}', b"<html>Bad gateway</html>", b"[]"])
def test_an_answer_not_in_stripes_shape_is_a_provider_failure_not_a_crash(api_client, providers, router, body,
                                                                        django_capture_on_commit_callbacks):
    from tests.integrations_core.contract.router import fail_when

    with django_capture_on_commit_callbacks(execute=True):
        connect_key(api_client, "rk_test_shapes")
    connection = PaymentsConnection.objects.get()
    before = BalanceTransaction.objects.count()
    router.faults.append(fail_when(lambda path, query: path.endswith("/v1/payouts"), 502, body))
    connection.retry_after = None
    connection.save()
    run = connection_sync(connection, trigger="manual")
    assert run.outcome == SyncOutcome.FAILED and run.error_code in ("provider_down", "bad_response"), run.error_code
    assert BalanceTransaction.objects.count() == before
