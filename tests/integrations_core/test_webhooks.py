"""Webhooks: none trusted unsigned; bad signatures, stale timestamps and replays are refused."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache

from integrations_core.webhooks import sign

pytestmark = pytest.mark.django_db
SECRET = "whsec-test-secret"
URL = "/integrations/fakebank/webhook/"


@pytest.fixture
def signed_provider(fake_provider, monkeypatch):
    received = []
    monkeypatch.setattr(type(fake_provider), "webhook_secret", lambda self: SECRET)
    monkeypatch.setattr(type(fake_provider), "handle_webhook", lambda self, payload: received.append(payload))
    cache.clear()
    return received


def post(client, body: dict, *, secret=SECRET, timestamp=None, webhook_id="evt-1", signature=None):
    raw = json.dumps(body).encode()
    ts = int(time.time()) if timestamp is None else timestamp
    headers = {"HTTP_X_WEBHOOK_ID": webhook_id,
               "HTTP_X_WEBHOOK_SIGNATURE": signature or f"t={ts},v1={sign(secret, ts, raw)}"}
    return client.post(URL, raw, content_type="application/json", **headers)


def test_valid_signed_webhook_is_accepted_once(client, signed_provider):
    assert post(client, {"connection": "x"}).status_code == 202
    assert signed_provider == [{"connection": "x"}]
    replay = post(client, {"connection": "x"})
    assert replay.status_code == 409 and replay.json()["error"]["code"] == "replayed"
    assert len(signed_provider) == 1


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"signature": "nope"}, "unsigned"),
    ({"secret": "wrong-secret"}, "bad_signature"),
    ({"timestamp": int(time.time()) - 3600}, "stale"),
    ({"webhook_id": ""}, "unsigned"),
])
def test_bad_webhooks_are_refused(client, signed_provider, kwargs, code):
    response = post(client, {"connection": "x"}, **kwargs)
    assert response.status_code == 401 and response.json()["error"]["code"] == code
    assert signed_provider == []


def test_unsigned_body_is_refused(client, signed_provider):
    response = client.post(URL, b"{}", content_type="application/json")
    assert response.status_code == 401 and signed_provider == []


def test_providers_without_webhooks_answer_404(client, fake_provider):
    assert client.post(URL, b"{}", content_type="application/json").status_code == 404
    assert client.post("/integrations/truelayer/webhook/", b"{}", content_type="application/json").status_code == 404
