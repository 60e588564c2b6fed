"""The answer every family's `POST .../connections/{id}/sync/` gives: 202 with the run, 409
when the connection cannot be synced now (Retry-After when the provider asked us to wait), 503
when the task queue is down. The family says how it asks for the sync and what the 202 body is."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response

from integrations_core.selectors import sync_run_observed
from integrations_core.services.connections import SyncNotPossible, connection_sync_now
from integrations_core.services.sync import SyncQueueUnavailable

from .errors import error_body


def sync_now_response(request, connection, *, body: Callable[..., dict],
                      sync_request: Callable = connection_sync_now) -> Response:
    try:
        run = sync_request(connection, actor=request.user)
    except SyncNotPossible as exc:
        headers = {}
        if exc.retry_after is not None:
            headers["Retry-After"] = str(max(1, int((exc.retry_after - timezone.now()).total_seconds())))
        return Response(error_body(exc.code, exc.message), status=status.HTTP_409_CONFLICT, headers=headers)
    except SyncQueueUnavailable:
        return Response(error_body("queue_unavailable", "We could not start the sync right now. Try again shortly."),
                        status=status.HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": "30"})
    return Response(body(sync_run_observed(run, connection)), status=status.HTTP_202_ACCEPTED)
