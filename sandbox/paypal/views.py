"""PayPal REST, mounted at /sandbox/paypal/ (PAYPAL_SANDBOX_URL={SITE}/sandbox/paypal): the token
endpoint, Transaction Search, Balances, Disputes and verify-webhook-signature, with PayPal's own
JSON shapes and errors ({"name", "message", "debug_id", "details"}; OAuth errors as
{"error", "error_description"}).

Credentials: the client id is the sandbox login (it chooses the business persona) and the secret
is SANDBOX_PAYPAL_CLIENT_SECRET ("sandbox-paypal-secret"). Fault logins as the client id:
  error.rate_limit    every data call answers 429 RATE_LIMIT_REACHED
  error.expired       tokens are issued already expired: data calls answer 401 invalid_token
  error.provider_error  data calls answer 500 INTERNAL_SERVICE_ERROR
  error.malformed     data calls answer 200 with a body cut off mid-JSON
  error.no_search     the token lacks the Transaction Search scope: its calls answer 403
  error.no_disputes   the token lacks the Disputes scope: its calls answer 403
A query matching more than SANDBOX_PAYPAL_MAX_RESULTS (10,000) rows answers RESULTSET_TOO_LARGE.
A transaction appears SANDBOX_PAYPAL_LAG_MINUTES (default 60) after it happens, and
last_refreshed_datetime says so. A window longer than 31 days is refused as PayPal refuses it.

Webhooks: the app's webhook id is `webhook_id(login)`; `signed_delivery` (below) makes a delivery
the way PayPal sends one, and verify-webhook-signature answers SUCCESS only for an untouched one
(the real service checks an RSA signature against PAYPAL-CERT-URL; the mock an HMAC)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
import zlib
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sandbox import clock
from sandbox.faults import FAULT_PREFIX, Fault, fault_for, intended, with_latency

from . import data

SCOPE_SEARCH = "https://uri.paypal.com/services/reporting/search/read"
SCOPE_DISPUTES = "https://uri.paypal.com/services/disputes/read-seller"
BASE_SCOPES = ("https://uri.paypal.com/services/invoicing", "openid",
               "https://uri.paypal.com/services/applications/webhooks", "https://uri.paypal.com/payments/payment")
TOKEN_SECONDS = 32400  # nine hours, as PayPal issues them
MAX_RANGE = timedelta(days=31)
MAX_PAGE_SIZE = 500
MAX_DISPUTES_PAGE = 50
PAYPAL_FAULTS = ("no_search", "no_disputes")
MALFORMED_BODY = '{"transaction_details": [{"transaction_info": {"transaction_id": "9XL'
CERT_URL = "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-sandbox"


def client_secret() -> str:
    return getattr(settings, "SANDBOX_PAYPAL_CLIENT_SECRET", "sandbox-paypal-secret")


def max_results() -> int:
    """Rows one Transaction Search query may match (PayPal's limit is 10,000)."""
    return int(getattr(settings, "SANDBOX_PAYPAL_MAX_RESULTS", 10000))


def lag() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "SANDBOX_PAYPAL_LAG_MINUTES", 60)))


def _key() -> bytes:
    return hashlib.sha256(f"sandbox-paypal:{settings.SECRET_KEY}".encode()).digest()


def webhook_id(login: str) -> str:
    return "WH-" + hashlib.sha256(f"paypal-webhook:{login}".encode()).hexdigest()[:17].upper()


def _debug_id() -> str:
    return secrets.token_hex(7)


def error(status: int, name: str, message: str, *, details: list | None = None, headers=None) -> JsonResponse:
    body = {"name": name, "message": message, "debug_id": _debug_id(),
            "information_link": "https://developer.paypal.com/docs/api/overview/#error", "details": details or []}
    return JsonResponse(body, status=status, headers=headers or {})


def oauth_error(status: int, code: str, description: str) -> JsonResponse:
    return JsonResponse({"error": code, "error_description": description}, status=status)


# --- tokens: stateless, so the web server and the worker agree --------------------------------
def _sign(text: str) -> str:
    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()[:40]


