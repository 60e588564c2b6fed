"""The QuickBooks Online Accounting API v3, mocked: /v3/company/<realmId>/...

GET  query?query=select ...       (POST with the statement as application/text works too)
GET  cdc?entities=A,B&changedSince=<ISO 8601, at most 30 days back>
GET  companyinfo/<realmId>, preferences, <entity>/<id>
POST <entity>                      create (Purchase, Deposit)
POST <entity>?operation=update     full or sparse ("sparse": true) update naming Id + SyncToken;
                                   a SyncToken that is not the current one answers 5010
POST <entity>?operation=delete     Id + SyncToken: CDC shows it as status "Deleted" after

Every call needs `minorversion` >= 75 and a live bearer token for that realm (else 401 Fault
3200). Throttling as Intuit's: 500 requests a minute per realm (SANDBOX_QUICKBOOKS_PER_MINUTE),
then 429 ThrottleExceeded with Retry-After; the `error.rate_limit` login is throttled always."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from sandbox import clock
from sandbox.faults import FAULT_PREFIX, Fault, intended, retry_after_seconds, with_latency

from . import query as qbo_query
from .auth import bearer_token
from .books import CREATED_ID_START, WRITABLE, _plain, company_entities, entity_json
from .models import QboEntity, QboRealm
from .render import answer, authentication_failed, fault, throttled

CDC_MAX_DAYS = 30
MIN_MINOR_VERSION = 75
ENTITY_NAMES = {"account": "Account", "customer": "Customer", "vendor": "Vendor", "class": "Class",
                "department": "Department", "invoice": "Invoice", "payment": "Payment", "bill": "Bill",
                "billpayment": "BillPayment", "purchase": "Purchase", "deposit": "Deposit"}


def _per_minute() -> int:
    return int(getattr(settings, "SANDBOX_QUICKBOOKS_PER_MINUTE", 500))


def _gate(request: HttpRequest, realm_id: str) -> QboRealm | HttpResponse:
    """Token, minor version and throttle, in Intuit's order."""
    held = bearer_token(request, realm_id)
    if held is None:
        return authentication_failed()
    try:
        minor = int(request.GET.get("minorversion", "0"))
    except ValueError:
        minor = 0
    if minor < MIN_MINOR_VERSION:
        return fault(400, "4000", f"Minor version {minor} is not supported; use {MIN_MINOR_VERSION} or later.")
    if held.realm.username == f"{FAULT_PREFIX}rate_limit":
        return intended(throttled(retry_after_seconds()), Fault.RATE_LIMIT)
    minute = clock.now().strftime("%Y%m%d%H%M")
    key = f"sandbox-qbo-throttle:{realm_id}:{minute}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        count = 1
    if count > _per_minute():
        return throttled(60 - clock.now().second)
    return held.realm


def _decimal_body(request: HttpRequest) -> Any:
    return json.loads(request.body or b"{}", parse_float=Decimal)


# --- reads -----------------------------------------------------------------------------------
@csrf_exempt
@require_http_methods(["GET", "POST"])
@with_latency
def query(request: HttpRequest, realm_id: str) -> HttpResponse:
    realm = _gate(request, realm_id)
    if isinstance(realm, HttpResponse):
        return realm
    statement = request.GET.get("query") or (request.body.decode("utf-8", "replace") if request.method == "POST" else "")
    try:
        parsed = qbo_query.parse(statement)
    except qbo_query.QueryParserError as exc:
        return fault(400, "4000", "Error parsing query", str(exc), fault_type="ValidationFault")
    entities = company_entities(realm)
    if parsed.entity not in entities:
        return fault(400, "4001", "Invalid query", f"Unknown entity {parsed.entity[:40]}")
    page, _ = qbo_query.run(parsed, entities[parsed.entity])
    body: dict[str, Any] = {}
    if page:
        body = {parsed.entity: page, "startPosition": parsed.start, "maxResults": len(page)}
    return answer({"QueryResponse": body})


@require_GET
@with_latency
def cdc(request: HttpRequest, realm_id: str) -> HttpResponse:
    realm = _gate(request, realm_id)
    if isinstance(realm, HttpResponse):
        return realm
    names = [n.strip() for n in request.GET.get("entities", "").split(",") if n.strip()]
    since_text = request.GET.get("changedSince", "")
    since = qbo_query._comparable(since_text)
    if not names or any(n not in ENTITY_NAMES.values() for n in names) or isinstance(since, str):
        return fault(400, "2010", "Request has invalid or unsupported property",
                     "entities (known names) and changedSince (ISO 8601) are required")
    if since.tzinfo is None or since < clock.now() - timedelta(days=CDC_MAX_DAYS):
        return fault(400, "2010", "Request has invalid or unsupported property",
                     f"changedSince must be a time zone aware time within the last {CDC_MAX_DAYS} days")
    entities = company_entities(realm, with_deleted=True)
    responses = []
    for name in names:
        changed = [item for item in entities.get(name, [])
                   if qbo_query._comparable((item.get("MetaData") or {}).get("LastUpdatedTime", "")) >= since]
        responses.append({name: changed[: qbo_query.MAX_RESULTS], "startPosition": 1,
                          "maxResults": min(len(changed), qbo_query.MAX_RESULTS)} if changed else {})
    return answer({"CDCResponse": [{"QueryResponse": responses}]})


@require_GET
@with_latency
def company_info(request: HttpRequest, realm_id: str, company_id: str) -> HttpResponse:
    realm = _gate(request, realm_id)
    if isinstance(realm, HttpResponse):
        return realm
    info = company_entities(realm)["CompanyInfo"][0]
    return answer({"CompanyInfo": {**info, "Id": realm_id}})


