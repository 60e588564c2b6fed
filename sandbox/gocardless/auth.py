"""GoCardless's server-to-server tokens: `token/new/` (secret_id + secret_key) and
`token/refresh/`, and the bearer check every other endpoint runs first."""

from __future__ import annotations

import functools
import json
from datetime import timedelta

from django.http import HttpRequest, JsonResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sandbox import clock, tokens
from sandbox.credentials import sandbox_client_id, sandbox_client_secret
from sandbox.faults import with_latency
from sandbox.models import GoCardlessApiToken

from .render import error_response, field_errors

ACCESS_TTL = timedelta(hours=24)
REFRESH_TTL = timedelta(days=30)


def request_data(request: HttpRequest) -> dict | QueryDict:
    """GoCardless accepts JSON or form bodies; an unreadable body reads as empty."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST


def _invalid_token() -> JsonResponse:
    return error_response(401, "Invalid token", "Token is invalid or expired")


def api_endpoint(view):
    """Bearer check, latency and CSRF exemption for every authenticated API view."""

    @csrf_exempt
    @with_latency
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return error_response(401, "Authentication credentials were not provided.",
                                  "Authentication credentials were not provided.")
        row = GoCardlessApiToken.objects.filter(access_token_hash=tokens.digest(header[7:].strip())).first()
        if row is None or row.access_expires_at <= clock.now():
            return _invalid_token()
        return view(request, *args, **kwargs)

    return wrapper


@csrf_exempt
@require_POST
@with_latency
def token_new(request: HttpRequest) -> JsonResponse:
    data = request_data(request)
    missing = {f: "This field is required." for f in ("secret_id", "secret_key") if not data.get(f)}
    if missing:
        return field_errors(missing)
    if data["secret_id"] != sandbox_client_id() or data["secret_key"] != sandbox_client_secret():
        return error_response(401, "Authentication failed", "No active account found with the given credentials")
    now = clock.now()
    access = tokens.new_jwt_like("access", now + ACCESS_TTL)
    refresh = tokens.new_jwt_like("refresh", now + REFRESH_TTL)
    GoCardlessApiToken.objects.create(
        access_token_hash=tokens.digest(access), refresh_token_hash=tokens.digest(refresh),
        access_expires_at=now + ACCESS_TTL, refresh_expires_at=now + REFRESH_TTL, created_at=now)
    return JsonResponse({"access": access, "access_expires": int(ACCESS_TTL.total_seconds()),
                         "refresh": refresh, "refresh_expires": int(REFRESH_TTL.total_seconds())})


@csrf_exempt
@require_POST
@with_latency
def token_refresh(request: HttpRequest) -> JsonResponse:
    data = request_data(request)
    if not data.get("refresh"):
        return field_errors({"refresh": "This field is required."})
    now = clock.now()
    row = GoCardlessApiToken.objects.filter(refresh_token_hash=tokens.digest(data["refresh"])).first()
    if row is None or row.refresh_expires_at <= now:
        return _invalid_token()
    access = tokens.new_jwt_like("access", now + ACCESS_TTL)
    GoCardlessApiToken.objects.create(access_token_hash=tokens.digest(access), access_expires_at=now + ACCESS_TTL,
                                      created_at=now)
    return JsonResponse({"access": access, "access_expires": int(ACCESS_TTL.total_seconds())})
