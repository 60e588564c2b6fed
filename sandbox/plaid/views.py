"""A mock Plaid, mounted at /sandbox/plaid/ (PLAID_URL={SITE}/sandbox/plaid/api). Every API
endpoint is a POST with a JSON body, credentials in PLAID-CLIENT-ID / PLAID-SECRET headers or
in the body (client_id, secret), errors in Plaid's error object. `plaid-python` works against
it by changing only its host (tests/open_banking/providers/test_plaid_python.py).

Faults, chosen by the login typed on the Link page (as the other mocks do):
  error.expired       every data call answers ITEM_LOGIN_REQUIRED (also /sandbox/item/reset_login)
  error.rate_limit    every data call answers 429 RATE_LIMIT_EXCEEDED / TRANSACTIONS_SYNC_LIMIT (per Item)
  error.provider_error every data call answers INSTITUTION_DOWN
  error.malformed     every data call answers 200 with a body that is not JSON
  plaid.mutation      the first paginated /transactions/sync meets TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION
  plaid.client_limit  every data call answers 429 RATE_LIMIT (the per-client limit)
Operator endpoints (mock only, under /sandbox/plaid/mock/): mutate an Item's transactions,
fire a webhook. Plaid's own /sandbox/item/fire_webhook, /sandbox/item/reset_login and
/sandbox/public_token/create are served too."""

from __future__ import annotations

import base64
import json
import logging
import secrets
from datetime import timedelta
from functools import wraps

import requests
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sandbox import clock
from sandbox.credentials import sandbox_client_id, sandbox_client_secret
from sandbox.faults import fault_for, is_known_login
from sandbox.institutions import institution_by_slug
from sandbox.models import PlaidItem, PlaidSyncView, PlaidToken
from sandbox.pages import error_page, redirect_with_params
from sandbox.redirects import redirect_uri_allowed
from sandbox.tokens import digest

from . import data, investments, keys

logger = logging.getLogger(__name__)
US_SLUGS = tuple(data.PLAID_IDS)
PLAID_FAULTS = {"plaid.mutation", "plaid.client_limit"}


def plaid_error(status: int, error_type: str, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error_type": error_type, "error_code": code, "error_code_reason": None,
                         "error_message": message, "display_message": None, "request_id": _request_id(),
                         "causes": [], "status": status, "documentation_url": "", "suggested_action": None},
                        status=status)


def _request_id() -> str:
    return secrets.token_hex(8)


