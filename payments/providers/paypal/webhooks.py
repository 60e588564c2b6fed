"""PayPal webhooks: verified by asking PayPal (POST /v1/notifications/verify-webhook-signature),
then acted on by queueing a debounced sync of the connection the event names.

A webhook belongs to the merchant's REST app, so it is verified with that app's credentials and
the webhook id the person gave when connecting. The event's merchant id (payee.merchant_id on a
capture, seller.merchant_id on a dispute) only chooses whose credentials to ask with: nothing of
the body is trusted until PayPal answers SUCCESS for it. The verification fails closed: a missing
header, a transmission more than 5 minutes away, no connection that could verify it, FAILURE, or
any error of the verification call itself is a rejection (recorded by the core with its code; an
error of the call is also logged with its code, never a secret). A transient error answers 503,
so PayPal delivers again later.

The delivery id is PAYPAL-TRANSMISSION-ID (a replay repeats it). Handling is idempotent: the sync
is debounced per connection (connection_sync_debounced), and a sync reads by ids anyway."""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest

from integrations_core.providers.base import VerifiedWebhook
from integrations_core.providers.errors import ProviderError
from integrations_core.webhooks import TOLERANCE_SECONDS, WebhookRejected, parse_json_object

from .mapper import parse_time

logger = logging.getLogger(__name__)

HEADERS = {  # verify-webhook-signature field -> the header PayPal sends it in
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
    "cert_url": "PAYPAL-CERT-URL",
    "auth_algo": "PAYPAL-AUTH-ALGO",
}
SYNC_EVENTS = ("PAYMENT.", "CUSTOMER.DISPUTE.", "RISK.DISPUTE.")
MAX_CANDIDATES = 5  # connections asked to verify one delivery (the same merchant, several people)


def event_merchant_id(payload: dict[str, Any]) -> str:
    """The merchant an event is about, where PayPal puts it."""
    resource = payload.get("resource") if isinstance(payload.get("resource"), dict) else {}
    payee = resource.get("payee") if isinstance(resource.get("payee"), dict) else {}
    if payee.get("merchant_id"):
        return str(payee["merchant_id"])
    for disputed in resource.get("disputed_transactions") or []:
        seller = disputed.get("seller") if isinstance(disputed, dict) else None
        if isinstance(seller, dict) and seller.get("merchant_id"):
            return str(seller["merchant_id"])
    return str(resource.get("merchant_id") or "")


def _connections(provider, merchant_id: str):
    from integrations_core.selectors import connection_model_get

    model = connection_model_get(provider.connection_model)
    return model.objects.filter(provider=provider.slug, external_id=merchant_id)


class PayPalWebhookVerifier:
    def __init__(self, provider) -> None:
        self.provider = provider

    def verify(self, request: HttpRequest, *, now: float) -> VerifiedWebhook:
        fields = {name: request.headers.get(header, "") for name, header in HEADERS.items()}
        if not all(fields.values()) or len(fields["transmission_id"]) > 255:
            raise WebhookRejected(401, "unsigned")
        sent = parse_time(fields["transmission_time"])
        if sent is None:
            raise WebhookRejected(401, "bad_signature")
        if abs(now - sent.timestamp()) > TOLERANCE_SECONDS:
            raise WebhookRejected(401, "stale")
        payload = parse_json_object(request.body)
        merchant_id = event_merchant_id(payload)
        candidates = [c for c in _connections(self.provider, merchant_id)[:MAX_CANDIDATES]
                      if (c.credentials or {}).get("webhook_id")] if merchant_id else []
        if not candidates:
            raise WebhookRejected(401, "unsigned")  # no app of ours could vouch for it
        for connection in candidates:
            credentials = connection.credentials or {}
            try:
                status = self.provider.client(credentials).verify_webhook_signature(
                    {**fields, "webhook_id": credentials["webhook_id"], "webhook_event": payload})
            except ProviderError as exc:
                logger.warning("paypal webhook verification call failed code=%s status=%s connection=%s",
                               exc.code, exc.status, connection.pk)
                if exc.transient:
                    raise WebhookRejected(503, "unavailable") from None
                raise WebhookRejected(401, "verification_failed") from None
            if status == "SUCCESS":
                return VerifiedWebhook(delivery_id=fields["transmission_id"], payload=payload)
        raise WebhookRejected(401, "bad_signature")


def paypal_webhook_handle(provider, payload: dict[str, Any]) -> None:
    from integrations_core.services.audit import audit_record
    from integrations_core.services.sync_queue import connection_sync_debounced

    event_type = str(payload.get("event_type") or "")[:60]
    merchant_id = event_merchant_id(payload)
    connections = list(_connections(provider, merchant_id)) if merchant_id else []
    if not connections:
        logger.info("paypal webhook for no connection event=%s", event_type)
        return
    for connection in connections:
        if event_type.startswith(SYNC_EVENTS):
            connection_sync_debounced(connection)
        else:  # on the record, nothing to fetch
            audit_record("connection.webhook", connection=connection,
                         details={"provider": provider.slug, "type": event_type})
