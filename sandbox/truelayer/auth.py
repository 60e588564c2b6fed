"""TrueLayer's auth server (auth.truelayer.com), mounted at /sandbox/truelayer/auth/.

GET /                the auth link: validates it and opens the mock bank dialog
    /login/<id>/     bank picker + login form
    /consent/<id>/   consent screen; Allow redirects with ?code&state, Cancel with error=access_denied
POST /connect/token  authorization_code and refresh_token grants (form-encoded)
DELETE /api/delete   revokes the consent behind the bearer token"""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from urllib.parse import urlsplit

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox import clock, tokens
from sandbox.consents import ConsentState, consent_create, consent_revoke, consent_state
from sandbox.credentials import sandbox_client_id, sandbox_client_secret
from sandbox.faults import with_latency
from sandbox.forms import BankLoginForm
from sandbox.institutions import institution_by_slug, institution_by_truelayer_id
from sandbox.models import Consent, TrueLayerAuthRequest, TrueLayerToken
from sandbox.pages import consent_page, error_page, login_page, redirect_with_params
from sandbox.redirects import redirect_uri_allowed

from .render import error_response

PROVIDER_NAME = "TrueLayer"
AUTH_REQUEST_TTL = timedelta(minutes=30)
CODE_TTL = timedelta(minutes=5)
ACCESS_TOKEN_TTL = timedelta(hours=1)
CONSENT_DAYS = 90
SCOPE_DESCRIPTIONS = {
    "info": "Your name, address and contact details",
    "accounts": "Your account details",
    "balance": "Your balances",
    "cards": "Your card details",
    "transactions": "Your transactions",
    "direct_debits": "Your direct debits",
    "standing_orders": "Your standing orders",
    "offline_access": "Keep access while you are away (up to 90 days)",
}


# --- the auth dialog ---------------------------------------------------------------------------
def _auth_link_problem(request: HttpRequest) -> str:
    params = request.GET
    if params.get("response_type") != "code":
        return "response_type must be 'code'."
    if params.get("client_id") != sandbox_client_id():
        return "unauthorized_client: unknown client_id."
    redirect_uri = urlsplit(params.get("redirect_uri", ""))
    if redirect_uri.scheme not in ("http", "https") or not redirect_uri.netloc:
        return "redirect_uri must be an absolute http(s) URL."
    if not redirect_uri_allowed(params["redirect_uri"], request, provider="truelayer"):
        return "unauthorized_client: the redirect_uri is not allow-listed for this client_id."
    scopes = params.get("scope", "").split()
    if not scopes or set(scopes) - set(SCOPE_DESCRIPTIONS):
        return f"invalid_scope: use some of {' '.join(SCOPE_DESCRIPTIONS)}."
    if params.get("code_challenge") and params.get("code_challenge_method", "plain") not in ("S256", "plain"):
        return "code_challenge_method must be S256."
    if params.get("provider_id") and not institution_by_truelayer_id(params["provider_id"]):
        return f"Unknown provider_id {params['provider_id']!r}."
    return ""


@require_GET
def authorize(request: HttpRequest) -> HttpResponse:
    # Problems with the link itself are shown, never redirected: the redirect_uri is untrusted
    # until it is found on the client's allow-list.
    if problem := _auth_link_problem(request):
        return error_page(request, "Invalid auth link", problem)
    params = request.GET
    auth_request = TrueLayerAuthRequest.objects.create(
        created_at=clock.now(), client_id=params["client_id"], redirect_uri=params["redirect_uri"],
        scope=" ".join(params["scope"].split()), state=params.get("state", ""),
        providers=params.get("providers", ""), provider_id=params.get("provider_id", ""),
        code_challenge=params.get("code_challenge", ""),
        code_challenge_method=params.get("code_challenge_method", "plain") if params.get("code_challenge") else "",
    )
    return redirect("sandbox:truelayer:login", request_id=auth_request.id)


