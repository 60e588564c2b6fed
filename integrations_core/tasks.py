"""Thin Celery tasks: load ids, call a service, retry transient failures, record the final one."""

from __future__ import annotations

import logging
import random

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import SyncOutcome
from .providers.errors import BadProviderResponse, ProviderUnavailable, RateLimited
from .selectors import connection_model_get, connection_models, connections_due
from .services.sync import connection_record_final_failure, connection_sync_by_id

logger = logging.getLogger(__name__)

TRANSIENT_CODES = {RateLimited.code, ProviderUnavailable.code, BadProviderResponse.code}
RETRY_BASE_SECONDS = 60


@shared_task(bind=True, acks_late=True, max_retries=3, soft_time_limit=14 * 60, time_limit=15 * 60)
def sync_connection(self, model_label: str, connection_id: str, trigger: str = "scheduled",
                    run_id: str | None = None) -> str | None:
    run = connection_sync_by_id(model_label, connection_id, trigger=trigger, lock_owner=self.request.id,
                                run_id=run_id)
    if run is None:
        return None
    if run.outcome == SyncOutcome.FAILED and run.error_code in TRANSIENT_CODES:
        if self.request.retries < self.max_retries:
            connection = connection_model_get(model_label).objects.get(pk=connection_id)
            countdown = RETRY_BASE_SECONDS * 2 ** self.request.retries + random.uniform(0, 30)  # noqa: S311
            if connection.retry_after:
                countdown = max(countdown, (connection.retry_after - timezone.now()).total_seconds())
            raise self.retry(countdown=countdown)
        connection = connection_model_get(model_label).objects.get(pk=connection_id)
        connection_record_final_failure(connection, run)
    return run.outcome


@shared_task(acks_late=True)
def sync_due_connections() -> int:
    """The daily fan-out: one sync task per due connection, spread over a jitter window."""
    now = timezone.now()
    count = 0
    for model in connection_models():
        for pk in connections_due(model, now).values_list("pk", flat=True).iterator():
            sync_connection.apply_async(
                args=[model._meta.label, str(pk)], kwargs={"trigger": "scheduled"},
                countdown=random.uniform(0, settings.DAILY_SYNC_JITTER_SECONDS),  # noqa: S311
            )
            count += 1
    logger.info("daily sync queued %s connections", count)
    return count


@shared_task(acks_late=True)
def purge_revoked_connections() -> int:
    """Daily: delete disconnected connections' data once the retention period has passed."""
    from .services.connections import connections_purge_revoked

    return connections_purge_revoked()
