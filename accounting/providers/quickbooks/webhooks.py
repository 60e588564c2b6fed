"""QuickBooks webhooks: verifying `intuit-signature`, and acting on a verified delivery.

Verification (Intuit's "Webhooks" guide): the header is base64(HMAC-SHA256(verifier token, raw
body)), the verifier token being the app's, shown in the developer portal. Compared in constant
time over the raw bytes (python-quickbooks' `validate_webhook_signature` computes the same
digest). Intuit signs no timestamp and sends no delivery id: the delivery id is the SHA-256 of
the body, so the same notification delivered again is a replay the core answers 409 (its
processing already queued the sync).

Handling (idempotent; the core may run it twice): every eventNotifications[].realmId whose
dataChangeEvent names entities queues a debounced sync of each syncable connection to that
company (several people may connect one company); a burst of notifications is one sync, which
reads every change since the cursor through CDC."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
from typing import Any

from django.apps import apps
from django.http import HttpRequest

from integrations_core.providers.base import VerifiedWebhook
from integrations_core.webhooks import WebhookRejected, parse_json_object

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "intuit-signature"


def signature_for(verifier_token: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(verifier_token.encode(), body, hashlib.sha256).digest()).decode()


class QuickBooksWebhookVerifier:
    def __init__(self, verifier_token: str) -> None:
        self.verifier_token = verifier_token

    def verify(self, request: HttpRequest, *, now: float) -> VerifiedWebhook:
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not signature:
            raise WebhookRejected(401, "unsigned")
        try:
            claimed = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise WebhookRejected(401, "bad_signature") from None
        expected = hmac.new(self.verifier_token.encode(), request.body, hashlib.sha256).digest()
        if not hmac.compare_digest(claimed, expected):
            raise WebhookRejected(401, "bad_signature")
        payload = parse_json_object(request.body)
        if not isinstance(payload.get("eventNotifications"), list):
            raise WebhookRejected(400, "malformed")
        return VerifiedWebhook(delivery_id=hashlib.sha256(request.body).hexdigest(), payload=payload)


def realms_changed(payload: dict[str, Any]) -> list[str]:
    realms = []
    for notification in payload.get("eventNotifications") or []:
        if not isinstance(notification, dict):
            continue
        realm = str(notification.get("realmId") or "")
        event = notification.get("dataChangeEvent")
        entities = event.get("entities") if isinstance(event, dict) else None
        if realm.isdigit() and isinstance(entities, list) and entities and realm not in realms:
            realms.append(realm)
    return realms


def quickbooks_webhook_handle(provider, payload: dict[str, Any]) -> int:
    """Queue a debounced sync per connection of each company that changed; returns how many."""
    from integrations_core.services.sync_queue import connection_sync_debounced

    model = apps.get_model(provider.connection_model)
    queued = 0
    for realm in realms_changed(payload):
        connections = list(model.objects.filter(provider=provider.slug, external_id=realm))
        if not connections:
            logger.info("quickbooks webhook for no connection")
        for connection in connections:
            queued += bool(connection_sync_debounced(connection))
    return queued
