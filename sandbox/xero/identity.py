"""Xero's identity service, mounted at /sandbox/xero/:

GET  login/identity/connect/authorize   the auth link (login.xero.com): a login form, then the
                                        consent screen where the person ticks the organisations
                                        to share; Allow redirects with ?code&state&scope
POST identity/connect/token             authorization_code (PKCE checked) and refresh_token
                                        grants; refresh tokens rotate (each is single-use)
POST identity/connect/revocation        revokes the grant behind a refresh token (RFC 7009)

Fault logins (typed at the login form): error.expired (refreshes answer 400 invalid_grant),
error.rate_limit / error.rate_limit_day (the API answers 429, minute or day), error.removed_tenant
(the second organisation answers 403 AuthorizationUnsuccessful), error.provider_error (503)."""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from urllib.parse import urlencode

from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from sandbox import tokens
from sandbox.credentials import sandbox_client_id, sandbox_client_secret
from sandbox.pages import error_page
from sandbox.redirects import redirect_uri_allowed

from . import data
from .models import XeroAuthCode, XeroGrant, XeroTenant, XeroToken

CODE_TTL = timedelta(minutes=5)
ACCESS_TOKEN_TTL = timedelta(minutes=30)  # Xero's access tokens last 30 minutes
REFRESH_TOKEN_TTL = timedelta(days=60)  # and an unused refresh token 60 days
SCOPES = {
    "openid": "Your identity", "profile": "Your name", "email": "Your email address",
    "offline_access": "Keep access while you are away",
    "accounting.settings": "Your organisation's settings and chart of accounts",
    "accounting.settings.read": "Your organisation's settings (read only)",
    "accounting.contacts": "Your contacts", "accounting.contacts.read": "Your contacts (read only)",
    "accounting.transactions": "Your invoices, bills and bank transactions",
    "accounting.transactions.read": "Your invoices, bills and bank transactions (read only)",
}
FAULTS = ("expired", "rate_limit", "rate_limit_day", "removed_tenant", "provider_error")
FAULT_LOGINS = tuple(f"error.{f}" for f in FAULTS)
SIGNING_SALT = "sandbox-xero-authorize"


def fault_of(username: str) -> str:
    return username.removeprefix("error.") if username in FAULT_LOGINS else ""


def _link_problem(request: HttpRequest) -> str:
    params = request.GET
    if params.get("response_type") != "code":
        return "unsupported_response_type: response_type must be 'code'."
    if params.get("client_id") != sandbox_client_id():
        return "unauthorized_client: unknown client_id."
    if not redirect_uri_allowed(params.get("redirect_uri", ""), request, provider="xero"):
        return "invalid_request: the redirect_uri is not registered for this app."
    scopes = params.get("scope", "").split()
    if not scopes or set(scopes) - set(SCOPES):
        return f"invalid_scope: use some of {' '.join(SCOPES)}."
    if params.get("code_challenge") and params.get("code_challenge_method") != "S256":
        return "invalid_request: code_challenge_method must be S256."
    return ""


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """Step 1 (GET): the link is checked and the login form shown. Step 2 (POST, login): the
    consent screen with the login's organisations. Step 3 (POST, decision): redirect back."""
    if request.method == "GET":
        if problem := _link_problem(request):
            return error_page(request, "Invalid authorization link", problem)
        link = signing.dumps(dict(request.GET.items()), salt=SIGNING_SALT)
        return render(request, "sandbox/xero/login.html", {"link": link, "fault_logins": FAULT_LOGINS})
    try:
        params = signing.loads(request.POST.get("link", ""), salt=SIGNING_SALT, max_age=1800)
    except signing.BadSignature:
        return error_page(request, "Link expired", "Start connecting again from the app.")
    username = request.POST.get("username", "").strip()
    if not username:
        return render(request, "sandbox/xero/login.html", {"link": request.POST["link"], "fault_logins": FAULT_LOGINS,
                                                           "error": "Enter your email address."}, status=400)
    organisations = [(data.tenant_id(username, i), data.organisation_name(username, i))
                     for i in range(data.TENANTS_PER_LOGIN)]
    decision = request.POST.get("decision")
    if decision is None:
        return render(request, "sandbox/xero/consent.html", {
            "link": request.POST["link"], "username": username, "organisations": organisations,
            "permissions": [SCOPES[s] for s in params.get("scope", "").split()]})
    state = params.get("state", "")
    if decision != "allow":
        return _back(params["redirect_uri"], error="access_denied", state=state)
    chosen = [i for i, (tid, _) in enumerate(organisations) if tid in request.POST.getlist("tenant")]
    if not chosen:
        return render(request, "sandbox/xero/consent.html", {
            "link": request.POST["link"], "username": username, "organisations": organisations,
            "permissions": [SCOPES[s] for s in params.get("scope", "").split()],
            "error": "Select at least one organisation."}, status=400)
    code = tokens.new_code()
    with transaction.atomic():
        grant = XeroGrant.objects.create(username=username, client_id=params["client_id"], scope=params.get("scope", ""),
                                         refresh_expired=fault_of(username) == "expired")
        for i in chosen:
            XeroTenant.objects.create(grant=grant, tenant_id=organisations[i][0], index=i, name=organisations[i][1])
        XeroAuthCode.objects.create(digest=tokens.digest(code), grant=grant, redirect_uri=params["redirect_uri"],
                                    code_challenge=params.get("code_challenge", ""),
                                    code_challenge_method=params.get("code_challenge_method", ""),
                                    expires_at=timezone.now() + CODE_TTL)
    return _back(params["redirect_uri"], code=code, scope=params.get("scope", ""), state=state)


