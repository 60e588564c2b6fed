"""Plaid webhooks: the Plaid-Verification JWT (ES256 only, key by kid from
/webhook_verification_key/get, body SHA-256, 5-minute age) and what each webhook does. A refused
delivery processes nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.cache import cache
from django.test import Client

from integrations_core.models import AuditEvent, ConnectionStatus
from open_banking.models import BankConnection
from sandbox.models import PlaidItem
from sandbox.plaid import keys

from .plaid_router import HOST, PlaidRouter

pytestmark = pytest.mark.django_db
URL = "/integrations/plaid/webhook/"


@pytest.fixture(autouse=True)
def plaid_sandbox(settings):
    settings.PLAID_URL = HOST
    settings.PLAID_CLIENT_ID = settings.SANDBOX_CLIENT_ID = "sandbox-client"
    settings.PLAID_SECRET = settings.SANDBOX_CLIENT_SECRET = "sandbox-secret"
    settings.PLAID_WEBHOOK_DEBOUNCE_SECONDS = 60
    settings.PROVIDER_HTTP_RETRIES = 0


@pytest.fixture
def router():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield PlaidRouter(mock)


@pytest.fixture
def connection(user):
    return BankConnection.objects.create(user=user, provider="plaid", status=ConnectionStatus.ACTIVE,
                                         access_token="access-sandbox-SECRET", external_id="item-42")


@pytest.fixture
def queued(monkeypatch):
    """Every sync the webhooks queue, instead of running it."""
    calls = []
    monkeypatch.setattr("integrations_core.services.sync_queue.connection_sync_enqueue",
                        lambda connection, *, trigger="manual": calls.append((connection.pk, trigger)))
    return calls


def body_for(code="SYNC_UPDATES_AVAILABLE", kind="TRANSACTIONS", **extra) -> bytes:
    return json.dumps({"webhook_type": kind, "webhook_code": code, "item_id": "item-42",
                       "environment": "sandbox", **extra}).encode()


_on_commit = None


@pytest.fixture(autouse=True)
def process_deliveries_on_commit(django_capture_on_commit_callbacks):
    """The core stores a delivery and processes it once the request's transaction commits
    (integrations_core/services/webhooks.py); inside a test's transaction that is now."""
    global _on_commit
    _on_commit = django_capture_on_commit_callbacks
    yield
    _on_commit = None


def deliver(body: bytes, token: str | None):
    headers = {"HTTP_PLAID_VERIFICATION": token} if token is not None else {}
    with _on_commit(execute=True):
        return Client().post(URL, data=body, content_type="application/json", **headers)


def test_a_signed_sync_update_queues_one_sync(router, connection, queued):
    body = body_for()
    answer = deliver(body, keys.sign(body))
    assert answer.status_code == 202
    assert queued == [(connection.pk, "webhook")]


def test_several_sync_updates_in_a_minute_queue_one_sync(router, connection, queued):
    for _ in range(3):
        body = body_for()
        assert deliver(body, keys.sign(body)).status_code == 202
    assert len(queued) == 1
    assert router.count("/webhook_verification_key/get") == 1, "the key is cached by kid"


def _other_key_token(body: bytes, **claims) -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    payload = {"iat": int(time.time()), "request_body_sha256": hashlib.sha256(body).hexdigest(), **claims}
    return jwt.encode(payload, key, algorithm="ES256", headers={"kid": keys.KEY_ID})


def _hs256_with_public_key(body: bytes, now: float) -> str:
    """Signed by hand: PyJWT itself refuses to use a public key as an HMAC secret."""
    def part(value) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    signing = part({"alg": "HS256", "typ": "JWT", "kid": keys.KEY_ID}) + "." + part(
        {"iat": int(now), "request_body_sha256": hashlib.sha256(body).hexdigest()})
    secret = keys.private_key().public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    mac = hmac.new(secret, signing.encode(), hashlib.sha256).digest()
    return signing + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


@pytest.mark.parametrize("case", ["wrong_signature", "wrong_body_hash", "old_iat", "future_iat", "alg_none",
                                  "alg_hs256", "unknown_kid", "unsigned", "garbage"])
