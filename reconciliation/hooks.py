"""The sync engine's after-run hook (settings.SYNC_AFTER_RUN_HOOKS): once a sync that reached
the provider has finished, queue a reconciliation run for its person. Queued after the commit,
never inline: matching reads every family's items, which is not the sync's work to wait for.

Only when a run can change something: the person has items a bank row can be matched against
(a family's registered counterpart check, registry.register_counterparts) or open matches a run
may have to drop (their counterpart has gone). A bank-only person's run would match nothing, and
the fleet's daily syncs are mostly theirs."""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)

RECONCILED_OUTCOMES = {"succeeded", "partial"}


def reconcile_after_sync(*, connection, run) -> None:
    if getattr(run, "outcome", None) not in RECONCILED_OUTCOMES:
        return
    user_id = connection.user_id
    if not reconciliation_can_change(user_id):
        return
    from .tasks import reconciliation_run_task

    def send():
        try:
            reconciliation_run_task.delay(user_id, "sync")
        except Exception:  # the broker is down: the next sync or the page's "Check again" runs it
            logger.exception("could not queue reconciliation user=%s", user_id)

    transaction.on_commit(send)


def reconciliation_can_change(user_id) -> bool:
    """Whether a run for this person could write anything: a family has counterparts for their
    bank rows, or they have suggested/auto-matched rows a run would drop once their items are
    gone. Confirmed and rejected rows alone are not a reason: a run never changes them."""
    from .models import MatchStatus, ReconMatch
    from .registry import counterpart_checks

    if any(check(user_id) for check in counterpart_checks()):
        return True
    return ReconMatch.objects.filter(user_id=user_id,
                                     status__in=[MatchStatus.SUGGESTED, MatchStatus.MATCHED]).exists()
