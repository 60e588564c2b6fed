"""Intuit's OAuth 2.0 server, mocked.

GET/POST appcenter/connect/oauth2        the connect page (appcenter.intuit.com/connect/oauth2):
                                         the person signs in with a sandbox login and picks the
                                         company; Connect redirects with ?code&state&realmId
POST oauth/oauth2/v1/tokens/bearer       authorization_code and refresh_token grants, client id
                                         and secret in HTTP basic auth (oauth.platform.intuit.com)
POST developer/v2/oauth2/tokens/revoke   {"token": ...}: ends the whole chain (developer.api.intuit.com)

Refresh tokens rotate: every refresh answers a new pair. The previous refresh token keeps
working until its successor is used (a client that lost the answer can ask again: it gets a
fresh pair and the lost one dies); once the successor has been used, the previous one is refused
with invalid_grant. A chain unused for 100 days (x_refresh_token_expires_in, on the sandbox
clock) is refused with invalid_grant too. Fault logins: `error.expired` (every refresh refused:
the 100 days have passed), `error.rate_limit` (every API call throttled)."""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from sandbox import clock, tokens
from sandbox.credentials import sandbox_client_id, sandbox_client_secret
from sandbox.faults import FAULT_PREFIX, is_known_login, with_latency
from sandbox.pages import error_page, redirect_with_params
from sandbox.redirects import redirect_uri_allowed

from .books import realm_id_for
from .models import QboAuthCode, QboRealm, QboToken

SCOPE = "com.intuit.quickbooks.accounting"
CODE_TTL = timedelta(minutes=5)
ACCESS_TTL = timedelta(hours=1)
REFRESH_TTL = timedelta(days=100)
EXPIRED_LOGIN = f"{FAULT_PREFIX}expired"
FAULT_LOGINS = (EXPIRED_LOGIN, f"{FAULT_PREFIX}rate_limit")


def _link_problem(request: HttpRequest) -> str:
    params = request.GET
    if params.get("response_type") != "code":
        return "response_type must be 'code'."
    if params.get("client_id") != sandbox_client_id():
        return "invalid_client: unknown client_id."
    if SCOPE not in params.get("scope", "").split():
        return f"invalid_scope: ask for {SCOPE}."
    if not redirect_uri_allowed(params.get("redirect_uri", ""), request, provider="quickbooks"):
        return "The redirect_uri is not registered for this app."
    if not params.get("state"):
        return "state is required."
    return ""


@require_http_methods(["GET", "POST"])
def connect(request: HttpRequest) -> HttpResponse:
    if problem := _link_problem(request):
        return error_page(request, "Invalid connect link", problem)
    params = request.GET
    username = (request.POST.get("username") or "").strip()
    error = ""
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            return redirect_with_params(params["redirect_uri"], error="access_denied", state=params["state"])
        if not username or not is_known_login(username) or len(username) > 150:
            error = "Enter a sandbox login (any name, or one of the fault logins)."
        else:
            realm = _realm_for(username)
            code = tokens.new_code()
            QboAuthCode.objects.create(code_hash=tokens.digest(code), realm=realm, redirect_uri=params["redirect_uri"],
                                       expires_at=clock.now() + CODE_TTL)
            return redirect_with_params(params["redirect_uri"], code=code, state=params["state"],
                                        realmId=realm.realm_id)
    return render(request, "sandbox/quickbooks/connect.html",
                  {"error": error, "username": username, "fault_logins": FAULT_LOGINS},
                  status=400 if error else 200)


def _realm_for(username: str) -> QboRealm:
    realm, _ = QboRealm.objects.get_or_create(realm_id=realm_id_for(username),
                                              defaults={"username": username, "created_at": clock.now()})
    if realm.disconnected_at is not None:  # connecting again reconnects the app
        realm.disconnected_at = None
        realm.save(update_fields=["disconnected_at"])
    return realm


def _client_ok(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return False
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return secrets.compare_digest(client_id, sandbox_client_id()) and secrets.compare_digest(
        secret, sandbox_client_secret())


def _grant_error(error: str, description: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description}, status=status)


