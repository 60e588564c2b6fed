"""api.xero.com, mounted at /sandbox/xero/api/:

GET    connections                       the grant's tenants (removed ones left out)
DELETE connections/<id>                  the app stops reaching that tenant
GET    api.xro/2.0/Organisation | Accounts | Contacts | TrackingCategories | Invoices
GET    api.xro/2.0/BankTransactions      If-Modified-Since, page= (100 a page), order=, References=
PUT    api.xro/2.0/BankTransactions      create (summarizeErrors=false: per-item ValidationErrors)
POST   api.xro/2.0/BankTransactions[/<id>]  update (by BankTransactionID)

Every call needs `Authorization: Bearer` (401 otherwise) and, on api.xro, `xero-tenant-id` of a
tenant the grant reaches (403 AuthorizationUnsuccessful otherwise). Answers carry Xero's limit
headers (X-MinLimit-Remaining, X-DayLimit-Remaining, X-AppMinLimit-Remaining); past 60 calls a
minute or 5,000 a day per tenant, or with a rate-limit fault login, 429 with Retry-After and
X-Rate-Limit-Problem."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox import clock, tokens

from . import data
from .identity import fault_of
from .models import XeroBankTransaction, XeroGrant, XeroTenant, XeroToken

PAGE_SIZE = 100
MINUTE_LIMIT, DAY_LIMIT, APP_MINUTE_LIMIT = 60, 5000, 10000
CENT = Decimal("0.01")


class _Encoder(json.JSONEncoder):
    def default(self, o):
        if isinstance(o, Decimal):
            return float(o)  # 2-dp amounts print back with the same digits
        return super().default(o)


def respond(body, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(body, cls=_Encoder), status=status, content_type="application/json; charset=utf-8")
    for k, v in (headers or {}).items():
        response[k] = v
    return response


def problem(status: int, title: str, detail: str, type_: str | None = None) -> HttpResponse:
    return respond({"Type": type_, "Title": title, "Status": status, "Detail": detail,
                    "Instance": str(uuid.uuid4()), "Extensions": {}}, status)


def envelope(key: str, rows: list, *, page: int | None = None, total: int | None = None) -> dict:
    body = {"Id": str(uuid.uuid4()), "Status": "OK", "ProviderName": "Sandbox app",
            "DateTimeUTC": data.wcf(timezone.now()), key: rows}
    if page is not None:
        body["pagination"] = {"page": page, "pageSize": PAGE_SIZE, "pageCount": max(1, -(-(total or 0) // PAGE_SIZE)),
                              "itemCount": total or 0}
    return body


def _clean(value):
    """Xero leaves out what has no value."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


# --- who is calling ----------------------------------------------------------------------------


def _grant(request: HttpRequest) -> XeroGrant | HttpResponse:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
    row = (XeroToken.objects.select_related("grant")
           .filter(digest=tokens.digest(header[7:]), kind=XeroToken.ACCESS).first())
    if row is None or row.grant.revoked_at:
        return problem(401, "Unauthorized", "AuthenticationUnsuccessful")
    if row.expires_at < timezone.now():
        return problem(401, "Unauthorized", f"TokenExpired: token expired at {row.expires_at:%m/%d/%Y %H:%M:%S}")
    return row.grant


def _tenant(request: HttpRequest, grant: XeroGrant) -> XeroTenant | HttpResponse:
    tenant_id = request.headers.get("xero-tenant-id", "")
    tenant = grant.tenants.filter(tenant_id=tenant_id, removed_at__isnull=True).first()
    if tenant is None or (fault_of(grant.username) == "removed_tenant" and tenant.index == 1):
        return problem(403, "Forbidden", "AuthorizationUnsuccessful", "AuthorizationUnsuccessful")
    return tenant