def test_a_forged_or_stale_delivery_is_refused_and_nothing_is_processed(router, connection, queued, case):
    body = body_for(code="ERROR", kind="ITEM", error={"error_code": "ITEM_LOGIN_REQUIRED"})
    now = time.time()
    token = {
        "wrong_signature": lambda: _other_key_token(body),
        "wrong_body_hash": lambda: keys.sign(body + b" "),
        "old_iat": lambda: keys.sign(body, iat=now - 301),
        "future_iat": lambda: keys.sign(body, iat=now + 3600),
        "alg_none": lambda: jwt.encode({"iat": int(now), "request_body_sha256": hashlib.sha256(body).hexdigest()},
                                       None, algorithm="none", headers={"kid": keys.KEY_ID}),
        # HS256 with the public key's bytes as the secret: the classic algorithm-confusion forgery.
        "alg_hs256": lambda: _hs256_with_public_key(body, now),
        "unknown_kid": lambda: keys.sign(body, kid="no-such-key"),
        "unsigned": lambda: None,
        "garbage": lambda: "not.a.jwt",
    }[case]()
    answer = deliver(body, token)
    assert answer.status_code == 401
    expected = {"old_iat": "stale", "future_iat": "stale", "unsigned": "unsigned"}.get(case, "bad_signature")
    assert answer.json()["error"]["code"] == expected
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ACTIVE and queued == []


def test_a_key_past_its_expired_at_is_refused(router, connection, queued):
    cache.set(f"plaid-webhook-key:{hashlib.sha256(keys.KEY_ID.encode()).hexdigest()[:32]}",
              {**keys.public_jwk(), "expired_at": "2020-01-01T00:00:00Z"})
    body = body_for()
    answer = deliver(body, keys.sign(body))
    assert answer.status_code == 401 and queued == []


def test_item_login_required_moves_the_connection_to_reconnect_once(router, connection, queued):
    for _ in range(2):  # the core may hand the same delivery over twice
        body = body_for(code="ERROR", kind="ITEM", error={"error_code": "ITEM_LOGIN_REQUIRED"})
        assert deliver(body, keys.sign(body)).status_code == 202
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REAUTH_REQUIRED and connection.user_state == "reauth_required"
    assert AuditEvent.objects.filter(action="connection.reauth_required").count() == 1


def test_pending_expiration_records_when_the_consent_ends(router, connection, queued):
    body = body_for(code="PENDING_EXPIRATION", kind="ITEM", consent_expiration_time="2030-04-05T23:30:00Z")
    assert deliver(body, keys.sign(body)).status_code == 202
    connection.refresh_from_db()
    assert connection.consent_expires_at.isoformat() == "2030-04-05T23:30:00+00:00"
    assert AuditEvent.objects.filter(action="connection.consent_expiring").count() == 1


def test_webhook_update_acknowledged_is_recorded(router, connection, queued):
    body = body_for(code="WEBHOOK_UPDATE_ACKNOWLEDGED", kind="ITEM", new_webhook_url="https://x.test/")
    assert deliver(body, keys.sign(body)).status_code == 202
    event = AuditEvent.objects.get(action="connection.webhook")
    assert event.details["code"] == "WEBHOOK_UPDATE_ACKNOWLEDGED" and queued == []


def test_the_mock_sends_signed_webhooks_the_app_accepts(router, user, queued):
    """/sandbox/item/fire_webhook: the mock signs with its ES256 key, the app verifies it."""
    item = PlaidItem.objects.create(item_id="item-42", institution_slug="chase", username="user_good",
                                    access_token_hash="x" * 64, webhook="http://testserver" + URL,
                                    created_at="2026-01-01T00:00:00Z")
    BankConnection.objects.create(user=user, provider="plaid", status=ConnectionStatus.ACTIVE,
                                  access_token="a", external_id=item.item_id)
    client = Client()
    router.mock.add_callback("POST", "http://testserver" + URL, callback=lambda r: (
        (a := client.post(URL, data=r.body, content_type="application/json",
                          HTTP_PLAID_VERIFICATION=r.headers["Plaid-Verification"])).status_code, {}, a.content))
    from sandbox.plaid.views import webhook_send

    with _on_commit(execute=True):
        assert webhook_send(item, "SYNC_UPDATES_AVAILABLE") == 202
    assert len(queued) == 1


def test_a_replayed_delivery_is_refused_and_processed_once(router, connection, queued):
    from integrations_core.models import WebhookEvent, WebhookRejection

    body = body_for(code="ERROR", kind="ITEM", error={"error_code": "ITEM_LOGIN_REQUIRED"})
    token = keys.sign(body)
    assert deliver(body, token).status_code == 202
    connection.refresh_from_db()
    BankConnection.objects.filter(pk=connection.pk).update(status=ConnectionStatus.ACTIVE)  # as if repaired
    again = deliver(body, token)  # the same signed delivery, sent again within its 5 minutes
    assert again.status_code == 409
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ACTIVE, "the replay changed nothing"
    assert WebhookEvent.objects.filter(provider="plaid").count() == 1
    assert WebhookRejection.objects.filter(provider="plaid").exists()