def _open_auth_request(request: HttpRequest, request_id) -> TrueLayerAuthRequest | HttpResponse:
    auth_request = get_object_or_404(TrueLayerAuthRequest, pk=request_id)
    if auth_request.created_at + AUTH_REQUEST_TTL < clock.now():
        return error_page(request, "Session expired", "Start again from the app.")
    if auth_request.consent_id or auth_request.code_used_at:
        return error_page(request, "Already finished", "This authorisation has already been completed.")
    return auth_request


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest, request_id) -> HttpResponse:
    auth_request = _open_auth_request(request, request_id)
    if isinstance(auth_request, HttpResponse):
        return auth_request
    fixed = institution_by_truelayer_id(auth_request.provider_id) if auth_request.provider_id else None
    form = BankLoginForm(request.POST or None, fixed_institution=fixed.slug if fixed else None)
    if request.method == "POST" and form.is_valid():
        auth_request.username = form.cleaned_data["username"]
        auth_request.institution_slug = form.institution_slug
        auth_request.save(update_fields=["username", "institution_slug"])
        return redirect("sandbox:truelayer:consent", request_id=auth_request.id)
    return login_page(request, form, provider_name=PROVIDER_NAME, institution=fixed)


@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, request_id) -> HttpResponse:
    auth_request = _open_auth_request(request, request_id)
    if isinstance(auth_request, HttpResponse):
        return auth_request
    if not auth_request.username:
        return redirect("sandbox:truelayer:login", request_id=auth_request.id)
    institution = institution_by_slug(auth_request.institution_slug)
    now = clock.now()
    if request.method == "GET":
        return consent_page(request, provider_name=PROVIDER_NAME, institution=institution,
                            username=auth_request.username,
                            permissions=[SCOPE_DESCRIPTIONS[s] for s in auth_request.scope.split()],
                            expires_at=now + timedelta(days=CONSENT_DAYS), today=clock.today())
    if request.POST.get("decision") != "allow":
        auth_request.code_used_at = now  # the dialog is over; nothing can be exchanged
        auth_request.save(update_fields=["code_used_at"])
        return redirect_with_params(auth_request.redirect_uri, error="access_denied", state=auth_request.state)
    code = tokens.new_code()
    auth_request.consent = consent_create(
        provider=Consent.Provider.TRUELAYER, institution_slug=institution.slug, username=auth_request.username,
        scopes=auth_request.scope.split(), now=now, valid_for_days=CONSENT_DAYS)
    auth_request.code_hash = tokens.digest(code)
    auth_request.code_expires_at = now + CODE_TTL
    auth_request.save(update_fields=["consent", "code_hash", "code_expires_at"])
    return redirect_with_params(auth_request.redirect_uri, code=code, state=auth_request.state)


