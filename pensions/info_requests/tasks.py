"""Thin Celery task: the daily reminder for overdue replies (scheduled by setup_schedules)."""

from celery import shared_task

from .services import information_requests_remind


@shared_task(name="pensions.info_requests.tasks.information_requests_remind")
def information_requests_remind_task() -> int:
    return information_requests_remind()
