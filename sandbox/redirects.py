"""Where the mock banks may send a person back to: the redirect URIs registered for the one
sandbox client, as real TrueLayer allow-lists them in its console.

Without this the sandbox is an open redirect: the client id and secret are public defaults, so
anyone could build a link that opens our bank pages and then sends the person, with a code, to
a site of their choosing. Registered are the platform's own callbacks under SITE_URL, anything
in settings.SANDBOX_REDIRECT_URIS (read per call, so tests may change it), and any URI on the
host the sandbox is served from: the sandbox lives inside the app, so its own host is the app."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


def registered_redirect_uris(provider: str) -> list[str]:
    """Exact URIs, compared as strings (TrueLayer does not normalise them either)."""
    uris = list(getattr(settings, "SANDBOX_REDIRECT_URIS", []))
    try:
        uris.append(settings.SITE_URL.rstrip("/") + reverse("integrations-callback", args=[provider]))
    except NoReverseMatch:  # the sandbox mounted without the platform around it
        pass
    return uris


def redirect_uri_allowed(uri: str, request: HttpRequest, *, provider: str) -> bool:
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    return uri in registered_redirect_uris(provider) or parts.netloc == request.get_host()
