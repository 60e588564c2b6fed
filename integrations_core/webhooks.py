"""Inbound provider webhooks. None is trusted unsigned: a provider opts in by returning a secret
from `webhook_secret()` (TrueLayer Data v1 and GoCardless BAD send no signed webhooks, so today
every provider answers 404). Signatures are HMAC-SHA256 over "<timestamp>.<body>" in
`X-Webhook-Signature: t=<unix>,v1=<hex>`, timestamps older than 5 minutes are refused, and each
`X-Webhook-Id` is accepted once (replays are refused; while the cache that remembers ids is down,
deliveries are refused with 503 rather than risk a replay)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time

from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .cache import CacheUnavailable, cache_add_strict
from .providers.registry import UnknownProvider, registry

logger = logging.getLogger(__name__)
TOLERANCE_SECONDS = 300


class WebhookRejected(Exception):
    def __init__(self, status: int, code: str):
        super().__init__(code)
        self.status, self.code = status, code


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_verify(secret: str, request: HttpRequest, now: float | None = None) -> dict:
    header = request.headers.get("X-Webhook-Signature", "")
    webhook_id = request.headers.get("X-Webhook-Id", "")
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    if not parts.get("t") or not parts.get("v1") or not webhook_id:
        raise WebhookRejected(401, "unsigned")
    try:
        timestamp = int(parts["t"])
    except ValueError:
        raise WebhookRejected(401, "bad_signature") from None
    expected = sign(secret, timestamp, request.body)
    if not hmac.compare_digest(expected, parts["v1"]):
        raise WebhookRejected(401, "bad_signature")
    if abs((now or time.time()) - timestamp) > TOLERANCE_SECONDS:
        raise WebhookRejected(401, "stale")
    # cache.add is atomic: only the first delivery of an id gets in. With the cache down a replay
    # cannot be ruled out, so the delivery is refused (the provider retries later).
    try:
        first = cache_add_strict(cache, f"webhook-seen:{webhook_id}", 1, timeout=2 * TOLERANCE_SECONDS)
    except CacheUnavailable:
        raise WebhookRejected(503, "unavailable") from None
    if not first:
        raise WebhookRejected(409, "replayed")
    try:
        return json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: a body nested thousands deep
        raise WebhookRejected(400, "malformed") from None


@csrf_exempt
@require_POST
def provider_webhook(request: HttpRequest, provider: str):
    try:
        descriptor = registry.get(provider)
    except UnknownProvider:
        return JsonResponse({"error": {"code": "not_found", "message": "No such provider.", "fields": {}}}, status=404)
    verifier = descriptor.webhook_verifier()
    secret = descriptor.webhook_secret()
    if verifier is None and not secret:
        return JsonResponse({"error": {"code": "not_found", "message": "This provider sends no webhooks.",
                                       "fields": {}}}, status=404)
    try:
        if verifier is not None:
            payload = verifier.verify(request, now=time.time()).payload
        else:
            payload = webhook_verify(secret, request)
    except WebhookRejected as exc:
        logger.warning("webhook rejected provider=%s reason=%s", provider, exc.code)
        return JsonResponse({"error": {"code": exc.code, "message": "Webhook rejected.", "fields": {}}},
                            status=exc.status)
    descriptor.handle_webhook(payload)
    return JsonResponse({"status": "accepted"}, status=202)
