"""Inbound provider webhooks: one endpoint per provider, `POST /integrations/<provider>/webhook/`.

Each provider verifies its own deliveries (`Provider.webhook_verifier()`; the default is the HMAC
scheme below for a provider that declares `webhook_secret()`, and no verifier means the endpoint
answers 404). The verifier says who sent it and whether it is authentic and fresh; everything
after that is the core's (services/webhooks.py): the delivery is stored once in the event log
(a delivery id seen before is a replay: 409), processed by a Celery task, retried with backoff,
and refused deliveries are counted in a bounded log.

The HMAC scheme: HMAC-SHA256 over "<timestamp>.<body>" in `X-Webhook-Signature: t=<unix>,v1=<hex>`,
the delivery id in `X-Webhook-Id`, timestamps more than 5 minutes away refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .providers.registry import UnknownProvider, registry

logger = logging.getLogger(__name__)
TOLERANCE_SECONDS = 300


class WebhookRejected(Exception):
    """A delivery refused; `code` is one of unsigned, bad_signature, stale, malformed (from a
    verifier) or replayed, unavailable (from the core)."""

    def __init__(self, status: int, code: str):
        super().__init__(code)
        self.status, self.code = status, code


@dataclass(frozen=True)
class VerifiedWebhook:
    """What a verifier vouches for: the provider's id for this delivery, and its parsed body."""

    delivery_id: str
    payload: dict


class WebhookVerifier(Protocol):
    def verify(self, request: HttpRequest, *, now: float) -> VerifiedWebhook:
        """Return the verified delivery or raise WebhookRejected. Replays are not its concern."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def parse_json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or WebhookRejected(400, "malformed")."""
    try:
        payload = json.loads(body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: a body nested thousands deep
        raise WebhookRejected(400, "malformed") from None
    if not isinstance(payload, dict):
        raise WebhookRejected(400, "malformed")
    return payload


class HmacWebhookVerifier:
    """The platform's own scheme (see the module docstring)."""

    def __init__(self, secret: str, tolerance_seconds: int = TOLERANCE_SECONDS) -> None:
        self.secret, self.tolerance = secret, tolerance_seconds

    def verify(self, request: HttpRequest, *, now: float) -> VerifiedWebhook:
        header = request.headers.get("X-Webhook-Signature", "")
        delivery_id = request.headers.get("X-Webhook-Id", "")
        parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
        if not parts.get("t") or not parts.get("v1") or not delivery_id or len(delivery_id) > 255:
            raise WebhookRejected(401, "unsigned")
        try:
            timestamp = int(parts["t"])
        except ValueError:
            raise WebhookRejected(401, "bad_signature") from None
        # The scheme signs the body and timestamp, not the id: a captured delivery resent under a
        # new id within the tolerance passes, and only re-runs idempotent processing.
        if not hmac.compare_digest(sign(self.secret, timestamp, request.body), parts["v1"]):
            raise WebhookRejected(401, "bad_signature")
        if abs(now - timestamp) > self.tolerance:
            raise WebhookRejected(401, "stale")
        return VerifiedWebhook(delivery_id=delivery_id, payload=parse_json_object(request.body))


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)


@csrf_exempt
@require_POST
def provider_webhook(request: HttpRequest, provider: str):
    from .services.webhooks import webhook_delivery_accept, webhook_rejection_record

    try:
        descriptor = registry.get(provider)
    except UnknownProvider:
        return _error(404, "not_found", "No such provider.")
    verifier = descriptor.webhook_verifier()
    if verifier is None:
        return _error(404, "not_found", "This provider sends no webhooks.")
    try:
        verified = verifier.verify(request, now=time.time())
        event = webhook_delivery_accept(provider, verified)
    except WebhookRejected as exc:
        webhook_rejection_record(provider, exc.code, remote_addr=request.META.get("REMOTE_ADDR"),
                                 delivery_id=request.headers.get("X-Webhook-Id", ""))
        return _error(exc.status, exc.code, "Webhook rejected.")
    return JsonResponse({"status": "accepted", "event": event.pk}, status=202)
