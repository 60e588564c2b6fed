"""The one browser callback for every redirect-based provider."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from .models import SyncOutcome
from .providers.registry import UnknownProvider, registry
from .selectors import sync_runs_for_connection
from .services.oauth import AuthorizationError, authorization_complete

# public_token: what a token-exchange provider's widget hands back (Plaid Link's onSuccess).
CALLBACK_PARAMS = ("code", "state", "error", "error_description", "ref", "public_token")


@login_required
@require_GET
def provider_callback(request, provider: str):
    params = {k: request.GET[k] for k in CALLBACK_PARAMS if k in request.GET}
    try:
        state = registry.get(provider).callback_state(params)  # each provider says where it puts it
    except UnknownProvider:
        state = params.get("state", "")  # no such provider: the state check below refuses the link
    try:
        connection = authorization_complete(user=request.user, provider_slug=provider, state=state,
                                            code=params.get("code", ""), params=params)
    except AuthorizationError as exc:
        messages.error(request, exc.message)
        return redirect("/connections/?error=" + exc.code)
    connection.refresh_from_db()  # with an inline worker (dev, tests) the first sync has already run
    name = connection.institution_name or connection.provider
    if connection.user_state == "ok":
        first = sync_runs_for_connection(connection).order_by("-started_at").first()
        if connection.last_synced_at is not None:
            news = "Your accounts are up to date."
        elif first is not None and first.outcome == SyncOutcome.QUEUED and first.error:
            news = first.error  # the queue could not take it yet; it starts by itself
        else:
            news = "Your first sync is running."
        messages.success(request, f"Connected {name}. {news}")
    else:
        messages.warning(request, f"Connected {name}, but the first sync did not complete. See below.")
    return redirect(f"/connections/?connected={connection.pk}")