# --- the token endpoint ------------------------------------------------------------------------
def _client_credentials(request: HttpRequest) -> tuple[str, str]:
    """Form fields, as TrueLayer documents; HTTP Basic is also accepted (RFC 6749 2.3.1)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
            return client_id, secret
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def _issue_tokens(consent: Consent) -> JsonResponse:
    now = clock.now()
    access_token = tokens.new_jwt_like("access", now + ACCESS_TOKEN_TTL)
    # As at TrueLayer, only `offline_access` earns a refresh token.
    refresh_token = tokens.new_code() if "offline_access" in consent.scopes else None
    TrueLayerToken.objects.create(
        consent=consent, access_token_hash=tokens.digest(access_token),
        refresh_token_hash=tokens.digest(refresh_token) if refresh_token else None,
        access_expires_at=now + ACCESS_TOKEN_TTL, created_at=now)
    body = {"access_token": access_token, "expires_in": int(ACCESS_TOKEN_TTL.total_seconds()),
            "token_type": "Bearer"}
    if refresh_token:
        body["refresh_token"] = refresh_token
    body["scope"] = " ".join(consent.scopes)
    return JsonResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _exchange_code(request: HttpRequest, client_id: str) -> JsonResponse:
    code = request.POST.get("code", "")
    auth_request = TrueLayerAuthRequest.objects.filter(code_hash=tokens.digest(code)).first() if code else None
    now = clock.now()
    if auth_request is None or auth_request.code_used_at or auth_request.code_expires_at <= now:
        return error_response(400, "invalid_authorization_code",
                              "The authorization code is incorrect, has expired or has already been used.")
    if request.POST.get("redirect_uri") != auth_request.redirect_uri or client_id != auth_request.client_id:
        return error_response(400, "invalid_grant",
                              "redirect_uri does not match the one used in the authorization request.")
    if auth_request.code_challenge:
        verifier = request.POST.get("code_verifier", "")
        expected = auth_request.code_challenge
        if not verifier or tokens.pkce_challenge(verifier, auth_request.code_challenge_method) != expected:
            return error_response(400, "invalid_grant", "code_verifier does not match the code_challenge.")
    # Single use even when two exchanges race: only one UPDATE finds the code unused.
    claimed = TrueLayerAuthRequest.objects.filter(pk=auth_request.pk, code_used_at__isnull=True).update(
        code_used_at=now)
    if not claimed:
        return error_response(400, "invalid_authorization_code", "The authorization code has already been used.")
    return _issue_tokens(auth_request.consent)


def _refresh(request: HttpRequest) -> JsonResponse:
    presented = request.POST.get("refresh_token", "")
    row = (TrueLayerToken.objects.select_related("consent")
           .filter(refresh_token_hash=tokens.digest(presented)).first() if presented else None)
    invalid = "The refresh token is invalid, expired or revoked."
    if row is None or row.superseded_at:
        return error_response(400, "invalid_grant", invalid)
    state = consent_state(row.consent, clock.now())
    if state == ConsentState.EXPIRED:
        return error_response(400, "invalid_grant", "The consent has expired. The user must reconnect.")
    if state == ConsentState.REVOKED:
        return error_response(400, "invalid_grant", invalid)
    with transaction.atomic():
        rotated = TrueLayerToken.objects.filter(pk=row.pk, superseded_at__isnull=True).update(
            superseded_at=clock.now())
        if not rotated:
            return error_response(400, "invalid_grant", invalid)
        return _issue_tokens(row.consent)


@csrf_exempt
@require_POST
@with_latency
def token(request: HttpRequest) -> JsonResponse:
    client_id, client_secret = _client_credentials(request)
    if client_id != sandbox_client_id() or client_secret != sandbox_client_secret():
        return error_response(401, "invalid_client", "The client_id or client_secret are invalid.")
    grant_type = request.POST.get("grant_type", "")
    if grant_type == "authorization_code":
        return _exchange_code(request, client_id)
    if grant_type == "refresh_token":
        return _refresh(request)
    if not grant_type:
        return error_response(400, "invalid_request", "grant_type is required (form-encoded body).")
    return error_response(400, "unsupported_grant_type", f"grant_type {grant_type!r} is not supported.")


# --- bearer tokens and revocation --------------------------------------------------------------
def bearer_token(request: HttpRequest) -> TrueLayerToken | None:
    """The live token row behind `Authorization: Bearer`, or None if absent, unknown,
    rotated away or past its hour."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    row = (TrueLayerToken.objects.select_related("consent")
           .filter(access_token_hash=tokens.digest(header[7:].strip())).first())
    if row is None or row.superseded_at or row.access_expires_at <= clock.now():
        return None
    return row


@csrf_exempt
@require_http_methods(["DELETE"])
@with_latency
def revoke(request: HttpRequest) -> HttpResponse:
    row = bearer_token(request)
    if row is None:
        return error_response(401, "invalid_token", "The access token is invalid or has expired.")
    now = clock.now()
    consent_revoke(row.consent, now)
    TrueLayerToken.objects.filter(consent=row.consent, superseded_at__isnull=True).update(superseded_at=now)
    return HttpResponse(status=200)