def api(view):
    """Parse the JSON body and check the client's credentials, as every Plaid endpoint does."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            return plaid_error(400, "INVALID_REQUEST", "INVALID_BODY", "body could not be parsed as JSON")
        if not isinstance(body, dict):
            return plaid_error(400, "INVALID_REQUEST", "INVALID_BODY", "body must be a JSON object")
        client_id = request.headers.get("PLAID-CLIENT-ID") or body.get("client_id")
        secret = request.headers.get("PLAID-SECRET") or body.get("secret")
        if client_id != sandbox_client_id() or secret != sandbox_client_secret():
            return plaid_error(400, "INVALID_INPUT", "INVALID_API_KEYS", "invalid client_id or secret provided")
        return view(request, body, *args, **kwargs)

    return wrapper


def _item(body: dict) -> PlaidItem | JsonResponse:
    token = body.get("access_token")
    item = (PlaidItem.objects.filter(access_token_hash=digest(token), removed_at__isnull=True).first()
            if isinstance(token, str) and token else None)
    if item is None:
        return plaid_error(400, "INVALID_INPUT", "INVALID_ACCESS_TOKEN", "provided access token is in an invalid format")
    return item


def _data_fault(item: PlaidItem) -> HttpResponse | None:
    fault = fault_for(item.username)
    if item.login_required or fault and fault.value == "expired":
        return plaid_error(400, "ITEM_ERROR", "ITEM_LOGIN_REQUIRED",
                           "the login details of this item have changed (credentials, MFA, or required user action) "
                           "and a user login is required to update this information")
    if fault and fault.value == "rate_limit":
        return plaid_error(429, "RATE_LIMIT_EXCEEDED", "TRANSACTIONS_SYNC_LIMIT",
                           "rate limit exceeded for attempts to access this item. please try again later")
    if item.username == "plaid.client_limit":
        return plaid_error(429, "RATE_LIMIT_EXCEEDED", "RATE_LIMIT",
                           "rate limit exceeded for this client. please try again later")
    if fault and fault.value == "malformed":
        return HttpResponse(b'{"accounts": [{"account_id": ', content_type="application/json")
    if fault and fault.value == "provider_error":
        return plaid_error(400, "INSTITUTION_ERROR", "INSTITUTION_DOWN",
                           "this financial institution is not currently responding to requests")
    return None


# --- Link ---------------------------------------------------------------------------------
@api
def link_token_create(request, body):
    user = body.get("user") or {}
    if not isinstance(user, dict) or not user.get("client_user_id"):
        return plaid_error(400, "INVALID_REQUEST", "MISSING_FIELDS", "the following required fields are missing: "
                                                                     "user.client_user_id")
    item = None
    if body.get("access_token"):  # update mode
        item = _item(body)
        if isinstance(item, JsonResponse):
            return item
    elif not body.get("products"):
        return plaid_error(400, "INVALID_REQUEST", "MISSING_FIELDS", "products are required outside update mode")
    token = f"link-sandbox-{secrets.token_hex(16)}"
    lifetime = timedelta(minutes=30) if item else timedelta(hours=4)
    expiration = timezone.now() + lifetime
    PlaidToken.objects.create(token_hash=digest(token), kind=PlaidToken.Kind.LINK, item=item,
                              webhook=str(body.get("webhook") or ""), expires_at=expiration)
    return JsonResponse({"link_token": token, "expiration": expiration.isoformat().replace("+00:00", "Z"),
                         "request_id": _request_id()})


def link_page(request: HttpRequest):
    """The mock of Link itself: pick a US bank, log in, and go back to the app with a public
    token (and post it to the opener, as Link's onSuccess hands it to the page)."""
    token = request.GET.get("token", "")
    link = PlaidToken.objects.filter(token_hash=digest(token), kind=PlaidToken.Kind.LINK).first()
    redirect_uri = request.GET.get("redirect_uri", "")
    if link is None or link.expires_at <= timezone.now():
        return error_page(request, "Link expired", "This link token is not valid. Start connecting again.")
    if not redirect_uri_allowed(redirect_uri, request, provider="plaid"):
        return error_page(request, "Redirect not allowed", "This redirect URI is not registered.")
    fixed = link.item.institution_slug if link.item else data.BY_PLAID_ID.get(request.GET.get("institution_id", ""))
    errors: list[str] = []
    if request.method == "POST":
        slug = fixed or request.POST.get("institution", "")
        username = request.POST.get("username", "").strip()
        if slug not in US_SLUGS:
            errors.append("Choose your bank.")
        if not username or not request.POST.get("password"):
            errors.append("Enter a username and a password.")
        elif not (is_known_login(username) or username in PLAID_FAULTS):
            errors.append("Unknown fault login.")
        if not errors:
            public = _public_token_issue(link, slug, username)
            return redirect_with_params(redirect_uri, public_token=public, state=request.GET.get("state", ""))
    choices = [institution_by_slug(s) for s in US_SLUGS]
    return render(request, "sandbox/plaid_link.html", {
        "choices": choices, "fixed": institution_by_slug(fixed) if fixed else None, "errors": errors,
        "update_mode": link.item is not None}, status=400 if errors else 200)


def _public_token_issue(link: PlaidToken, slug: str, username: str) -> str:
    public = f"public-sandbox-{secrets.token_hex(16)}"
    with transaction.atomic():
        if link.item is not None:  # update mode: the Item logs in again
            PlaidItem.objects.filter(pk=link.item.pk).update(login_required=False)
        PlaidToken.objects.create(token_hash=digest(public), kind=PlaidToken.Kind.PUBLIC, item=link.item,
                                  webhook=link.webhook, institution_slug=slug, username=username,
                                  expires_at=timezone.now() + timedelta(minutes=30))
    return public


@api
def public_token_exchange(request, body):
    token = body.get("public_token")
    with transaction.atomic():
        public = (PlaidToken.objects.select_for_update()
                  .filter(token_hash=digest(token) if isinstance(token, str) else "", kind=PlaidToken.Kind.PUBLIC)
                  .first())
        if public is None or public.used_at is not None or public.expires_at <= timezone.now():
            return plaid_error(400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN", "provided public token is expired")
        public.used_at = timezone.now()
        public.save(update_fields=["used_at"])
        access = f"access-sandbox-{secrets.token_hex(16)}"
        item = public.item
        if item is None:
            item = PlaidItem.objects.create(
                item_id=secrets.token_hex(18), institution_slug=public.institution_slug, username=public.username,
                access_token_hash=digest(access), webhook=public.webhook, created_at=timezone.now(),
                faults={"mutations": 1} if public.username == "plaid.mutation" else {})
        else:
            item.access_token_hash = digest(access)
            item.save(update_fields=["access_token_hash"])
    return JsonResponse({"access_token": access, "item_id": item.item_id, "request_id": _request_id()})


@api
def sandbox_public_token_create(request, body):
    """Plaid's sandbox shortcut past Link: a public token for an institution and login."""
    slug = data.BY_PLAID_ID.get(str(body.get("institution_id") or ""))
    if slug is None:
        return plaid_error(400, "INVALID_INPUT", "INVALID_INSTITUTION", "invalid institution_id provided")
    options = body.get("options") or {}
    link = PlaidToken(webhook=str(options.get("webhook") or ""), item=None)
    public = _public_token_issue(link, slug, str(options.get("override_username") or "user_good"))
    return JsonResponse({"public_token": public, "request_id": _request_id()})


# --- Items --------------------------------------------------------------------------------
@api
def item_remove(request, body):
    item = _item(body)
    if isinstance(item, JsonResponse):
        return item
    item.removed_at = timezone.now()
    item.save(update_fields=["removed_at"])
    return JsonResponse({"request_id": _request_id()})


@api
def item_get(request, body):
    item = _item(body)
    if isinstance(item, JsonResponse):
        return item
    return JsonResponse({"item": _item_json(item), "status": None, "request_id": _request_id()})


def _products(item: PlaidItem) -> list[str]:
    return ["investments", "transactions"] if investments.has_investments(item) else ["transactions"]


def _item_json(item: PlaidItem) -> dict:
    return {"item_id": item.item_id, "institution_id": data.PLAID_IDS.get(item.institution_slug),
            "webhook": item.webhook or None, "error": None, "available_products": ["balance"],
            "billed_products": _products(item), "products": _products(item), "consented_products": [],
            "consent_expiration_time": None, "update_type": "background"}


@api
def accounts_get(request, body):
    item = _item(body)
    if isinstance(item, JsonResponse):
        return item
    if fault := _data_fault(item):
        return fault
    accounts, _ = data.current_state(item, clock.today())
    if investments.has_investments(item):  # /accounts/get lists every account of the Item
        accounts = [*accounts, investments.account_json(item, clock.today())]
    return JsonResponse({"accounts": accounts, "item": _item_json(item), "request_id": _request_id()})


@api
def transactions_sync(request, body):
    item = _item(body)
    if isinstance(item, JsonResponse):
        return item
    if fault := _data_fault(item):
        return fault
    count = body.get("count", 100)
    if not isinstance(count, int) or not 1 <= count <= 500:
        return plaid_error(400, "INVALID_REQUEST", "INVALID_FIELD", "count must be between 1 and 500")
    accounts, now = data.current_state(item, clock.today())
    item.save(update_fields=["pending_seen"])
    try:
        base, target, offset = _cursor_parse(item, body.get("cursor") or "")
    except ValueError:
        return plaid_error(400, "INVALID_INPUT", "INVALID_CURSOR", "cursor is not valid")
    if target is None:  # the first page of an update: pin what this update is
        target = PlaidSyncView.objects.create(item=item, digests=data.digests(now))
    elif offset and (item.faults.get("mutations", 0) > 0 or target.digests != data.digests(now)):
        if item.faults.get("mutations", 0) > 0:
            item.faults = {**item.faults, "mutations": item.faults["mutations"] - 1}
            item.save(update_fields=["faults"])
        return plaid_error(400, "TRANSACTIONS_ERROR", "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
                           "Underlying transaction data changed since last page was fetched. Please restart "
                           "pagination from last update.")
    changes = data.diff(base.digests if base else {}, now)
    page = changes[offset:offset + count]
    has_more = offset + count < len(changes)
    next_cursor = _cursor_make(base, target, offset + count) if has_more else _cursor_make(target, None, 0)
    touched = {body_["account_id"] for _, body_ in page}
    return JsonResponse({
        "added": [b for kind, b in page if kind == "added"], "modified": [b for kind, b in page if kind == "modified"],
        "removed": [b for kind, b in page if kind == "removed"], "next_cursor": next_cursor, "has_more": has_more,
        "accounts": [a for a in accounts if a["account_id"] in touched],
        "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE", "request_id": _request_id()})


def _cursor_make(base: PlaidSyncView | None, target: PlaidSyncView | None, offset: int) -> str:
    raw = json.dumps({"b": str(base.pk) if base else "", "t": str(target.pk) if target else "", "o": offset})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_parse(item: PlaidItem, cursor: str):
    """(base view, target view or None, offset). An empty cursor: from nothing, a new update."""
    if not cursor:
        return None, None, 0
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        views = {str(v.pk): v for v in PlaidSyncView.objects.filter(item=item, pk__in=[p for p in (raw["b"], raw["t"])
                                                                                     if p])}
    except (ValueError, KeyError, TypeError):
        raise ValueError(cursor) from None
    base = views.get(raw["b"]) if raw["b"] else None
    target = views.get(raw["t"]) if raw["t"] else None
    if (raw["b"] and base is None) or (raw["t"] and target is None):
        raise ValueError(cursor)
    return base, target, int(raw["o"])


def _investments_item(body: dict):
    item = _item(body)
    if isinstance(item, JsonResponse):
        return item
    if fault := _data_fault(item):
        return fault
    if not investments.has_investments(item):
        return plaid_error(400, "ITEM_ERROR", "NO_INVESTMENT_ACCOUNTS",
                           "no investment accounts were found for this item")
    return item


def _account_filter(body: dict) -> set[str] | None:
    ids = (body.get("options") or {}).get("account_ids")
    return set(ids) if isinstance(ids, list) else None


@api
def investments_holdings_get(request, body):
    item = _investments_item(body)
    if isinstance(item, HttpResponse):
        return item
    today = clock.today()
    wanted = _account_filter(body)
    account = investments.account_json(item, today)
    rows, securities = investments.holdings(item, today)
    if wanted is not None and account["account_id"] not in wanted:
        account, rows, securities = None, [], []
    return JsonResponse({"accounts": [account] if account else [], "holdings": rows, "securities": securities,
                         "item": _item_json(item), "request_id": _request_id()})


@api
def investments_transactions_get(request, body):
    from datetime import date

    item = _investments_item(body)
    if isinstance(item, HttpResponse):
        return item
    try:
        start, end = date.fromisoformat(str(body.get("start_date"))), date.fromisoformat(str(body.get("end_date")))
    except ValueError:
        return plaid_error(400, "INVALID_REQUEST", "INVALID_FIELD", "start_date and end_date must be YYYY-MM-DD")
    if start > end:
        return plaid_error(400, "INVALID_REQUEST", "INVALID_FIELD", "start_date must be before end_date")
    options = body.get("options") or {}
    count, offset = options.get("count", 100), options.get("offset", 0)
    if not isinstance(count, int) or not 1 <= count <= 500:
        return plaid_error(400, "INVALID_REQUEST", "INVALID_FIELD", "options.count must be between 1 and 500")
    if not isinstance(offset, int) or offset < 0:
        return plaid_error(400, "INVALID_REQUEST", "INVALID_FIELD", "options.offset must be a non-negative integer")
    today = clock.today()
    account = investments.account_json(item, today)
    events = investments.transactions(item, today, start, end)
    wanted = _account_filter(body)
    if wanted is not None:
        events = [e for e in events if e["account_id"] in wanted]
    page = events[offset:offset + count]
    return JsonResponse({"investment_transactions": page, "securities": investments.securities_of(page),
                         "accounts": [account], "total_investment_transactions": len(events),
                         "item": _item_json(item), "request_id": _request_id()})


@api
def webhook_verification_key_get(request, body):
    if body.get("key_id") != keys.KEY_ID:
        return plaid_error(400, "INVALID_INPUT", "INVALID_WEBHOOK_VERIFICATION_KEY_ID", "invalid key_id provided")
    return JsonResponse({"key": keys.public_jwk(), "request_id": _request_id()})


# --- sandbox controls -----------------------------------------------------------------------
@api
def sandbox_item_reset_login(request, body):
    item = _item(body)
    if isinstance(item, JsonResponse):
        return item
    item.login_required = True
    item.save(update_fields=["login_required"])
    return JsonResponse({"reset_login": True, "request_id": _request_id()})


@api
def sandbox_item_fire_webhook(request, body):
    item = _item(body)
    if isinstance(item, JsonResponse):
        return item
    code = str(body.get("webhook_code") or "")
    kind = str(body.get("webhook_type") or WEBHOOK_TYPES.get(code, ""))
    if code not in WEBHOOK_TYPES or (kind, code) not in WEBHOOK_KINDS:
        return plaid_error(400, "INVALID_INPUT", "INVALID_WEBHOOK_CODE", "invalid webhook_code provided")
    webhook_send(item, code, kind=kind)
    return JsonResponse({"webhook_fired": True, "request_id": _request_id()})


WEBHOOK_TYPES = {"SYNC_UPDATES_AVAILABLE": "TRANSACTIONS", "DEFAULT_UPDATE": "TRANSACTIONS",
                 "ERROR": "ITEM", "PENDING_EXPIRATION": "ITEM", "LOGIN_REPAIRED": "ITEM",
                 "USER_PERMISSION_REVOKED": "ITEM", "WEBHOOK_UPDATE_ACKNOWLEDGED": "ITEM"}
# Every (type, code) the mock fires: DEFAULT_UPDATE also comes as HOLDINGS and INVESTMENTS_TRANSACTIONS.
WEBHOOK_KINDS = {(kind, code) for code, kind in WEBHOOK_TYPES.items()} | {
    ("HOLDINGS", "DEFAULT_UPDATE"), ("INVESTMENTS_TRANSACTIONS", "DEFAULT_UPDATE")}


def webhook_body(item: PlaidItem, code: str, *, kind: str = "") -> dict:
    kind = kind or WEBHOOK_TYPES[code]
    body = {"webhook_type": kind, "webhook_code": code, "item_id": item.item_id,
            "environment": "sandbox"}
    if kind == "HOLDINGS":
        body.update({"new_holdings": 0, "updated_holdings": 1, "error": None})
    elif kind == "INVESTMENTS_TRANSACTIONS":
        body.update({"new_investments_transactions": 1, "canceled_investments_transactions": 0, "error": None})
    elif code == "SYNC_UPDATES_AVAILABLE":
        body.update({"initial_update_complete": True, "historical_update_complete": True})
    elif code == "ERROR":
        body["error"] = {"error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED",
                         "error_message": "the login details of this item have changed", "status": 400}
    elif code == "PENDING_EXPIRATION":
        body["consent_expiration_time"] = (timezone.now() + timedelta(days=6)).isoformat().replace("+00:00", "Z")
    elif code == "WEBHOOK_UPDATE_ACKNOWLEDGED":
        body["new_webhook_url"] = item.webhook
    return body


def webhook_send(item: PlaidItem, code: str, *, kind: str = "", iat: float | None = None) -> int | None:
    """POST a signed webhook to the Item's webhook URL; the status the app answered (None: unreachable).
    `iat` backdates the signature (to show an old delivery is refused)."""
    if not item.webhook:
        return None
    body = json.dumps(webhook_body(item, code, kind=kind)).encode()
    try:
        response = requests.post(item.webhook, data=body, timeout=10, headers={
            "Content-Type": "application/json", "Plaid-Verification": keys.sign(body, iat=iat)})
    except requests.RequestException as exc:
        logger.warning("sandbox plaid webhook not delivered item=%s: %s", item.item_id, type(exc).__name__)
        return None
    return response.status_code


# What an operator can fire (manage.py fire_webhook, the Plaid Items admin): a name -> (type, code).
# ITEM_LOGIN_REQUIRED is Plaid's ITEM/ERROR with that error code, and the Item needs its login
# repaired from then on (as /sandbox/item/reset_login), so the next sync meets it too.
FIREABLE = {"SYNC_UPDATES_AVAILABLE": ("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE"),
            "ITEM_LOGIN_REQUIRED": ("ITEM", "ERROR"), "PENDING_EXPIRATION": ("ITEM", "PENDING_EXPIRATION"),
            "LOGIN_REPAIRED": ("ITEM", "LOGIN_REPAIRED"), "USER_PERMISSION_REVOKED": ("ITEM", "USER_PERMISSION_REVOKED"),
            "WEBHOOK_UPDATE_ACKNOWLEDGED": ("ITEM", "WEBHOOK_UPDATE_ACKNOWLEDGED"),
            "HOLDINGS": ("HOLDINGS", "DEFAULT_UPDATE"), "INVESTMENTS_TRANSACTIONS": ("INVESTMENTS_TRANSACTIONS", "DEFAULT_UPDATE")}


def webhook_fire(item: PlaidItem, name: str, *, iat: float | None = None) -> int | None:
    """Fire one of FIREABLE at the app, signed as Plaid signs; the app's answer status."""
    kind, code = FIREABLE[name]
    if name == "ITEM_LOGIN_REQUIRED":
        PlaidItem.objects.filter(pk=item.pk).update(login_required=True)
    elif name == "LOGIN_REPAIRED":
        PlaidItem.objects.filter(pk=item.pk).update(login_required=False)
    return webhook_send(item, code, kind=kind, iat=iat)


@csrf_exempt
@require_POST
def mock_item_mutate(request: HttpRequest, item_id: str) -> HttpResponse:
    """Operator control (mock only): `{"modify": {"<transaction_id>": {"amount": 1.5, "name": "..."}},
    "remove": ["<transaction_id>"], "webhook": true}` changes an Item's transactions as an
    institution would, and with `webhook` announces it (SYNC_UPDATES_AVAILABLE)."""
    item = PlaidItem.objects.filter(item_id=item_id, removed_at__isnull=True).first()
    if item is None:
        return JsonResponse({"error": "no such item"}, status=404)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"error": "body is not JSON"}, status=400)
    mutations = {"modified": dict(item.mutations.get("modified", {})), "removed": list(item.mutations.get("removed", []))}
    for txn_id, changes in (body.get("modify") or {}).items():
        mutations["modified"][txn_id] = {**mutations["modified"].get(txn_id, {}), **changes}
    mutations["removed"] += [t for t in body.get("remove") or [] if t not in mutations["removed"]]
    item.mutations = mutations
    item.save(update_fields=["mutations"])
    status = webhook_send(item, "SYNC_UPDATES_AVAILABLE") if body.get("webhook") else None
    return JsonResponse({"mutations": mutations, "webhook_status": status})
