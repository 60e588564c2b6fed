"""Upsert the periodic tasks by name. Code owns *which task* a schedule runs; operators own
*when* and *whether*: an existing schedule's timing and enabled flag are never overwritten
(pass --reset to restore the defaults deliberately)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask


def default_schedules() -> list[dict]:
    hour = settings.DAILY_SYNC_HOUR
    return [
        {"name": "daily-sync", "task": "integrations_core.tasks.sync_due_connections",
         "crontab": {"minute": "0", "hour": str(hour)}},
        {"name": "webhook-events-sweep", "task": "integrations_core.tasks.webhook_events_sweep",
         "crontab": {"minute": "*/5", "hour": "*"}},
        {"name": "daily-alerts", "task": "integrations_core.tasks.alerts_daily",
         "crontab": {"minute": "30", "hour": str((hour + 1) % 24)}},
        *getattr(settings, "EXTRA_PERIODIC_TASKS", []),
    ]


class Command(BaseCommand):
    help = "Create or update the Celery beat schedules (never wiping operator edits)."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Overwrite timings and re-enable tasks.")

    @transaction.atomic
    def handle(self, *args, reset: bool = False, **options):
        for spec in default_schedules():
            when = {"day_of_week": "*", "day_of_month": "*", "month_of_year": "*", **spec["crontab"]}
            # Operators may have created an identical crontab already: reuse any, never fail on it.
            crontab = (CrontabSchedule.objects.filter(timezone=settings.CELERY_TIMEZONE, **when).first()
                       or CrontabSchedule.objects.create(timezone=settings.CELERY_TIMEZONE, **when))
            task = PeriodicTask.objects.filter(name=spec["name"]).first()
            if task is None:
                PeriodicTask.objects.create(name=spec["name"], task=spec["task"], crontab=crontab, enabled=True)
                self.stdout.write(f"created {spec['name']}")
                continue
            task.task = spec["task"]
            fields = ["task"]
            if reset:
                task.crontab, task.interval, task.enabled = crontab, None, True
                fields += ["crontab", "interval", "enabled"]
            task.save(update_fields=fields)
            self.stdout.write(f"updated {spec['name']}{' (reset)' if reset else ''}")
