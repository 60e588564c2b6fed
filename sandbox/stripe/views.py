"""Stripe's API host (api.stripe.com), mounted at /sandbox/stripe/api/ (so
STRIPE_API_URL={SITE}/sandbox/stripe/api), speaking from the business persona's book.

Auth, as Stripe's: `Authorization: Bearer <key>`.
- A restricted key `rk_test_<login>` reads the book of that sandbox login; variants after a "+"
  (comma separated) take a permission away: `no-<permission>` with the permission as Stripe names
  it, e.g. rk_test_alice+no-rak_dispute_read -> 403 naming it.
- The platform's secret key (SANDBOX_STRIPE_SECRET_KEY) with `Stripe-Account: acct_...` reads
  the account a person connected through Connect OAuth (connect.py); a disconnected account
  answers 403 account_invalid, as Stripe does once the access is revoked.
Fault logins (sandbox/faults.py) as the login: error.rate_limit (429, code rate_limit),
error.provider_error (500 api_error), error.malformed (200, a body cut off), error.expired (401
for a key: "Expired API Key provided"; 403 account_invalid for a connected account).

Lists are Stripe's list objects ({"object": "list", "data", "has_more", "url"}), newest first,
with limit (1-100, default 10), starting_after / ending_before, created[gt|gte|lt|lte],
type and payout (balance transactions) and expand[]=data.source. Errors are Stripe's error
objects ({"error": {"type", "code", "message", "param"}})."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from sandbox import clock
from sandbox.business.persona import business_book
from sandbox.consents import ConsentState, consent_state
from sandbox.faults import Fault, fault_for, with_latency
from sandbox.models import Consent

from .render import StripeObjects

PROVIDER = "stripe"
KEY_PREFIX = "rk_test_"
MALFORMED_BODY = '{"object": "list", "data": [{"id": "txn_1", "object": "balance_transac'
# endpoint -> the restricted-key permission Stripe names for it
PERMISSIONS = {
    "balance": "rak_balance_read",
    "balance_transactions": "rak_balance_transaction_source_read",
    "payouts": "rak_payout_read",
    "disputes": "rak_dispute_read",
    "account": "rak_account_read",
}


def platform_secret_key() -> str:
    return getattr(settings, "SANDBOX_STRIPE_SECRET_KEY", "sk_test_sandbox_platform")


def error(status: int, kind: str, message: str, *, code: str = "", param: str = "", fault: str = "") -> HttpResponse:
    body = {"error": {"type": kind, "message": message, **({"code": code} if code else {}),
                      **({"param": param} if param else {})}}
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json",
                            headers={"Request-Id": "req_sandbox"})
    if fault:
        response.sandbox_fault = fault
    return response


def _json(body) -> HttpResponse:
    return HttpResponse(json.dumps(body), content_type="application/json", headers={"Request-Id": "req_sandbox"})


@dataclass(frozen=True)
class Caller:
    username: str
    missing: frozenset[str] = frozenset()
    connected_account: str = ""


def _caller(request: HttpRequest) -> Caller | HttpResponse:
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header.startswith("Bearer ") else ""
    if not key:
        return error(401, "invalid_request_error", "You did not provide an API key. You need to provide your API "
                     "key in the Authorization header, using Bearer auth.")
    account = request.headers.get("Stripe-Account", "")
    if key == platform_secret_key():
        if not account:
            return error(400, "invalid_request_error", "This sandbox platform has no data of its own: send "
                         "Stripe-Account with a connected account's id.")
        consent = Consent.objects.filter(provider=PROVIDER, institution_slug=account).first()
        if consent is None or consent_state(consent, clock.now()) != ConsentState.ACTIVE:
            return error(403, "invalid_request_error",
                         f"The provided key 'sk_test_****{key[-4:]}' does not have access to account '{account}' "
                         "(or that account does not exist). Application access may have been revoked.",
                         code="account_invalid")
        return Caller(consent.username, connected_account=account)
    if key.startswith(KEY_PREFIX) and len(key) > len(KEY_PREFIX):
        login, _, variants = key[len(KEY_PREFIX):].partition("+")
        missing = frozenset(v.removeprefix("no-") for v in variants.split(",") if v.startswith("no-"))
        if fault_for(login) == Fault.EXPIRED:
            return error(401, "invalid_request_error", f"Expired API Key provided: rk_test_****{key[-4:]}",
                         code="api_key_expired", fault="expired")
        return Caller(login, missing)
    return error(401, "invalid_request_error", f"Invalid API Key provided: {key[:8]}****{key[-4:]}")


def _fault(caller: Caller) -> HttpResponse | None:
    fault = fault_for(caller.username)
    if fault == Fault.RATE_LIMIT:
        return error(429, "invalid_request_error", "Request rate limit exceeded. Learn more about rate limits here "
                     "https://stripe.com/docs/rate-limits.", code="rate_limit", fault="rate_limit")
    if fault == Fault.PROVIDER_ERROR:
        return error(500, "api_error", "An unknown error occurred", fault="provider_error")
    if fault == Fault.EXPIRED:
        return error(403, "invalid_request_error", "The provided key does not have access to account "
                     f"'{caller.connected_account}' (or that account does not exist). Application access may have "
                     "been revoked.", code="account_invalid", fault="expired")
    if fault == Fault.MALFORMED:
        response = HttpResponse(MALFORMED_BODY, content_type="application/json")
        response.sandbox_fault = "malformed"
        return response
    return None


def api_view(endpoint: str) -> Callable:
    """Authenticate, apply the login's fault and the key's permissions, then answer."""

    def wrap(answer: Callable) -> Callable:
        @require_GET
        @with_latency
        def view(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            caller = _caller(request)
            if isinstance(caller, HttpResponse):
                return caller
            if (fault := _fault(caller)) is not None:
                return fault
            permission = PERMISSIONS[endpoint]
            if permission in caller.missing:
                return error(403, "invalid_request_error", f"The provided key 'rk_test_****' does not have the "
                             f"required permissions for this endpoint. Having the '{permission}' permission would "
                             "allow this request to continue.")
            today = clock.today()
            objects = StripeObjects(business_book(caller.username, today))
            return answer(request, objects, today, *args, **kwargs)

        return view

    return wrap


# --- lists -----------------------------------------------------------------------------------------
def _int(request: HttpRequest, name: str) -> int | None | HttpResponse:
    value = request.GET.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return error(400, "invalid_request_error", f"Invalid integer: {value}", code="parameter_invalid_integer",
                     param=name)


def _list(request: HttpRequest, url: str, items: list, render: Callable, *, kind: str) -> HttpResponse:
    """Stripe's list object over `items` (objects with .id and .created), newest first."""
    limit = _int(request, "limit")
    if isinstance(limit, HttpResponse):
        return limit
    limit = 10 if limit is None else limit
    if not 1 <= limit <= 100:
        return error(400, "invalid_request_error", "Invalid limit: must be between 1 and 100",
                     code="parameter_invalid_integer", param="limit")
    for op in ("gt", "gte", "lt", "lte"):
        bound = _int(request, f"created[{op}]")
        if isinstance(bound, HttpResponse):
            return bound
        if bound is not None:
            test = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}[op]
            items = [i for i in items if test(int(i.created.timestamp()), bound)]
    items = sorted(items, key=lambda i: (i.created, i.id), reverse=True)
    after, before = request.GET.get("starting_after"), request.GET.get("ending_before")
    ids = [i.id for i in items]
    for cursor, param in ((after, "starting_after"), (before, "ending_before")):
        if cursor and cursor not in ids:
            return error(400, "invalid_request_error", f"No such {kind}: '{cursor}'", code="resource_missing",
                         param=param)
    if after:
        page_items = items[ids.index(after) + 1:]
        page, has_more = page_items[:limit], len(page_items) > limit
    elif before:
        earlier = items[:ids.index(before)]
        page, has_more = earlier[-limit:], len(earlier) > limit
    else:
        page, has_more = items[:limit], len(items) > limit
    return _json({"object": "list", "data": [render(i) for i in page], "has_more": has_more, "url": url})


