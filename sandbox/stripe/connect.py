"""Stripe Connect OAuth (connect.stripe.com), mounted at /sandbox/stripe/connect/ (so
STRIPE_CONNECT_URL={SITE}/sandbox/stripe/connect).

GET  /oauth/authorize    checks the link (response_type=code, the sandbox platform's client_id,
                         scope read_only or read_write, an allow-listed redirect_uri), then shows
                         the sign-in and connect page; the login names the business persona.
POST /oauth/authorize    Connect: back to redirect_uri with ?code=ac_...&scope=...&state=...;
                         Deny: ?error=access_denied&error_description=...&state=...
POST /oauth/token        grant_type=authorization_code (a code is single use, 5 minutes) or
                         refresh_token, authenticated with the platform's secret key; answers
                         stripe_user_id, scope, access and refresh tokens.
POST /oauth/deauthorize  client_id + stripe_user_id: the platform lets go of the account; its
                         reads then answer 403 account_invalid.
Errors are Stripe's OAuth shape: {"error": "invalid_grant", "error_description": "..."}.
Connections are sandbox Consents (provider "stripe", institution_slug = the account id), so
nothing here needs tables of its own."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from sandbox import clock
from sandbox.consents import consent_create, consent_revoke
from sandbox.faults import FAULT_LOGINS, is_known_login, with_latency
from sandbox.models import Consent
from sandbox.pages import error_page, redirect_with_params
from sandbox.redirects import redirect_uri_allowed

from .views import PROVIDER, platform_secret_key

CODE_SALT = "sandbox.stripe.oauth.code"
REFRESH_SALT = "sandbox.stripe.oauth.refresh"
CODE_SECONDS = 5 * 60
SCOPES = ("read_only", "read_write")
CONNECTED_DAYS = 3650  # Connect access does not lapse; the account or the platform ends it


def platform_client_id() -> str:
    return getattr(settings, "SANDBOX_STRIPE_CLIENT_ID", "ca_sandbox_platform")


def account_id_for(username: str) -> str:
    return "acct_1" + hashlib.sha256(f"stripe|{username}".encode()).hexdigest()[:15]


class ConnectForm(forms.Form):
    username = forms.CharField(label="Sandbox login", max_length=150)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if not is_known_login(username):
            raise forms.ValidationError("Unknown fault login.")
        return username


def _oauth_error(status: int, code: str, description: str) -> JsonResponse:
    return JsonResponse({"error": code, "error_description": description}, status=status)


def _link_problem(request: HttpRequest) -> str:
    params = request.GET if request.method == "GET" else request.POST
    if params.get("response_type") != "code":
        return "response_type must be 'code'."
    if params.get("client_id") != platform_client_id():
        return f"No such application: '{params.get('client_id', '')}'."
    if params.get("scope", "read_only") not in SCOPES:
        return "Invalid scope: use read_only or read_write."
    uri = params.get("redirect_uri", "")
    if not uri or not redirect_uri_allowed(uri, request, provider=PROVIDER):
        return "Invalid redirect_uri: it is not one of the platform's registered redirect URIs."
    return ""


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    if problem := _link_problem(request):
        return error_page(request, "Invalid Connect link", problem)
    params = request.GET if request.method == "GET" else request.POST
    link = {k: params.get(k, "") for k in ("response_type", "client_id", "scope", "state", "redirect_uri")}
    link["scope"] = link["scope"] or "read_only"
    form = ConnectForm(request.POST if request.method == "POST" and params.get("decision") == "allow" else None)
    if request.method == "POST":
        if params.get("decision") != "allow":
            return redirect_with_params(link["redirect_uri"], error="access_denied",
                                        error_description="The user denied your request", state=link["state"])
        if form.is_valid():
            username = form.cleaned_data["username"]
            account = account_id_for(username)
            consent = Consent.objects.filter(provider=PROVIDER, institution_slug=account).first()
            now = clock.now()
            if consent is None or consent.revoked_at:
                if consent is not None:
                    consent.delete()  # reconnecting after a disconnect: a fresh connection
                consent = consent_create(provider=PROVIDER, institution_slug=account, username=username,
                                         scopes=[link["scope"]], now=now, valid_for_days=CONNECTED_DAYS)
            code = "ac_" + signing.dumps({"c": str(consent.pk), "s": link["scope"], "r": link["redirect_uri"]},
                                         salt=CODE_SALT, compress=True)
            return redirect_with_params(link["redirect_uri"], code=code, scope=link["scope"], state=link["state"])
    return render(request, "sandbox/stripe/authorize.html", {"form": form, "link": link, "fault_logins": FAULT_LOGINS},
                  status=400 if form.is_bound else 200)


def _platform_authenticated(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header.startswith("Bearer ") else request.POST.get("client_secret", "")
    return key == platform_secret_key()


def _tokens(consent: Consent, scope: str) -> JsonResponse:
    refresh = "rt_" + signing.dumps({"c": str(consent.pk)}, salt=REFRESH_SALT, compress=True)
    return JsonResponse({
        "access_token": "sk_test_" + hashlib.sha256(f"access|{consent.pk}".encode()).hexdigest()[:40],
        "livemode": False, "refresh_token": refresh, "token_type": "bearer",
        "stripe_publishable_key": "pk_test_" + hashlib.sha256(f"pk|{consent.pk}".encode()).hexdigest()[:40],
        "stripe_user_id": consent.institution_slug, "scope": scope,
    })


@csrf_exempt
@require_POST
@with_latency
def token(request: HttpRequest) -> JsonResponse:
    if not _platform_authenticated(request):
        return _oauth_error(401, "invalid_client", "No such api key or client_secret.")
    grant = request.POST.get("grant_type", "")
    if grant == "authorization_code":
        code = request.POST.get("code", "")
        try:
            claims = signing.loads(code.removeprefix("ac_"), salt=CODE_SALT, max_age=CODE_SECONDS)
        except signing.BadSignature:
            return _oauth_error(400, "invalid_grant", f"Authorization code does not exist: {code[:12]}...")
        if not cache.add(f"sandbox:stripe:code-used:{hashlib.sha256(code.encode()).hexdigest()}", 1,
                         timeout=CODE_SECONDS + 60):
            return _oauth_error(400, "invalid_grant", "This authorization code has already been used. All tokens "
                                "issued with this code have been revoked.")
        consent = Consent.objects.filter(pk=claims["c"], provider=PROVIDER, revoked_at__isnull=True).first()
        if consent is None:
            return _oauth_error(400, "invalid_grant", "The account behind this code is no longer connected.")
        return _tokens(consent, claims["s"])
    if grant == "refresh_token":
        try:
            claims = signing.loads(request.POST.get("refresh_token", "").removeprefix("rt_"), salt=REFRESH_SALT)
        except signing.BadSignature:
            return _oauth_error(400, "invalid_grant", "Invalid refresh token.")
        consent = Consent.objects.filter(pk=claims["c"], provider=PROVIDER, revoked_at__isnull=True).first()
        if consent is None:
            return _oauth_error(400, "invalid_grant", "The account has disconnected this application.")
        return _tokens(consent, (consent.scopes or ["read_only"])[0])
    return _oauth_error(400, "unsupported_grant_type", f"Unsupported grant type: {grant!r}.")


@csrf_exempt
@require_POST
@with_latency
def deauthorize(request: HttpRequest) -> JsonResponse:
    if not _platform_authenticated(request):
        return _oauth_error(401, "invalid_client", "No such api key or client_secret.")
    if request.POST.get("client_id") != platform_client_id():
        return _oauth_error(400, "invalid_client", f"No such application: '{request.POST.get('client_id', '')}'.")
    account = request.POST.get("stripe_user_id", "")
    consent = Consent.objects.filter(provider=PROVIDER, institution_slug=account, revoked_at__isnull=True).first()
    if consent is None:
        return _oauth_error(401, "invalid_client", f"This application is not connected to stripe account {account}, "
                            "or that account does not exist.")
    consent_revoke(consent, clock.now())
    return JsonResponse({"stripe_user_id": account})


def revoke_access(username: str) -> None:
    """The account holder disconnects the app from their Stripe dashboard (tests, the index page)."""
    consent = Consent.objects.filter(provider=PROVIDER, institution_slug=account_id_for(username)).first()
    if consent is not None:
        consent_revoke(consent, clock.now() - timedelta(seconds=1))