def _issue(login: str, scopes: list[str], expires_at: float) -> str:
    claims = base64.urlsafe_b64encode(json.dumps({"c": login, "e": int(expires_at)}).encode()).decode().rstrip("=")
    return f"A21AA{claims}.{_sign(claims)}"


def _token_login(request: HttpRequest) -> tuple[str | None, JsonResponse | None]:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer A21AA"):
        return None, oauth_error(401, "invalid_token", "Token signature verification failed")
    claims, _, signature = header[12:].partition(".")
    if not hmac.compare_digest(_sign(claims), signature):
        return None, oauth_error(401, "invalid_token", "Token signature verification failed")
    try:
        decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    except (ValueError, binascii.Error):
        return None, oauth_error(401, "invalid_token", "Token signature verification failed")
    if decoded.get("e", 0) <= time.time():
        return None, oauth_error(401, "invalid_token", "Access Token not found in cache")
    return str(decoded.get("c") or ""), None


def _scopes(login: str) -> list[str]:
    scopes = list(BASE_SCOPES)
    if login != f"{FAULT_PREFIX}no_search":
        scopes.append(SCOPE_SEARCH)
    if login != f"{FAULT_PREFIX}no_disputes":
        scopes.append(SCOPE_DISPUTES)
    return scopes


@csrf_exempt
@require_POST
@with_latency
def token(request: HttpRequest) -> HttpResponse:
    header = request.headers.get("Authorization", "")
    try:
        login, _, secret = base64.b64decode(header.removeprefix("Basic "), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        login, secret = "", ""
    if not header.startswith("Basic ") or not login or not hmac.compare_digest(secret, client_secret()):
        return oauth_error(401, "invalid_client", "Client Authentication failed")
    if login.startswith(FAULT_PREFIX) and fault_for(login) is None and login[len(FAULT_PREFIX):] not in PAYPAL_FAULTS:
        return oauth_error(401, "invalid_client", "Client Authentication failed")  # a mistyped fault login
    if request.POST.get("grant_type") != "client_credentials":
        return oauth_error(400, "unsupported_grant_type", "Grant Type is NULL")
    if fault_for(login) is Fault.RATE_LIMIT:
        return intended(error(429, "RATE_LIMIT_REACHED", "Too many requests. Blocked due to rate limiting."),
                        Fault.RATE_LIMIT)
    scopes = _scopes(login)
    expires_at = time.time() - 1 if fault_for(login) is Fault.EXPIRED else time.time() + TOKEN_SECONDS
    return JsonResponse({"scope": " ".join(scopes), "access_token": _issue(login, scopes, expires_at),
                         "token_type": "Bearer", "app_id": "APP-" + data.merchant_id(login)[:12] + "SBX",
                         "expires_in": TOKEN_SECONDS, "nonce": f"{clock.now():%Y-%m-%dT%H:%M:%SZ}{secrets.token_hex(8)}"})


def _data_call(request: HttpRequest, scope: str) -> tuple[str | None, HttpResponse | None]:
    """The login behind the request's token, or the answer to give instead."""
    login, refused = _token_login(request)
    if refused is not None:
        return None, refused
    fault = fault_for(login)
    if fault is Fault.RATE_LIMIT:
        return None, intended(error(429, "RATE_LIMIT_REACHED", "Too many requests. Blocked due to rate limiting."), fault)
    if fault is Fault.PROVIDER_ERROR:
        return None, intended(error(500, "INTERNAL_SERVICE_ERROR", "An internal service error has occurred."), fault)
    if fault is Fault.MALFORMED:
        return None, intended(HttpResponse(MALFORMED_BODY, content_type="application/json"), fault)
    if scope and scope not in _scopes(login):
        return None, error(403, "NOT_AUTHORIZED", "Authorization failed due to insufficient permissions.",
                           details=[{"issue": "PERMISSION_DENIED",
                                     "description": "You do not have permission to access or perform operations on "
                                                    "this resource."}])
    return login, None


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/sandbox/paypal").rstrip("/")


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.replace(" ", "+")  # a '+' the query string turned into a space
    if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    moment = parse_datetime(text.replace("Z", "+00:00"))
    return moment if moment is not None and moment.tzinfo is not None else None


def _invalid(field: str, value: str, issue: str, location: str = "query") -> JsonResponse:
    return error(400, "INVALID_REQUEST", "Request is not well-formed, syntactically incorrect, or violates schema.",
                 details=[{"field": field, "value": value[:40], "location": location, "issue": issue}])


@require_GET
@with_latency
def transactions(request: HttpRequest) -> HttpResponse:
    login, refused = _data_call(request, SCOPE_SEARCH)
    if refused is not None:
        return refused
    start, end = _when(request.GET.get("start_date")), _when(request.GET.get("end_date"))
    if start is None:
        return _invalid("start_date", request.GET.get("start_date", ""), "Invalid date format or missing start date")
    if end is None:
        return _invalid("end_date", request.GET.get("end_date", ""), "Invalid date format or missing end date")
    if end < start:
        return _invalid("end_date", request.GET.get("end_date", ""), "End date must be after start date")
    if end - start > MAX_RANGE:
        return _invalid("start_date", request.GET.get("start_date", ""), "Date range is greater than 31 days")
    try:
        page_size = int(request.GET.get("page_size", 100))
        page = int(request.GET.get("page", 1))
    except ValueError:
        return _invalid("page_size", request.GET.get("page_size", ""), "Invalid page_size or page")
    if not 1 <= page_size <= MAX_PAGE_SIZE or page < 1:
        return _invalid("page_size", str(page_size), f"page_size must be 1 to {MAX_PAGE_SIZE}")
    now = clock.now()
    rows = [t for t in data.visible_transactions(login, now, lag()) if start <= t.initiated_at <= end]
    if event_code := request.GET.get("transaction_type"):
        rows = [t for t in rows if t.event_code == event_code]
    if len(rows) > max_results():
        return error(400, "RESULTSET_TOO_LARGE", "Result set size is greater than the maximum limit. Change the "
                     "filter criteria and try again.")
    total_pages = max(1, -(-len(rows) // page_size))
    chosen = rows[(page - 1) * page_size: page * page_size]
    query = request.GET.copy()
    links = [{"href": f"{_base(request)}/v1/reporting/transactions?{query.urlencode()}", "rel": "self", "method": "GET"}]
    if page < total_pages:
        query["page"] = str(page + 1)
        links.append({"href": f"{_base(request)}/v1/reporting/transactions?{query.urlencode()}", "rel": "next",
                      "method": "GET"})
    return JsonResponse({
        "transaction_details": [data.transaction_row(t, login) for t in chosen],
        "account_number": data.merchant_id(login), "start_date": data.paypal_time(start),
        "end_date": data.paypal_time(end), "last_refreshed_datetime": data.paypal_time(now - lag()),
        "page": page, "total_items": len(rows), "total_pages": total_pages, "links": links})


@require_GET
@with_latency
def balances(request: HttpRequest) -> HttpResponse:
    login, refused = _data_call(request, SCOPE_SEARCH)
    if refused is not None:
        return refused
    now = clock.now()
    found = data.balances(login, now, lag())
    currency = (request.GET.get("currency_code") or "ALL").upper()
    if currency != "ALL":
        found = [b for b in found if b["currency"] == currency]
    return JsonResponse({"balances": found, "account_id": data.merchant_id(login),
                         "as_of_time": data.paypal_time(now), "last_refresh_time": data.paypal_time(now - lag())})


@require_GET
@with_latency
def disputes(request: HttpRequest) -> HttpResponse:
    login, refused = _data_call(request, SCOPE_DISPUTES)
    if refused is not None:
        return refused
    items = data.disputes(login, clock.now())
    try:
        page_size = int(request.GET.get("page_size", 10))
        offset = int(base64.urlsafe_b64decode(request.GET["next_page_token"]).decode()) \
            if request.GET.get("next_page_token") else 0
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return _invalid("next_page_token", request.GET.get("next_page_token", ""), "INVALID_PARAMETER_VALUE")
    if not 1 <= page_size <= MAX_DISPUTES_PAGE:
        return _invalid("page_size", str(page_size), "INVALID_PARAMETER_VALUE")
    if after := request.GET.get("update_time_after"):
        moment = _when(after)
        if moment is None:
            return _invalid("update_time_after", after, "INVALID_PARAMETER_VALUE")
        items = [d for d in items if data.dispute_updated(d) > moment]
    chosen = items[offset: offset + page_size]
    links = [{"href": f"{_base(request)}/v1/customer/disputes", "rel": "self", "method": "GET"}]
    if offset + page_size < len(items):
        token = base64.urlsafe_b64encode(str(offset + page_size).encode()).decode()
        links.append({"href": f"{_base(request)}/v1/customer/disputes?" + urlencode(
            {"page_size": page_size, "next_page_token": token}), "rel": "next", "method": "GET"})
    return JsonResponse({"items": [data.dispute_summary(d, _base(request)) for d in chosen], "links": links})


@require_GET
@with_latency
def dispute(request: HttpRequest, dispute_id: str) -> HttpResponse:
    login, refused = _data_call(request, SCOPE_DISPUTES)
    if refused is not None:
        return refused
    found = next((d for d in data.disputes(login, clock.now()) if d.id == dispute_id), None)
    if found is None:
        return error(404, "RESOURCE_NOT_FOUND", "The specified resource does not exist.",
                     details=[{"issue": "INVALID_RESOURCE_ID", "description": "Requested resource ID was not found."}])
    return JsonResponse(data.dispute_detail(found, login, _base(request)))


# --- webhooks ---------------------------------------------------------------------------------
def canonical(event: dict) -> bytes:
    return json.dumps(event, separators=(",", ":"), sort_keys=True).encode()


def _signature(transmission_id: str, transmission_time: str, hook_id: str, body: bytes) -> str:
    message = f"{transmission_id}|{transmission_time}|{hook_id}|{zlib.crc32(body)}"
    return base64.b64encode(hmac.new(_key(), message.encode(), hashlib.sha256).digest()).decode()


def signed_delivery(event: dict, hook_id: str, *, at: datetime | None = None) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of a delivery as PayPal sends it to a webhook listener."""
    body = canonical(event)
    transmission_id = secrets.token_hex(16)
    moment = (at or clock.now()).strftime("%Y-%m-%dT%H:%M:%SZ")
    return body, {"PAYPAL-TRANSMISSION-ID": transmission_id, "PAYPAL-TRANSMISSION-TIME": moment,
                  "PAYPAL-TRANSMISSION-SIG": _signature(transmission_id, moment, hook_id, body),
                  "PAYPAL-CERT-URL": CERT_URL, "PAYPAL-AUTH-ALGO": "SHA256withRSA", "PAYPAL-AUTH-VERSION": "v2",
                  "Content-Type": "application/json"}


@csrf_exempt
@require_http_methods(["POST"])
@with_latency
def verify_webhook_signature(request: HttpRequest) -> HttpResponse:
    login, refused = _data_call(request, "")
    if refused is not None:
        return refused
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return error(400, "INVALID_REQUEST", "Request is not well-formed, syntactically incorrect, or violates schema.",
                     details=[{"field": "/", "location": "body", "issue": "MALFORMED_REQUEST_JSON"}])
    required = ("auth_algo", "cert_url", "transmission_id", "transmission_sig", "transmission_time", "webhook_id",
                "webhook_event")
    missing = [f for f in required if not body.get(f)] if isinstance(body, dict) else list(required)
    if missing:
        return error(400, "VALIDATION_ERROR", "Invalid request - see details",
                     details=[{"field": f, "location": "body", "issue": "MISSING_REQUIRED_PARAMETER"} for f in missing])
    expected = _signature(str(body["transmission_id"]), str(body["transmission_time"]), str(body["webhook_id"]),
                          canonical(body["webhook_event"]) if isinstance(body["webhook_event"], dict) else b"")
    ok = body["webhook_id"] == webhook_id(login) and hmac.compare_digest(expected, str(body["transmission_sig"]))
    return JsonResponse({"verification_status": "SUCCESS" if ok else "FAILURE"})