def _expands_source(request: HttpRequest) -> bool:
    return "data.source" in request.GET.getlist("expand[]") + request.GET.getlist("expand[0]") + \
        [v for k, v in request.GET.items() if k.startswith("expand[")]


@api_view("balance")
def balance(request, objects: StripeObjects, today: date) -> HttpResponse:
    return _json(objects.balance())


@api_view("account")
def account(request, objects: StripeObjects, today: date) -> HttpResponse:
    return _json({"id": objects.account_id, "object": "account", "business_profile": {
        "name": objects.book.business_name}, "country": "GB", "default_currency": "gbp", "type": "standard"})


@api_view("balance_transactions")
def balance_transactions(request, objects: StripeObjects, today: date) -> HttpResponse:
    items = list(objects.transactions.values())
    payout = request.GET.get("payout")
    if payout:
        if payout not in objects.payouts:
            return error(404, "invalid_request_error", f"No such payout: '{payout}'", code="resource_missing",
                         param="payout")
        items = [t for t in items if t.payout_id == payout]
    if kind := request.GET.get("type"):
        items = [t for t in items if t.type == kind]
    expand = _expands_source(request)
    return _list(request, "/v1/balance_transactions", items,
                 lambda t: objects.balance_transaction(t, expand_source=expand, today=today), kind="balance_transaction")


@api_view("balance_transactions")
def balance_transaction(request, objects: StripeObjects, today: date, object_id: str) -> HttpResponse:
    if object_id not in objects.transactions:
        return error(404, "invalid_request_error", f"No such balance_transaction: '{object_id}'",
                     code="resource_missing", param="id")
    return _json(objects.balance_transaction(object_id, expand_source=_expands_source(request), today=today))


@api_view("payouts")
def payouts(request, objects: StripeObjects, today: date) -> HttpResponse:
    items = list(objects.payouts.values())
    if status := request.GET.get("status"):
        items = [p for p in items if p.status == status]
    return _list(request, "/v1/payouts", items, lambda p: objects.payout(p.id), kind="payout")


@api_view("payouts")
def payout(request, objects: StripeObjects, today: date, object_id: str) -> HttpResponse:
    if object_id not in objects.payouts:
        return error(404, "invalid_request_error", f"No such payout: '{object_id}'", code="resource_missing",
                     param="id")
    return _json(objects.payout(object_id))


@api_view("disputes")
def disputes(request, objects: StripeObjects, today: date) -> HttpResponse:
    return _list(request, "/v1/disputes", list(objects.disputes.values()),
                 lambda d: objects.dispute(d.id, today=today), kind="dispute")


@api_view("disputes")
def dispute(request, objects: StripeObjects, today: date, object_id: str) -> HttpResponse:
    if object_id not in objects.disputes:
        return error(404, "invalid_request_error", f"No such dispute: '{object_id}'", code="resource_missing",
                     param="id")
    return _json(objects.dispute(object_id, today=today))
