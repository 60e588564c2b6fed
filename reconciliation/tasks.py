"""Thin Celery task: run the engine for one person."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from .services.engine import reconciliation_run
from .services.items import ItemSourceFailed


@shared_task(acks_late=True, autoretry_for=(ItemSourceFailed,), retry_backoff=60, max_retries=3)
def reconciliation_run_task(user_id, trigger: str = "sync") -> None:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:
        reconciliation_run(user, trigger=trigger)
