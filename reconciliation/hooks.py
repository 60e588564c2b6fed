"""The sync engine's after-run hook (settings.SYNC_AFTER_RUN_HOOKS): once a sync that reached
the provider has finished, queue a reconciliation run for its person. Queued after the commit,
never inline: matching reads every family's items, which is not the sync's work to wait for."""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)

RECONCILED_OUTCOMES = {"succeeded", "partial"}


def reconcile_after_sync(*, connection, run) -> None:
    if getattr(run, "outcome", None) not in RECONCILED_OUTCOMES:
        return
    from .tasks import reconciliation_run_task

    user_id = connection.user_id

    def send():
        try:
            reconciliation_run_task.delay(user_id, "sync")
        except Exception:  # the broker is down: the next sync or the page's "Check again" runs it
            logger.exception("could not queue reconciliation user=%s", user_id)

    transaction.on_commit(send)
