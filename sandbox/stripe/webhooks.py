"""Stripe's webhook deliveries, as Stripe signs them (docs.stripe.com/webhooks#verify-manually):
an Event object (`{"id": "evt_...", "object": "event", "type", "account", "data": {"object"}}`),
POSTed with `Stripe-Signature: t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>" under whsec_...>`, one
v1 per secret while a secret is being rolled. For tests and the sandbox's own "send" button:
`delivery()` builds the body and headers, `deliver()` posts them. `bad_signature=True` signs
with a secret nobody holds (the bad-signature fault)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

import requests
from django.conf import settings

API_VERSION = "2025-09-30.clover"


def endpoint_secrets() -> list[str]:
    return list(getattr(settings, "SANDBOX_STRIPE_WEBHOOK_SECRETS", None) or ["whsec_sandbox"])


def event_build(kind: str, *, account: str = "", data_object: dict[str, Any] | None = None,
                event_id: str = "", created: int | None = None) -> dict[str, Any]:
    event = {"id": event_id or "evt_1" + secrets.token_hex(12), "object": "event", "api_version": API_VERSION,
             "created": created if created is not None else int(time.time()), "livemode": False,
             "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None}, "type": kind,
             "data": {"object": data_object or {}}}
    if account:
        event["account"] = account
    return event


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def delivery(event: dict[str, Any], *, signing_secrets: list[str] | None = None, timestamp: int | None = None,
             bad_signature: bool = False) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event, separators=(",", ":")).encode()
    stamp = int(time.time()) if timestamp is None else timestamp
    keys = ["whsec_nobody_holds_this"] if bad_signature else (signing_secrets or endpoint_secrets())
    header = ",".join([f"t={stamp}", *(f"v1={sign(k, stamp, body)}" for k in keys)])
    return body, {"Stripe-Signature": header, "Content-Type": "application/json; charset=utf-8",
                  "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"}


def deliver(url: str, event: dict[str, Any], **kwargs) -> requests.Response:
    body, headers = delivery(event, **kwargs)
    return requests.post(url, data=body, headers=headers, timeout=10)
