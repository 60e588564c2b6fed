"""Thin Celery tasks: load ids, call one service.

Beat entries (the lead wires them in settings.EXTRA_PERIODIC_TASKS; suggested cadence):
- transactions.tasks.categorise_pending           every hour   (uncategorised / low confidence)
- transactions.tasks.categoriser_retrain          daily, 03:00 (before the 04:00 sync)
- transactions.tasks.recurring_detect_all         daily, 06:00 (after the sync)
- transactions.tasks.budget_alerts_check_all      daily, 06:30
"""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from integrations_core.selectors import user_ids_with_ledger_connections

from .services.budgets import budget_alerts_check
from .services.categorisation import transactions_categorise_pending
from .services.recurring import recurring_detect
from .services.training import categoriser_model_train
from .services.transfers import transfer_orphans_release


@shared_task(acks_late=True, soft_time_limit=50 * 60, time_limit=55 * 60)
def categorise_pending() -> dict:
    transfer_orphans_release()
    return transactions_categorise_pending()


@shared_task(acks_late=True, soft_time_limit=50 * 60, time_limit=55 * 60)
def categoriser_retrain() -> int | None:
    model = categoriser_model_train()
    return model.pk if model else None


@shared_task(acks_late=True)
def recurring_detect_for_user(user_id: int) -> int:
    user = get_user_model().objects.filter(pk=user_id).first()
    return len(recurring_detect(user=user)) if user else 0


@shared_task(acks_late=True)
def budget_alerts_check_for_user(user_id: int) -> int:
    user = get_user_model().objects.filter(pk=user_id).first()
    return len(budget_alerts_check(user=user)) if user else 0


@shared_task(acks_late=True)
def recurring_detect_all() -> int:
    user_ids = user_ids_with_ledger_connections()
    for user_id in user_ids:
        recurring_detect_for_user.delay(user_id)
    return len(user_ids)


@shared_task(acks_late=True)
def budget_alerts_check_all() -> int:
    user_ids = list(get_user_model().objects.filter(budgets__isnull=False).values_list("pk", flat=True).distinct())
    for user_id in user_ids:
        budget_alerts_check_for_user.delay(user_id)
    return len(user_ids)
