"""Stripe webhooks: the `Stripe-Signature` check, and what a verified event does.

Verification (docs.stripe.com/webhooks#verify-manually): the header is
`t=<unix time>,v1=<hex>[,v1=<hex>...][,v0=...]`; the signed payload is "<t>.<raw body>", signed
with HMAC-SHA256 under the endpoint's secret (whsec_...). While a secret is being rolled Stripe
signs with both and sends one v1 per secret, and we may hold both too: any v1 matching any of our
secrets passes (compared in constant time); v0 (test-mode scheme) is ignored. A timestamp more
than five minutes away is refused as stale. The delivery id is the event id (evt_...): Stripe
retries an event under the same id, so a replay is told apart by the core.

Handling (idempotent; the core may call it twice): payout.*, charge.dispute.*, balance.available
and charge.refunded queue one sync of the connected account's connection per debounce window;
account.application.deauthorized marks the connection as needing the person; anything else is
on the record only."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from integrations_core.webhooks import TOLERANCE_SECONDS, VerifiedWebhook, WebhookRejected, parse_json_object

logger = logging.getLogger(__name__)
HEADER = "Stripe-Signature"
SYNC_EVENTS = ("payout.", "charge.dispute.", "balance.available", "charge.refunded")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secrets: list[str], timestamp: int, body: bytes) -> str:
    """What Stripe sends (one v1 per secret it signs with): for the sandbox and the tests."""
    return ",".join([f"t={timestamp}", *(f"v1={signature(s, timestamp, body)}" for s in secrets)])


class StripeWebhookVerifier:
    def __init__(self, secrets: list[str], tolerance_seconds: int = TOLERANCE_SECONDS) -> None:
        self.secrets, self.tolerance = list(secrets), tolerance_seconds

    def verify(self, request: HttpRequest, *, now: float) -> VerifiedWebhook:
        header = request.headers.get(HEADER, "")
        if not header:
            raise WebhookRejected(401, "unsigned")
        timestamp, offered = None, []
        for item in header.split(","):
            key, _, value = item.strip().partition("=")
            if key == "t":
                timestamp = value
            elif key == "v1" and value:
                offered.append(value)
        try:
            stamp = int(timestamp) if timestamp is not None else None
        except ValueError:
            stamp = None
        if stamp is None or not offered:
            raise WebhookRejected(401, "bad_signature")
        expected = [signature(secret, stamp, request.body) for secret in self.secrets]
        if not any(hmac.compare_digest(e, o) for e in expected for o in offered):
            raise WebhookRejected(401, "bad_signature")
        if abs(now - stamp) > self.tolerance:
            raise WebhookRejected(401, "stale")
        payload = parse_json_object(request.body)
        event_id = payload.get("id")
        if not isinstance(event_id, str) or not event_id or len(event_id) > 255:
            raise WebhookRejected(400, "malformed")
        return VerifiedWebhook(delivery_id=event_id, payload=payload)


def stripe_webhook_handle(provider, payload: dict[str, Any]) -> None:
    from integrations_core.services.audit import audit_record
    from integrations_core.services.connections import connection_reauth_required
    from payments.models import PaymentsConnection

    kind = str(payload.get("type") or "")
    account = str(payload.get("account") or "")
    connection = (PaymentsConnection.objects.filter(provider=provider.slug, external_id=account)
                  .exclude(status="revoked").first() if account else None)
    if connection is None:
        logger.info("stripe webhook for no connection type=%s", kind[:60])
        return
    if kind == "account.application.deauthorized":
        connection_reauth_required(connection, code="consent_expired",
                                   message="The Stripe account disconnected this app. Connect it again.")
    elif kind.startswith(SYNC_EVENTS):
        _sync_debounced(connection)
    else:
        audit_record("connection.webhook", connection=connection, details={"provider": provider.slug,
                                                                            "type": kind[:60]})


def _sync_debounced(connection) -> None:
    """One sync per connection per window however many events arrive in it: the sync reads
    everything since the last one, so it covers the later events too."""
    from integrations_core.services.sync_queue import connection_sync_enqueue

    window = int(getattr(settings, "STRIPE_WEBHOOK_DEBOUNCE_SECONDS", 60))
    if window > 0 and not cache.add(f"stripe-sync-debounce:{connection.pk}", 1, timeout=window):
        return
    if connection.is_syncable:
        connection_sync_enqueue(connection, trigger="webhook")
