from .info_requests.tasks import information_requests_remind_task  # noqa: F401  (Celery autodiscovery)
