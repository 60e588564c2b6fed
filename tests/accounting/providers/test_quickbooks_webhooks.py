"""QuickBooks webhooks through the core's endpoint: `intuit-signature` checked (good, bad,
missing), a replayed body refused, a good one queueing one debounced sync per connection of
the company it names."""

from __future__ import annotations

import json

import pytest

from sandbox.quickbooks.webhooks import notification, signed

from .quickbooks_sandbox import VERIFIER_TOKEN

pytestmark = pytest.mark.django_db
URL = "/integrations/quickbooks/webhook/"


@pytest.fixture
def queued(monkeypatch):
    calls = []
    monkeypatch.setattr("integrations_core.services.sync_queue.connection_sync_enqueue",
                        lambda connection, trigger="manual": calls.append((connection.pk, trigger)))
    return calls


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    def send(body: bytes, signature: str | None):
        headers = {"HTTP_INTUIT_SIGNATURE": signature} if signature is not None else {}
        with django_capture_on_commit_callbacks(execute=True):  # the processing task runs
            return client.post(URL, data=body, content_type="application/json", **headers)

    return send


def test_a_signed_notification_queues_one_sync_of_that_company(post, qbo_connection, queued):
    connection = qbo_connection()
    other = qbo_connection("someone-else")
    body = notification(connection.external_id, [("Purchase", "100001", "Create"), ("Invoice", "1001", "Update")])
    answer = post(body, signed(body, VERIFIER_TOKEN))
    assert answer.status_code == 202, answer.content
    assert queued == [(connection.pk, "webhook")]  # not the other company's connection
    again = notification(connection.external_id, [("Invoice", "1002", "Update")])
    assert post(again, signed(again, VERIFIER_TOKEN)).status_code == 202
    assert queued == [(connection.pk, "webhook")]  # debounced: the first sync reads both
    assert other.pk not in [pk for pk, _ in queued]


def test_a_bad_signature_is_refused_and_nothing_queued(post, qbo_connection, queued):
    connection = qbo_connection()
    body = notification(connection.external_id, [("Purchase", "1", "Create")])
    assert post(body, signed(body, VERIFIER_TOKEN, bad=True)).status_code == 401
    assert post(body, "not base64 at all!").status_code == 401
    assert post(body, None).status_code == 401
    tampered = body.replace(b"Purchase", b"Invoice")
    assert post(tampered, signed(body, VERIFIER_TOKEN)).status_code == 401
    assert queued == []


def test_a_replayed_delivery_is_refused(post, qbo_connection, queued):
    connection = qbo_connection()
    body = notification(connection.external_id, [("Deposit", "9001", "Update")])
    signature = signed(body, VERIFIER_TOKEN)
    assert post(body, signature).status_code == 202
    assert post(body, signature).status_code == 409


def test_our_signature_is_the_one_python_quickbooks_checks(qbo_settings):
    from quickbooks.client import QuickBooks

    body = notification("9130123412341234", [("Bill", "5001", "Update")])
    qb = QuickBooks(verifier_token=VERIFIER_TOKEN, minorversion=75)
    assert qb.validate_webhook_signature(body.decode(), signed(body, VERIFIER_TOKEN)) is True
    assert qb.validate_webhook_signature(body.decode(), signed(body, VERIFIER_TOKEN, bad=True)) is False


def test_without_a_verifier_token_the_endpoint_is_not_there(post, settings):
    settings.QUICKBOOKS_WEBHOOK_VERIFIER_TOKEN = ""
    body = json.dumps({"eventNotifications": []}).encode()
    assert post(body, "x").status_code == 404
