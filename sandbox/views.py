"""Sandbox-wide endpoints: an index of what is served, institution logos, and the clock."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import clock
from .faults import FAULT_LOGINS
from .institutions import INSTITUTIONS, institution_by_slug

LOGO_DIR = Path(__file__).resolve().parent / "static" / "sandbox" / "logos"


def _clock_state() -> dict:
    return {"today": clock.today().isoformat(), "now": clock.now().isoformat(), "offset_days": clock.offset_days()}


@require_GET
def index(request: HttpRequest) -> JsonResponse:
    def absolute(name: str, **kwargs) -> str:
        return request.build_absolute_uri(reverse(name, kwargs=kwargs or None))

    return JsonResponse({
        "sandbox": "enabled",
        "clock": _clock_state(),
        "institutions": [{
            "slug": i.slug, "name": i.name, "country": i.country, "currency": i.currency,
            "truelayer_id": i.truelayer_id, "gocardless_id": i.gocardless_id,
            "products": [str(p) for p in i.products], "logo": absolute("sandbox:logo", slug=i.slug),
        } for i in INSTITUTIONS],
        "fault_logins": list(FAULT_LOGINS),
        "endpoints": {
            "truelayer_auth_url": absolute("sandbox:truelayer:authorize").rstrip("/"),
            "truelayer_api_url": absolute("sandbox:truelayer:me").removesuffix("/data/v1/me"),
            "gocardless_api_url": absolute("sandbox:gocardless:token-new").removesuffix("/token/new/"),
            "trading212_api_url": absolute("sandbox:trading212:api", endpoint="x").removesuffix("/x"),
            "ibkr_flex_url": absolute("sandbox:ibkr:send-request").removesuffix("/SendRequest"),
        },
    })


@require_GET
def logo(request: HttpRequest, slug: str) -> HttpResponse:
    """Served by the sandbox itself so logos work without collectstatic or a CDN."""
    if institution_by_slug(slug) is None:
        raise Http404("No such institution")
    return HttpResponse((LOGO_DIR / f"{slug}.svg").read_bytes(), content_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})


@require_GET
def clock_state(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_clock_state())


def staff_only(view):
    """Moving the clock moves it for everyone (tokens, consents and quotas expire by it), so it
    takes a logged-in staff user, and - not being CSRF-exempt - a CSRF-checked POST from that
    session: another site cannot move it through a staff member's browser. Scripts use
    `manage.py sandbox_clock`."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_authenticated and request.user.is_staff):
            return JsonResponse({"error": "Moving the sandbox clock needs a staff login "
                                          "(or `manage.py sandbox_clock`)."}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


@require_POST
@staff_only
def clock_advance(request: HttpRequest) -> JsonResponse:
    """POST days=N (form or JSON; default 1) moves the sandbox clock N days on."""
    raw = request.POST.get("days")
    if raw is None and request.content_type == "application/json":
        try:
            raw = json.loads(request.body or b"{}").get("days")
        except (ValueError, AttributeError, RecursionError):
            raw = "not json"
    try:
        days = int(raw if raw is not None else 1)
    except (TypeError, ValueError):
        return JsonResponse({"error": "days must be an integer"}, status=400)
    clock.advance(days)
    return JsonResponse(_clock_state())


@require_POST
@staff_only
def clock_reset(request: HttpRequest) -> JsonResponse:
    clock.reset()
    return JsonResponse(_clock_state())