def _back(uri: str, **params: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(uri + ("&" if "?" in uri else "?") + urlencode(params))


# --- token endpoint --------------------------------------------------------------------------


def _oauth_error(error: str, status: int = 400, description: str = "") -> JsonResponse:
    body = {"error": error}
    if description:
        body["error_description"] = description
    return JsonResponse(body, status=status)


def _client(request: HttpRequest) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return client_id, secret
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def _issue(grant: XeroGrant) -> JsonResponse:
    now = timezone.now()
    access, refresh = tokens.new_jwt_like("access", now + ACCESS_TOKEN_TTL), tokens.new_code()
    XeroToken.objects.create(digest=tokens.digest(access), kind=XeroToken.ACCESS, grant=grant,
                             expires_at=now + ACCESS_TOKEN_TTL)
    XeroToken.objects.create(digest=tokens.digest(refresh), kind=XeroToken.REFRESH, grant=grant,
                             expires_at=now + REFRESH_TOKEN_TTL)
    return JsonResponse({"id_token": tokens.new_jwt_like("id", now + ACCESS_TOKEN_TTL), "access_token": access,
                         "expires_in": int(ACCESS_TOKEN_TTL.total_seconds()), "token_type": "Bearer",
                         "refresh_token": refresh, "scope": grant.scope})


@csrf_exempt
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    client_id, secret = _client(request)
    if client_id != sandbox_client_id() or (secret and secret != sandbox_client_secret()):
        return _oauth_error("invalid_client")
    grant_type = request.POST.get("grant_type")
    now = timezone.now()
    with transaction.atomic():
        if grant_type == "authorization_code":
            row = (XeroAuthCode.objects.select_for_update().select_related("grant")
                   .filter(digest=tokens.digest(request.POST.get("code", ""))).first())
            if row is None or row.used_at or row.expires_at < now:
                return _oauth_error("invalid_grant")
            if row.redirect_uri != request.POST.get("redirect_uri"):
                return _oauth_error("invalid_grant", description="redirect_uri does not match")
            if row.code_challenge:
                verifier = request.POST.get("code_verifier", "")
                if not verifier or tokens.pkce_challenge(verifier, "S256") != row.code_challenge:
                    return _oauth_error("invalid_grant", description="code_verifier does not match")
            elif not secret:
                return _oauth_error("invalid_client")  # without PKCE the secret is required
            row.used_at = now
            row.save(update_fields=["used_at"])
            return _issue(row.grant)
        if grant_type == "refresh_token":
            row = (XeroToken.objects.select_for_update().select_related("grant")
                   .filter(digest=tokens.digest(request.POST.get("refresh_token", "")), kind=XeroToken.REFRESH).first())
            if (row is None or row.spent_at or row.expires_at < now or row.grant.revoked_at
                    or row.grant.refresh_expired):
                return _oauth_error("invalid_grant")
            row.spent_at = now  # rotation: this refresh token is used up
            row.save(update_fields=["spent_at"])
            return _issue(row.grant)
    return _oauth_error("unsupported_grant_type")


@csrf_exempt
@require_POST
def revocation(request: HttpRequest) -> HttpResponse:
    client_id, secret = _client(request)
    if client_id != sandbox_client_id() or secret != sandbox_client_secret():
        return _oauth_error("invalid_client")
    row = XeroToken.objects.select_related("grant").filter(digest=tokens.digest(request.POST.get("token", ""))).first()
    if row is not None:
        XeroGrant.objects.filter(pk=row.grant_id).update(revoked_at=timezone.now())
    return HttpResponse(status=200)  # RFC 7009: unknown tokens are not an error
