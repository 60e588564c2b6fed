"""The core's side of inbound webhooks: store each verified delivery once, process it in a
Celery task (idempotently, retried with backoff), let operators replay it, and count refusals
in a bounded log (integrations_core/webhooks.py has the endpoint and the verifiers)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from integrations_core import metrics
from integrations_core.models import WebhookEvent, WebhookRejection, WebhookStatus
from integrations_core.providers.registry import registry
from integrations_core.webhooks import VerifiedWebhook, WebhookRejected

from .audit import audit_record

logger = logging.getLogger(__name__)

REDACTED = "[redacted]"
# Keys whose values are never stored, at any depth (compared lower-case). Ids (item_id,
# account_id, webhook_code) are kept: processing needs them and they are not secrets.
SECRET_KEYS = frozenset({
    "access_token", "refresh_token", "public_token", "id_token", "token", "secret", "client_secret",
    "webhook_secret", "password", "api_key", "apikey", "authorization", "credentials", "code_verifier",
    "private_key", "signing_key",
})


def payload_redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (REDACTED if str(k).lower() in SECRET_KEYS else payload_redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [payload_redact(v) for v in value]
    return value


def webhook_delivery_accept(provider: str, verified: VerifiedWebhook) -> WebhookEvent:
    """Store a verified delivery and queue its processing once the row is committed. A delivery
    id already stored for this provider is a replay: WebhookRejected(409, "replayed"), nothing
    processed."""
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(provider=provider, delivery_id=verified.delivery_id,
                                                payload=payload_redact(verified.payload))
            transaction.on_commit(lambda: _send(event.pk), robust=True)
    except IntegrityError:
        raise WebhookRejected(409, "replayed") from None
    metrics.WEBHOOK_DELIVERIES.labels(provider, "accepted").inc()
    logger.info("webhook accepted provider=%s event=%s", provider, event.pk)
    return event


def _send(event_id: int, *, force: bool = False) -> None:
    """Send the processing task. With the broker down the event stays `received` and the sweep
    (webhook_events_requeue) sends it later: the delivery is already safe in the database."""
    from kombu.exceptions import OperationalError

    from integrations_core.tasks import webhook_event_process_task

    try:
        webhook_event_process_task.apply_async(args=[event_id], kwargs={"force": force})
    except (OperationalError, ConnectionError, OSError) as exc:
        logger.warning("could not queue webhook event=%s: %s; left for the sweep", event_id, type(exc).__name__)


def webhook_rejection_record(provider: str, code: str, *, remote_addr: str | None = None,
                             delivery_id: str = "") -> None:
    """Count a refused delivery in its (provider, reason, minute) bucket: at most one row per
    bucket however many arrive, so a flood costs an UPDATE, not a row each. Logged once per
    bucket (the first), for the same reason."""
    metrics.WEBHOOK_DELIVERIES.labels(provider[:50], code).inc()
    minute = timezone.now().replace(second=0, microsecond=0)
    provider = provider[:50]
    values = {"last_remote_addr": remote_addr or None, "last_delivery_id": delivery_id[:255]}
    updated = WebhookRejection.objects.filter(provider=provider, code=code, minute=minute).update(
        count=F("count") + 1, **values)
    if updated:
        return
    try:
        with transaction.atomic():
            WebhookRejection.objects.create(provider=provider, code=code, minute=minute, count=1, **values)
    except IntegrityError:  # another request created the bucket first
        WebhookRejection.objects.filter(provider=provider, code=code, minute=minute).update(
            count=F("count") + 1, **values)
        return
    logger.warning("webhook rejected provider=%s reason=%s (further ones this minute are only counted)",
                   provider, code)


def webhook_event_process(event_id: int, *, force: bool = False) -> str:
    """Run the provider's handler for one stored event; returns the event's status. Already
    processed events are left alone unless `force` (an operator's replay). The handler runs
    inside a transaction holding the event's row: what it writes, and the syncs it queues
    (on commit), happen only if it succeeds; a failure is recorded and re-raised for the task
    to retry."""
    failure: Exception | None = None
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            return "missing"
        if event.status == WebhookStatus.PROCESSED and not force:
            logger.info("webhook event=%s already processed; nothing to do", event_id)
            return event.status
        event.attempts += 1
        try:
            with transaction.atomic():  # a savepoint: the handler's writes go if it fails
                registry.get(event.provider).handle_webhook(dict(event.payload))
        except Exception as exc:
            failure = exc
            event.status, event.last_error = WebhookStatus.ERROR, f"{type(exc).__name__}: {str(exc)[:500]}"
        else:
            event.status, event.processed_at, event.last_error = WebhookStatus.PROCESSED, timezone.now(), ""
        event.save(update_fields=["status", "attempts", "processed_at", "last_error"])
    metrics.WEBHOOK_PROCESSED.labels(event.provider, event.status).inc()
    if failure is not None:
        logger.warning("webhook event=%s provider=%s failed: %s", event_id, event.provider, type(failure).__name__)
        raise failure
    metrics.WEBHOOK_LAG.labels(event.provider).observe((event.processed_at - event.received_at).total_seconds())
    return event.status


def webhook_event_replay(event: WebhookEvent, *, actor=None) -> None:
    """An operator's replay: processing runs again (the handler is idempotent); the delivery is
    not verified again (it was when it arrived, and its signature would be stale by now)."""
    audit_record("webhook.replayed", actor=actor, details={"provider": event.provider, "event": event.pk})
    _send(event.pk, force=True)


def webhook_events_requeue() -> int:
    """The sweep: events still `received` a while after arrival (their task was never sent,
    the broker was down) are sent again. Events in `error` are retried by their own task."""
    cutoff = timezone.now() - timedelta(seconds=getattr(settings, "WEBHOOK_REQUEUE_AFTER_SECONDS", 300))
    ids = list(WebhookEvent.objects.filter(status=WebhookStatus.RECEIVED, received_at__lt=cutoff)
               .order_by("received_at").values_list("pk", flat=True)[:1000])
    for event_id in ids:
        _send(event_id)
    return len(ids)


def webhook_rejections_purge(days: int = 30) -> int:
    return WebhookRejection.objects.filter(minute__lt=timezone.now() - timedelta(days=days)).delete()[0]
