"""Thin Celery tasks for open banking. The daily sync itself is the core's
integrations_core.tasks.sync_due_connections."""

from __future__ import annotations

from io import StringIO

from celery import shared_task
from django.core.management import call_command


@shared_task(acks_late=True)
def refresh_institutions() -> str:
    """Weekly: pick up banks GoCardless added or renamed (idempotent upsert)."""
    out = StringIO()
    call_command("seed_institutions", stdout=out, stderr=out)
    return out.getvalue()