def _limits(grant: XeroGrant, tenant: XeroTenant) -> tuple[dict, HttpResponse | None]:
    """Count the call against the tenant's minute and day; the headers, or the 429."""
    fault = fault_of(grant.username)
    if fault == "provider_error":
        return {}, respond({"Title": "Service Unavailable", "Status": 503}, 503)
    now = timezone.now()
    minute_key = f"sandbox-xero:{grant.pk}:{tenant.tenant_id}:m:{now:%Y%m%d%H%M}"
    day_key = f"sandbox-xero:{grant.pk}:{tenant.tenant_id}:d:{now:%Y%m%d}"
    used_minute, used_day = _bump(minute_key, 120), _bump(day_key, 86400)
    headers = {"X-MinLimit-Remaining": str(max(0, MINUTE_LIMIT - used_minute)),
               "X-DayLimit-Remaining": str(max(0, DAY_LIMIT - used_day)),
               "X-AppMinLimit-Remaining": str(APP_MINUTE_LIMIT - used_minute)}
    if fault == "rate_limit_day" or used_day > DAY_LIMIT:
        seconds_left = 86400 - (now.hour * 3600 + now.minute * 60 + now.second)
        return headers, respond({"Title": "Too Many Requests", "Status": 429}, 429,
                                {**headers, "Retry-After": str(seconds_left), "X-Rate-Limit-Problem": "day",
                                 "X-DayLimit-Remaining": "0"})
    if fault == "rate_limit" or used_minute > MINUTE_LIMIT:
        return headers, respond({"Title": "Too Many Requests", "Status": 429}, 429,
                                {**headers, "Retry-After": str(60 - now.second), "X-Rate-Limit-Problem": "minute",
                                 "X-MinLimit-Remaining": "0"})
    return headers, None


def _bump(key: str, ttl: int) -> int:
    cache.add(key, 0, ttl)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, ttl)
        return 1


# --- /connections ------------------------------------------------------------------------------


