"""Budget alerts' read state: the home screen and the API mark them read the same way."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from transactions.models import BudgetAlert


def budget_alerts_mark_read(*, user, ids: Iterable | None = None) -> int:
    """Mark the person's unread alerts read (only `ids` when given; anyone else's ids match
    nothing). Answers how many changed."""
    alerts = BudgetAlert.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        alerts = alerts.filter(pk__in=list(ids))
    return alerts.update(read_at=timezone.now())
