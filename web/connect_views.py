"""What every family's connect and connection pages do alike: paste an API key through the
api_key flow, "Sync now", disconnect. The family's view says only where the person lands and
what the message says."""

from __future__ import annotations

from django.contrib import messages

from integrations_core.api.throttles import ConnectionCreateThrottle
from integrations_core.connect.base import ConnectError
from integrations_core.connect.registry import flow_for
from integrations_core.services.connections import SyncNotPossible, connection_sync_now
from integrations_core.services.sync import SyncQueueUnavailable

from .views import _throttle_wait


def api_key_connect_submit(request, provider, form):
    """Run the api_key connect flow with the credentials posted in `form` (a CredentialsForm).
    Returns (connection, status): the new connection and 200, or None and the status to answer
    with, the reason on the form (the missing permission, the wait, the bad key)."""
    if wait := _throttle_wait(request, ConnectionCreateThrottle):
        form.is_valid()
        form.add_error(None, f"You have started a lot of connections recently. Try again in "
                             f"{wait // 60 + 1} minutes.")
        return None, 400
    if not form.is_valid():
        return None, 400
    try:
        connection = flow_for(provider).complete(user=request.user, provider=provider, connection=None,
                                                 data={"credentials": form.credentials()})
    except ConnectError as exc:
        if exc.fields:
            form.add_flow_errors(exc.fields)
        if not exc.fields or exc.retry_after or exc.fields.keys() == {"credentials"}:
            # The whole-form message says what to do (the missing permission, the wait).
            form.add_error(None, exc.message)
        return None, exc.status if exc.status in (429, 503) else 400
    return connection, 200


def sync_now_message(request, connection) -> None:
    """Queue a sync of the person's connection and say so (or why not) on the next page."""
    try:
        connection_sync_now(connection, actor=request.user)
        messages.success(request, "Sync started: this page shows the new data once it is read.")
    except SyncNotPossible as exc:
        messages.error(request, exc.message)
    except SyncQueueUnavailable:
        messages.error(request, "We could not start the sync right now. Try again shortly.")