def _issue(realm: QboRealm, predecessor: QboToken | None = None) -> JsonResponse:
    now = clock.now()
    access, refresh = tokens.new_jwt_like("access", now + ACCESS_TTL), "RT1-" + secrets.token_urlsafe(40)
    QboToken.objects.create(realm=realm, access_hash=tokens.digest(access), refresh_hash=tokens.digest(refresh),
                            access_expires_at=now + ACCESS_TTL, refresh_expires_at=now + REFRESH_TTL, created_at=now,
                            predecessor=predecessor)
    return JsonResponse({"token_type": "bearer", "access_token": access, "expires_in": int(ACCESS_TTL.total_seconds()),
                         "refresh_token": refresh,
                         "x_refresh_token_expires_in": int(REFRESH_TTL.total_seconds())})


@csrf_exempt
@require_POST
@with_latency
def token(request: HttpRequest) -> HttpResponse:
    if not _client_ok(request):
        return _grant_error("invalid_client", "Client authentication failed", status=401)
    grant = request.POST.get("grant_type")
    now = clock.now()
    with transaction.atomic():
        if grant == "authorization_code":
            code = QboAuthCode.objects.select_for_update().filter(
                code_hash=tokens.digest(request.POST.get("code", ""))).select_related("realm").first()
            if code is None or code.used_at or code.expires_at <= now \
                    or code.redirect_uri != request.POST.get("redirect_uri"):
                return _grant_error("invalid_grant", "Invalid authorization code")
            code.used_at = now
            code.save(update_fields=["used_at"])
            return _issue(code.realm)
        if grant != "refresh_token":
            return _grant_error("unsupported_grant_type", "Use authorization_code or refresh_token")
        held = QboToken.objects.select_for_update().filter(
            refresh_hash=tokens.digest(request.POST.get("refresh_token", ""))).select_related("realm").first()
        if held is None or held.revoked_at or held.realm.disconnected_at or held.refresh_expires_at <= now \
                or held.realm.username == EXPIRED_LOGIN:
            return _grant_error("invalid_grant", "Token invalid")
        successors = list(QboToken.objects.select_for_update().filter(predecessor=held, revoked_at__isnull=True))
        if any(s.used_at for s in successors):
            return _grant_error("invalid_grant", "Token invalid")  # rotated away: the new one is in use
        # A successor nobody used was lost on the way: it dies, a fresh pair replaces it.
        QboToken.objects.filter(pk__in=[s.pk for s in successors]).update(revoked_at=now)
        held.spent_at, held.used_at = now, held.used_at or now
        held.save(update_fields=["spent_at", "used_at"])
        _predecessor_retire(held, now)
        return _issue(held.realm, predecessor=held)


def _predecessor_retire(used: QboToken, now) -> None:
    """Using a pair retires the pair before it for good."""
    if used.predecessor_id:
        QboToken.objects.filter(pk=used.predecessor_id, revoked_at__isnull=True).update(revoked_at=now)


@csrf_exempt
@require_POST
@with_latency
def revoke(request: HttpRequest) -> HttpResponse:
    if not _client_ok(request):
        return _grant_error("invalid_client", "Client authentication failed", status=401)
    try:
        value = json.loads(request.body or b"{}").get("token", "")
    except (ValueError, AttributeError):
        return _grant_error("invalid_request", "Send {\"token\": ...}")
    digest = tokens.digest(str(value))
    held = QboToken.objects.filter(refresh_hash=digest).first() or QboToken.objects.filter(access_hash=digest).first()
    if held is not None:
        now = clock.now()
        QboToken.objects.filter(realm=held.realm, revoked_at__isnull=True).update(revoked_at=now)
        QboRealm.objects.filter(pk=held.realm_id).update(disconnected_at=now)
    return HttpResponse(status=200)


def bearer_token(request: HttpRequest, realm_id: str) -> QboToken | None:
    """The live token behind the request's bearer for this realm (marking it used), or None."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    held = QboToken.objects.filter(access_hash=tokens.digest(header[7:])).select_related("realm").first()
    now = clock.now()
    if held is None or held.revoked_at or held.access_expires_at <= now or held.realm.disconnected_at \
            or held.realm_id != realm_id:
        return None
    if held.used_at is None:
        QboToken.objects.filter(pk=held.pk).update(used_at=now)
        _predecessor_retire(held, now)
    return held