@require_GET
@with_latency
def preferences(request: HttpRequest, realm_id: str) -> HttpResponse:
    realm = _gate(request, realm_id)
    if isinstance(realm, HttpResponse):
        return realm
    return answer({"Preferences": company_entities(realm)["Preferences"][0]})


# --- one entity: read, create, update, delete ---------------------------------------------------
@csrf_exempt
@require_http_methods(["GET", "POST"])
@with_latency
def entity(request: HttpRequest, realm_id: str, name: str, entity_id: str = "") -> HttpResponse:
    realm = _gate(request, realm_id)
    if isinstance(realm, HttpResponse):
        return realm
    entity_name = ENTITY_NAMES.get(name.lower())
    if entity_name is None:
        return fault(400, "4001", "Unsupported entity", name[:40])
    if request.method == "GET":
        found = next((i for i in company_entities(realm).get(entity_name, []) if i["Id"] == entity_id), None)
        if found is None:
            return fault(400, "610", "Object Not Found", f"{entity_name} {entity_id[:20]} not found")
        return answer({entity_name: found})
    if entity_name not in WRITABLE:
        return fault(400, "6000", "A business validation error has occurred",
                     f"The sandbox takes writes to {', '.join(WRITABLE)} only")
    try:
        body = _decimal_body(request)
    except (ValueError, UnicodeDecodeError):
        return fault(400, "2500", "Invalid Request", "The body is not JSON")
    if not isinstance(body, dict):
        return fault(400, "2500", "Invalid Request", "The body is not an object")
    operation = request.GET.get("operation", "create")
    with transaction.atomic():
        if operation == "create":
            return _create(realm, entity_name, body)
        if operation in ("update", "delete"):
            return _change(realm, entity_name, body, operation)
    return fault(400, "2500", "Invalid Request", "operation must be create, update or delete")


def _validate(realm: QboRealm, entity_name: str, body: dict[str, Any]) -> str:
    accounts = {a["Id"]: a for a in company_entities(realm)["Account"]}
    bank_key = "AccountRef" if entity_name == "Purchase" else "DepositToAccountRef"
    bank = accounts.get(str((body.get(bank_key) or {}).get("value", "")))
    if bank is None or bank["AccountType"] not in ("Bank", "Credit Card"):
        return f"{bank_key} must name a bank account"
    if len(str(body.get("DocNumber") or "")) > 21:
        return "DocNumber is longer than 21 characters"
    lines = body.get("Line")
    if not isinstance(lines, list) or not lines:
        return "Line is required"
    for line in lines:
        detail = (line or {}).get(line.get("DetailType", "") if isinstance(line, dict) else "")
        account = str(((detail or {}).get("AccountRef") or {}).get("value", ""))
        if account not in accounts or not accounts[account]["Active"]:
            return "Each line needs an active account (AccountRef)"
        try:
            Decimal(str(line.get("Amount")))
        except InvalidOperation:
            return "Each line needs an Amount"
    return ""


def _total(body: dict[str, Any]) -> str:
    return str(sum((Decimal(str(line["Amount"])) for line in body["Line"]), Decimal("0")))


def _create(realm: QboRealm, entity_name: str, body: dict[str, Any]) -> HttpResponse:
    if problem := _validate(realm, entity_name, body):
        return fault(400, "6000", "A business validation error has occurred", problem)
    now = clock.now()
    last = QboEntity.objects.filter(realm=realm, entity=entity_name).aggregate(m=Max("entity_id"))["m"]
    data = {**_plain(body), "TotalAmt": _total(body)}
    row = QboEntity.objects.create(realm=realm, entity=entity_name, entity_id=max(last or 0, CREATED_ID_START) + 1,
                                   data=data, created_at=now, updated_at=now)
    return answer({entity_name: entity_json(row)})


def _change(realm: QboRealm, entity_name: str, body: dict[str, Any], operation: str) -> HttpResponse:
    from .books import book_edit

    item_id, sync_token = str(body.get("Id") or ""), str(body.get("SyncToken") if body.get("SyncToken") is not None else "")
    current = next((i for i in company_entities(realm).get(entity_name, []) if i["Id"] == item_id), None)
    if current is None:
        return fault(400, "610", "Object Not Found", f"{entity_name} {item_id[:20]} not found")
    if sync_token != str(current.get("SyncToken")):
        return fault(400, "5010", "Stale Object Error",
                     f"Stale Object Error : You and another user were working on the same thing. Please try again. "
                     f"SyncToken {sync_token[:10]} is not the current one")
    if operation == "delete":
        row = book_edit(realm, entity_name, item_id)
        row.deleted_at = clock.now()
        row.save(update_fields=["deleted_at"])
        return answer({entity_name: {"Id": item_id, "status": "Deleted", "domain": "QBO"}})
    changes = {k: v for k, v in body.items() if k not in ("Id", "SyncToken", "sparse")}
    merged = {**{k: v for k, v in current.items() if body.get("sparse") is True}, **changes}
    if problem := _validate(realm, entity_name, merged):
        return fault(400, "6000", "A business validation error has occurred", problem)
    if body.get("sparse") is not True:  # a full update replaces everything not sent
        QboEntity.objects.filter(realm=realm, entity=entity_name, entity_id=int(item_id)).update(data={})
    row = book_edit(realm, entity_name, item_id, **changes, TotalAmt=Decimal(_total(merged)))
    return answer({entity_name: entity_json(row)})

