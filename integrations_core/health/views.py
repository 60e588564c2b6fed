"""Process probes and the Prometheus endpoint (no login: probes and scrapers are not people).

- `/healthz`: the process is up (no dependency checked, so a restart loop is never caused by
  the database).
- `/readyz`: the database and the broker answer; 503 naming the one that failed.
- `/metrics`: Prometheus text, only for allowed scrapers (METRICS_TOKEN and/or
  METRICS_ALLOWED_IPS); off (404) while neither is set, 403 for anyone else."""

from __future__ import annotations

import hmac
import ipaddress
import logging

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception as exc:
        logger.warning("readyz: database unavailable (%s)", type(exc).__name__)
        return False


def _broker_ok() -> bool:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT)
        return True
    except Exception as exc:
        logger.warning("readyz: broker unavailable (%s)", type(exc).__name__)
        return False


@never_cache
@require_GET
def readyz(request):
    checks = {"database": "ok" if _database_ok() else "unavailable",
              "broker": "ok" if _broker_ok() else "unavailable"}
    failed = [name for name, state in checks.items() if state != "ok"]
    return JsonResponse({"status": "unavailable" if failed else "ok", "checks": checks, "failed": failed},
                        status=503 if failed else 200)


def _ip_allowed(addr: str, allowed: list[str]) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    for item in allowed:
        try:
            if ip in ipaddress.ip_network(item.strip(), strict=False):
                return True
        except ValueError:
            logger.warning("METRICS_ALLOWED_IPS: ignoring %r", item)
    return False


def metrics_access(request) -> int:
    """200 if this request may read the metrics, else 404 (not configured) or 403."""
    token, allowed = settings.METRICS_TOKEN, settings.METRICS_ALLOWED_IPS
    if not token and not allowed:
        return 404
    if allowed and not _ip_allowed(request.META.get("REMOTE_ADDR", ""), allowed):
        return 403
    if token:
        sent = request.headers.get("Authorization", "")
        if not sent.startswith("Bearer ") or not hmac.compare_digest(sent[7:].encode(), token.encode()):
            return 403
    return 200


@never_cache
@require_GET
def metrics(request):
    access = metrics_access(request)
    if access == 404:
        raise Http404("Metrics are not enabled.")
    if access == 403:
        return HttpResponseForbidden("Forbidden")
    import os

    from prometheus_client import (
        CONTENT_TYPE_LATEST,
        REGISTRY,
        CollectorRegistry,
        generate_latest,
        multiprocess,
    )

    from integrations_core.metrics import QueueDepthCollector, collectors_register

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(QueueDepthCollector())
    else:
        collectors_register()
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