@csrf_exempt
def connections(request: HttpRequest, connection_id: str | None = None) -> HttpResponse:
    grant = _grant(request)
    if isinstance(grant, HttpResponse):
        return grant
    if connection_id is not None:
        if request.method != "DELETE":
            return respond({"Title": "Method Not Allowed"}, 405)
        tenant = grant.tenants.filter(connection_id=connection_id, removed_at__isnull=True).first()
        if tenant is None:
            return problem(404, "Not Found", "Connection not found")
        tenant.removed_at = timezone.now()
        tenant.save(update_fields=["removed_at"])
        return HttpResponse(status=204)
    if request.method != "GET":
        return respond({"Title": "Method Not Allowed"}, 405)
    return respond([{"id": str(t.connection_id), "authEventId": str(grant.pk), "tenantId": t.tenant_id,
                     "tenantType": "ORGANISATION", "tenantName": t.name,
                     "createdDateUtc": t.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0"),
                     "updatedDateUtc": t.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0")}
                    for t in grant.tenants.filter(removed_at__isnull=True).order_by("index")])


# --- the Accounting API ------------------------------------------------------------------------


def _modified_since(request: HttpRequest) -> datetime | None:
    value = request.headers.get("If-Modified-Since", "")
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def updated_of(row: dict) -> datetime:
    text = str(row.get("UpdatedDateUTC") or "")
    digits = text[6:].split(")")[0].split("+")[0]
    return datetime.fromtimestamp(int(digits) / 1000, tz=UTC)


def stored_bank_transactions(tenant_id: str) -> list[dict]:
    return [row.body for row in XeroBankTransaction.objects.filter(tenant_id=tenant_id).order_by("updated_at")]


def _bank_transactions(tenant: XeroTenant) -> list[dict]:
    books = data.tenant_books(tenant.grant.username, tenant.index, clock.today())
    stored = {b["BankTransactionID"]: b for b in stored_bank_transactions(tenant.tenant_id)}
    rows = [stored.pop(b["BankTransactionID"], b) for b in books.bank_transactions]
    return rows + list(stored.values())


def _list(request: HttpRequest, key: str, rows: list[dict], *, paged: bool) -> HttpResponse:
    since = _modified_since(request)
    if since is not None:
        rows = [r for r in rows if "UpdatedDateUTC" not in r or updated_of(r) > since]
    if "UpdatedDateUTC" in request.GET.get("order", ""):
        rows = sorted(rows, key=updated_of, reverse="DESC" in request.GET["order"].upper())
    references = [r for r in request.GET.get("References", "").split(",") if r]
    if references:
        rows = [r for r in rows if r.get("Reference") in references]
    page = request.GET.get("page")
    if paged and page:
        try:
            number = max(1, int(page))
        except ValueError:
            return _validation("page must be a number")
        total = len(rows)
        return respond(_clean(envelope(key, rows[(number - 1) * PAGE_SIZE:number * PAGE_SIZE], page=number,
                                       total=total)))
    return respond(_clean(envelope(key, rows)))


def _validation(*messages: str, elements: list | None = None) -> HttpResponse:
    return respond({"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
                    "Elements": elements or [{"ValidationErrors": [{"Message": m} for m in messages]}]}, 400)


@csrf_exempt
def accounting(request: HttpRequest, resource: str, item_id: str | None = None) -> HttpResponse:
    grant = _grant(request)
    if isinstance(grant, HttpResponse):
        return grant
    tenant = _tenant(request, grant)
    if isinstance(tenant, HttpResponse):
        return tenant
    headers, refused = _limits(grant, tenant)
    if refused is not None:
        return refused
    response = _accounting(request, tenant, resource, item_id)
    for k, v in headers.items():
        response[k] = v
    return response


def _accounting(request: HttpRequest, tenant: XeroTenant, resource: str, item_id: str | None) -> HttpResponse:
    books = data.tenant_books(tenant.grant.username, tenant.index, clock.today())
    if request.method == "GET" and item_id is None:
        listing = {"Organisation": ("Organisations", [books.organisation], False),
                   "Accounts": ("Accounts", books.accounts, False),
                   "Contacts": ("Contacts", books.contacts, True),
                   "TrackingCategories": ("TrackingCategories", books.tracking_categories, False),
                   "Invoices": ("Invoices", books.invoices, True),
                   "BankTransactions": ("BankTransactions", _bank_transactions(tenant), True)}
        if resource not in listing:
            return problem(404, "Not Found", f"The resource {resource} is not in this sandbox")
        key, rows, paged = listing[resource]
        return _list(request, key, rows, paged=paged)
    if resource != "BankTransactions":
        return problem(405 if item_id is None else 404, "Not supported", "Only BankTransactions can be written here")
    if request.method == "GET":
        found = [b for b in _bank_transactions(tenant) if b["BankTransactionID"] == item_id]
        return respond(_clean(envelope("BankTransactions", found))) if found else problem(404, "Not Found", "Not found")
    if request.method not in ("PUT", "POST"):
        return respond({"Title": "Method Not Allowed"}, 405)
    try:
        body = json.loads(request.body or b"{}", parse_float=Decimal)
    except ValueError:
        return _validation("The request body is not valid JSON")
    items = body.get("BankTransactions") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        return _validation("BankTransactions must be a non-empty list")
    summarize = request.GET.get("summarizeErrors", "true").lower() != "false"
    return _write(tenant, books, items, create=request.method == "PUT", item_id=item_id, summarize=summarize)


def _write(tenant: XeroTenant, books, items: list, *, create: bool, item_id: str | None, summarize: bool) -> HttpResponse:
    accounts_by_id = {a["AccountID"]: a for a in books.accounts}
    accounts_by_code = {a["Code"]: a for a in books.accounts}
    existing = {b["BankTransactionID"]: b for b in _bank_transactions(tenant)}
    answered, elements, ok = [], [], []
    for item in items:
        item = dict(item) if isinstance(item, dict) else {}
        target = item_id or (None if create else item.get("BankTransactionID"))
        errors = _item_errors(item, accounts_by_id, accounts_by_code)
        if target is not None and target not in existing:
            errors.append("The BankTransactionID does not exist in this organisation")
        if errors:
            answered.append({**item, "StatusAttributeString": "ERROR", "HasValidationErrors": True,
                             "ValidationErrors": [{"Message": m} for m in errors]})
            elements.append({**item, "ValidationErrors": [{"Message": m} for m in errors]})
            continue
        ok.append((item, target))
        answered.append(None)
    if elements and summarize:
        return _validation(elements=elements)
    with transaction.atomic():
        stored_rows = iter(_store(tenant, item, existing.get(target) if target else None,
                                  accounts_by_id, accounts_by_code) for item, target in ok)
        answered = [row if row is not None else next(stored_rows) for row in answered]
    return respond(_clean(envelope("BankTransactions", answered)))


def _money(value) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _item_errors(item: dict, by_id: dict, by_code: dict) -> list[str]:
    errors = []
    if item.get("Type") not in ("SPEND", "RECEIVE"):
        errors.append("Type must be SPEND or RECEIVE")
    bank = item.get("BankAccount") or {}
    account = by_id.get(bank.get("AccountID")) or by_code.get(bank.get("Code"))
    if account is None or account["Type"] != "BANK":
        errors.append("Bank account is required and must be a bank account in this organisation")
    contact = item.get("Contact") or {}
    if not (contact.get("Name") or contact.get("ContactID")):
        errors.append("A Contact must be specified for this type of transaction")
    if not _date(item.get("Date")):
        errors.append("Date is required and must be a date")
    if len(str(item.get("Reference") or "")) > 255:
        errors.append("Reference must not be longer than 255 characters")
    lines = item.get("LineItems") or []
    if not lines:
        errors.append("At least one line item is required")
    for line in lines:
        coded = by_id.get(line.get("AccountID")) or by_code.get(line.get("AccountCode"))
        if coded is None or coded["Type"] == "BANK":
            errors.append(f"Account code '{line.get('AccountCode') or line.get('AccountID') or ''}' is not a valid "
                          "code for this document.")
        amount = _money(line.get("UnitAmount", line.get("LineAmount")))
        if amount is None or amount <= 0:
            errors.append("The line amount must be a positive number")
    return errors


def _date(value) -> datetime | None:
    text = str(value or "")
    if text.startswith("/Date("):
        return updated_of({"UpdatedDateUTC": text})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _store(tenant: XeroTenant, item: dict, current: dict | None, by_id: dict, by_code: dict) -> dict:
    now = timezone.now()
    if current is not None:
        # UpdatedDateUTC always moves forward, even within one millisecond of the last write.
        now = max(now, updated_of(current) + timedelta(milliseconds=1))
    bank = by_id.get((item.get("BankAccount") or {}).get("AccountID")) or by_code[(item.get("BankAccount") or {})["Code"]]
    lines = []
    for line in item["LineItems"]:
        coded = by_id.get(line.get("AccountID")) or by_code[line["AccountCode"]]
        quantity = _money(line.get("Quantity") or 1) or Decimal(1)
        unit = _money(line.get("UnitAmount", line.get("LineAmount")))
        amount = (quantity * unit).quantize(CENT)
        lines.append({"LineItemID": str(uuid.uuid4()), "Description": line.get("Description") or "",
                      "Quantity": quantity, "UnitAmount": unit, "LineAmount": amount, "AccountCode": coded["Code"],
                      "AccountID": coded["AccountID"], "TaxType": "NONE", "TaxAmount": Decimal("0.00"),
                      "Tracking": line.get("Tracking") or []})
    total = sum((line["LineAmount"] for line in lines), Decimal("0.00"))
    day = _date(item.get("Date"))
    body = {
        "BankTransactionID": (current or {}).get("BankTransactionID") or str(uuid.uuid4()),
        "Type": item["Type"], "Contact": {"ContactID": (item.get("Contact") or {}).get("ContactID") or
                                          str(uuid.uuid5(uuid.NAMESPACE_URL, str(item["Contact"].get("Name")))),
                                          "Name": item["Contact"].get("Name") or ""},
        "LineItems": lines, "BankAccount": {"AccountID": bank["AccountID"], "Code": bank["Code"], "Name": bank["Name"]},
        "IsReconciled": False, "Date": data.wcf(day.date()), "DateString": data.iso_date(day.date()),
        "Reference": str(item.get("Reference") or ""), "CurrencyCode": item.get("CurrencyCode") or "GBP",
        "CurrencyRate": Decimal("1.000000"), "Status": "AUTHORISED", "LineAmountTypes": item.get("LineAmountTypes") or
        "Inclusive", "SubTotal": total, "TotalTax": Decimal("0.00"), "Total": total, "UpdatedDateUTC": data.wcf(now),
        "HasAttachments": False, "StatusAttributeString": "OK",
    }
    XeroBankTransaction.objects.update_or_create(
        bank_transaction_id=body["BankTransactionID"],
        defaults={"tenant_id": tenant.tenant_id, "reference": body["Reference"], "updated_at": now,
                  "body": json.loads(json.dumps(body, cls=_Encoder))})
    return body
