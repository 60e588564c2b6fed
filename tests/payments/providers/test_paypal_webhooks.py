"""PayPal webhooks through the core endpoint: verified by PayPal's verify-webhook-signature call
(SUCCESS accepted; FAILURE, a failing call, missing headers, a stale transmission and a merchant
we hold no webhook for refused and recorded), then a debounced sync of the merchant's
connection."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from integrations_core.models import ConnectionStatus, WebhookEvent, WebhookRejection
from payments.models import PaymentsConnection
from sandbox.paypal.data import merchant_id
from sandbox.paypal.views import signed_delivery, webhook_id

from .paypal_http import SECRET, answer_when

URL = "/integrations/paypal/webhook/"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LOGIN = "casey"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def setup(monkeypatch, settings, paypal):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    settings.PROVIDER_HTTP_RETRIES = 0
    settings.WEBHOOK_SYNC_DEBOUNCE_SECONDS = 60
    monkeypatch.setattr("sandbox.clock.now", lambda: NOW)
    cache.clear()
    with time_machine.travel(NOW, tick=False):
        yield
    cache.clear()


@pytest.fixture
def connection(user):
    return PaymentsConnection.objects.create(
        user=user, provider="paypal", status=ConnectionStatus.ACTIVE, external_id=merchant_id(LOGIN),
        credentials={"environment": "sandbox", "client_id": LOGIN, "client_secret": SECRET,
                     "webhook_id": webhook_id(LOGIN)})


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr("integrations_core.services.sync_queue.connection_sync_enqueue",
                        lambda connection, *, trigger="manual": calls.append((connection.pk, trigger)))
    return calls


def capture_event(merchant: str = "", event_type: str = "PAYMENT.CAPTURE.COMPLETED") -> dict:
    return {"id": "WH-2WR32451HC0233532-67976317FL4543714", "event_version": "1.0",
            "create_time": "2026-03-10T11:59:00.000Z", "resource_type": "capture", "event_type": event_type,
            "summary": "Payment completed for GBP 25.00 GBP",
            "resource": {"id": "42311647XV020574X", "status": "COMPLETED",
                         "amount": {"currency_code": "GBP", "value": "25.00"},
                         "payee": {"merchant_id": merchant or merchant_id(LOGIN)}}}


def dispute_event() -> dict:
    return {"id": "WH-4M0448861G563140B-9EX36365822141321", "event_type": "CUSTOMER.DISPUTE.CREATED",
            "resource_type": "dispute", "resource": {"dispute_id": "PP-D-21818", "status": "WAITING_FOR_SELLER_RESPONSE",
                                                     "disputed_transactions": [{"seller": {
                                                         "merchant_id": merchant_id(LOGIN)}}]}}


def post(body: bytes, headers: dict[str, str], django_capture_on_commit_callbacks):
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items() if k != "Content-Type"}
    with django_capture_on_commit_callbacks(execute=True):
        return Client().post(URL, data=body, content_type="application/json", **meta)


def rejections(code: str) -> int:
    return sum(WebhookRejection.objects.filter(provider="paypal", code=code).values_list("count", flat=True))


@pytest.mark.parametrize("event", [capture_event, dispute_event])
def test_a_delivery_paypal_verifies_queues_one_sync(event, connection, queued, paypal,
                                                    django_capture_on_commit_callbacks):
    body, headers = signed_delivery(event(), webhook_id(LOGIN))
    answer = post(body, headers, django_capture_on_commit_callbacks)
    assert answer.status_code == 202, answer.content
    assert queued == [(connection.pk, "webhook")]
    verify = [c for c in paypal.calls if c.path.endswith("/verify-webhook-signature")]
    assert len(verify) == 1 and verify[0].method == "POST"
    assert WebhookEvent.objects.filter(provider="paypal").count() == 1


def test_a_burst_of_deliveries_queues_one_sync_and_a_replay_is_refused(connection, queued,
                                                                       django_capture_on_commit_callbacks):
    body, headers = signed_delivery(capture_event(), webhook_id(LOGIN))
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 202
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 409  # same transmission id
    again, headers2 = signed_delivery(capture_event(), webhook_id(LOGIN))
    assert post(again, headers2, django_capture_on_commit_callbacks).status_code == 202
    assert len(queued) == 1


def test_a_tampered_body_is_failure_and_refused(connection, queued, django_capture_on_commit_callbacks):
    body, headers = signed_delivery(capture_event(), webhook_id(LOGIN))
    tampered = json.dumps({**json.loads(body), "summary": "Payment completed for GBP 2500.00"}).encode()
    answer = post(tampered, headers, django_capture_on_commit_callbacks)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "bad_signature"
    assert queued == [] and not WebhookEvent.objects.exists() and rejections("bad_signature") == 1


def test_a_signature_for_another_webhook_is_failure(connection, queued, django_capture_on_commit_callbacks):
    body, headers = signed_delivery(capture_event(), "WH-SOMEONE-ELSES-HOOK")
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 401
    assert queued == []


@pytest.mark.parametrize(("status", "code", "answer_status"), [(503, "unavailable", 503),
                                                              (500, "unavailable", 503),
                                                              (401, "verification_failed", 401),
                                                              (400, "verification_failed", 401)])
def test_a_failing_verification_call_fails_closed_and_is_recorded(status, code, answer_status, connection, queued,
                                                                  paypal, caplog,
                                                                  django_capture_on_commit_callbacks):
    paypal.faults.append(answer_when(lambda method, path: path.endswith("/verify-webhook-signature"), status,
                                     b'{"name": "INTERNAL_SERVICE_ERROR", "message": "down", "debug_id": "x"}'))
    body, headers = signed_delivery(capture_event(), webhook_id(LOGIN))
    with caplog.at_level(logging.WARNING):
        answer = post(body, headers, django_capture_on_commit_callbacks)
    assert answer.status_code == answer_status and answer.json()["error"]["code"] == code
    assert queued == [] and not WebhookEvent.objects.exists() and rejections(code) == 1
    assert "verification call failed" in caplog.text and SECRET not in caplog.text


def test_a_token_refused_during_verification_fails_closed(connection, queued, django_capture_on_commit_callbacks):
    connection.credentials = {**connection.credentials, "client_secret": "rolled"}
    connection.save(update_fields=["credentials"])
    body, headers = signed_delivery(capture_event(), webhook_id(LOGIN))
    answer = post(body, headers, django_capture_on_commit_callbacks)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "verification_failed"
    assert queued == []


@pytest.mark.parametrize("drop", ["PAYPAL-TRANSMISSION-ID", "PAYPAL-TRANSMISSION-SIG", "PAYPAL-CERT-URL",
                                  "PAYPAL-AUTH-ALGO", "PAYPAL-TRANSMISSION-TIME"])
def test_a_missing_header_is_unsigned_without_asking_paypal(drop, connection, queued, paypal,
                                                           django_capture_on_commit_callbacks):
    body, headers = signed_delivery(capture_event(), webhook_id(LOGIN))
    del headers[drop]
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 401
    assert rejections("unsigned") == 1 and paypal.count("/verify-webhook-signature") == 0


def test_an_old_transmission_is_stale(connection, queued, django_capture_on_commit_callbacks):
    body, headers = signed_delivery(capture_event(), webhook_id(LOGIN), at=NOW - timedelta(minutes=10))
    answer = post(body, headers, django_capture_on_commit_callbacks)
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "stale"


def test_a_merchant_we_hold_no_webhook_for_is_refused(connection, queued, paypal,
                                                      django_capture_on_commit_callbacks):
    body, headers = signed_delivery(capture_event(merchant="SOMEONEELSE01"), webhook_id(LOGIN))
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 401
    connection.credentials = {k: v for k, v in connection.credentials.items() if k != "webhook_id"}
    connection.save(update_fields=["credentials"])
    body, headers = signed_delivery(capture_event(), webhook_id(LOGIN))
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 401
    assert rejections("unsigned") == 2 and paypal.count("/verify-webhook-signature") == 0 and queued == []


def test_an_event_we_do_not_sync_for_is_on_the_record(connection, queued, django_capture_on_commit_callbacks):
    from integrations_core.models import AuditEvent

    body, headers = signed_delivery(capture_event(event_type="MERCHANT.ONBOARDING.COMPLETED"), webhook_id(LOGIN))
    assert post(body, headers, django_capture_on_commit_callbacks).status_code == 202
    assert queued == [] and AuditEvent.objects.filter(action="connection.webhook").count() == 1
