"""The one browser callback for every redirect-based provider."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from .models import SyncOutcome
from .providers.base import Provider
from .providers.registry import UnknownProvider, registry
from .selectors import sync_runs_for_connection
from .services.oauth import AuthorizationError, authorization_complete

# public_token: what a token-exchange provider's widget hands back (Plaid Link's onSuccess).
CALLBACK_PARAMS = ("code", "state", "error", "error_description", "ref", "public_token")


@login_required
@require_GET
def provider_callback(request, provider: str):
    try:
        descriptor = registry.get(provider)
    except UnknownProvider:
        descriptor = None
    # The common parameters, and any the provider declares it sends back (a company id, say).
    names = CALLBACK_PARAMS + (descriptor.callback_params if descriptor is not None else ())
    params = {k: request.GET[k] for k in names if k in request.GET}
    if descriptor is not None:
        state = descriptor.callback_state(params)  # each provider says where it puts it
    else:
        state = params.get("state", "")  # no such provider: the state check below refuses the link
    try:
        connection = authorization_complete(user=request.user, provider_slug=provider, state=state,
                                            code=params.get("code", ""), params=params)
    except AuthorizationError as exc:
        messages.error(request, exc.message)
        page = descriptor.connected_page if descriptor is not None else Provider.connected_page
        return redirect(f"{page}?error={exc.code}")
    connection.refresh_from_db()  # with an inline worker (dev, tests) the first sync has already run
    name = connection.institution_name or connection.provider
    runs = sync_runs_for_connection(connection).order_by("-started_at")
    # A reconnect renews the permission of a connection that has synced before (its history is
    # kept); a first connect has only the run just queued.
    latest = runs.first()
    again = runs.filter(outcome__in=(SyncOutcome.SUCCEEDED, SyncOutcome.PARTIAL)).exclude(
        pk=getattr(latest, "pk", None)).exists()
    verb = "Reconnected" if again else "Connected"
    if connection.user_state == "ok":
        if latest is not None and latest.outcome in (SyncOutcome.SUCCEEDED, SyncOutcome.PARTIAL):
            news = "Your accounts are up to date."
        elif latest is not None and latest.outcome == SyncOutcome.QUEUED and latest.error:
            news = latest.error  # the queue could not take it yet; it starts by itself
        elif again:
            news = "We are fetching what is new since the last sync; you can follow it below."
        else:
            news = "We are fetching your accounts for the first time; you can follow it below."
        messages.success(request, f"{verb} {name}. {news}")
    else:
        messages.warning(request, f"{verb} {name}, but the sync did not complete. See below.")
    return redirect(f"{descriptor.connected_page}?connected={connection.pk}")