@pytest.mark.parametrize("case", ["wrong_signature", "old_iat", "replay"])
def test_refused_deliveries_store_and_process_nothing(router, connection, queued, case):
    from integrations_core.models import WebhookEvent

    body = body_for()
    token = keys.sign(body)
    if case == "replay":
        assert deliver(body, token).status_code == 202
        queued.clear()
        WebhookEvent.objects.update(status="processed")
    before = WebhookEvent.objects.count()
    token = {"wrong_signature": lambda: _other_key_token(body), "old_iat": lambda: keys.sign(body, iat=time.time() - 600),
             "replay": lambda: token}[case]()
    assert deliver(body, token).status_code in (401, 409)
    assert WebhookEvent.objects.count() == before and queued == []


def _forward_to_app(router):
    client = Client()
    router.mock.add_callback("POST", "http://testserver" + URL, callback=lambda r: (
        (a := client.post(URL, data=r.body, content_type="application/json",
                          HTTP_PLAID_VERIFICATION=r.headers["Plaid-Verification"])).status_code, {}, a.content))


@pytest.fixture
def mock_item(user):
    item = PlaidItem.objects.create(item_id="item-42", institution_slug="chase", username="user_good",
                                    access_token_hash="y" * 64, webhook="http://testserver" + URL,
                                    created_at="2026-01-01T00:00:00Z")
    return item


def test_fire_webhook_command_sends_each_kind_signed(router, connection, queued, mock_item):
    from io import StringIO

    from django.core.management import call_command

    _forward_to_app(router)
    out = StringIO()
    with _on_commit(execute=True):
        call_command("fire_webhook", "SYNC_UPDATES_AVAILABLE", "--item", mock_item.item_id, stdout=out)
    assert "HTTP 202" in out.getvalue() and queued == [(connection.pk, "webhook")]
    with _on_commit(execute=True):
        call_command("fire_webhook", "PENDING_EXPIRATION", "--user", connection.user.email, stdout=out)
    connection.refresh_from_db()
    assert connection.consent_expires_at is not None
    with _on_commit(execute=True):
        call_command("fire_webhook", "ITEM_LOGIN_REQUIRED", "--all", stdout=out)
    connection.refresh_from_db()
    mock_item.refresh_from_db()
    assert connection.status == ConnectionStatus.REAUTH_REQUIRED and mock_item.login_required


def test_fire_webhook_stale_is_refused_by_the_app(router, connection, queued, mock_item):
    from io import StringIO

    from django.core.management import call_command

    _forward_to_app(router)
    out = StringIO()
    with _on_commit(execute=True):
        call_command("fire_webhook", "SYNC_UPDATES_AVAILABLE", "--item", mock_item.item_id, "--stale", stdout=out)
    assert "HTTP 401" in out.getvalue() and queued == []


def test_fire_webhook_admin_action(router, connection, queued, mock_item, make_user):
    staff_user = make_user("ops@example.com", is_staff=True, is_superuser=True)
    _forward_to_app(router)
    admin = Client()
    admin.force_login(staff_user)
    with _on_commit(execute=True):
        answer = admin.post("/admin/sandbox/plaiditem/", {"action": "fire_sync_updates_available",
                                                          "_selected_action": [mock_item.pk]}, follow=True)
    assert answer.status_code == 200 and b"HTTP 202" in answer.content
    assert queued == [(connection.pk, "webhook")]


def test_holdings_update_syncs_the_linked_investments_connection(router, connection, queued):
    from django.contrib.contenttypes.models import ContentType

    from integrations_core.models import ConnectionLink
    from investments.models import InvestmentConnection

    linked = InvestmentConnection.objects.create(user=connection.user, provider="plaid", external_id="item-42",
                                                 status=ConnectionStatus.ACTIVE)
    ConnectionLink.objects.create(primary_type=ContentType.objects.get_for_model(connection), primary_id=connection.pk,
                                  linked_type=ContentType.objects.get_for_model(linked), linked_id=linked.pk)
    body = body_for(code="DEFAULT_UPDATE", kind="HOLDINGS", new_holdings=1, updated_holdings=0)
    assert deliver(body, keys.sign(body)).status_code == 202
    assert queued == [(linked.pk, "webhook")]
