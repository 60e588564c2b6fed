"""GoCardless account endpoints: metadata (free) and the three bank calls - details, balances,
transactions - each limited by the institution to 4 successful calls per account per rolling
day, reported in the HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_* headers."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET

from sandbox import clock
from sandbox.consents import ConsentState, consent_state
from sandbox.data import AccountSnapshot, Transaction, build_book
from sandbox.faults import (
    MALFORMED_BODY,
    Fault,
    count_data_call,
    fault_for,
    flaky_call_fails,
    intended,
    retry_after_seconds,
    slow_down,
)
from sandbox.institutions import institution_by_slug
from sandbox.models import GoCardlessAccount, GoCardlessQuotaCall
from sandbox.persona import is_main_bank

from . import render
from .auth import api_endpoint
from .render import error_response
from .views import parse_uuid

DAILY_SUCCESS_LIMIT = 4
QUOTA_WINDOW = timedelta(days=1)


def _quota_headers(remaining: int, reset_seconds: int, *, retry_after: int | None = None) -> dict[str, str]:
    values = {"LIMIT": DAILY_SUCCESS_LIMIT, "REMAINING": max(0, remaining), "RESET": reset_seconds}
    headers = {}
    for suffix, value in values.items():
        # GoCardless documents the CGI-style names; the conventional spelling goes out too.
        headers[f"HTTP_X_RATELIMIT_ACCOUNT_SUCCESS_{suffix}"] = str(value)
        headers[f"X-RateLimit-Account-Success-{suffix.title()}"] = str(value)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return headers


def _quota(row: GoCardlessAccount, scope: str, now: datetime) -> tuple[int, int]:
    """(successful calls left, seconds until the oldest counted call drops out of the window)."""
    calls = list(GoCardlessQuotaCall.objects.filter(account=row, scope=scope, called_at__gt=now - QUOTA_WINDOW)
                 .order_by("called_at").values_list("called_at", flat=True))
    reset = int((calls[0] + QUOTA_WINDOW - now).total_seconds()) + 1 if calls else 0
    return DAILY_SUCCESS_LIMIT - len(calls), reset


def _rate_limited(headers: dict[str, str]) -> JsonResponse:
    return error_response(429, "Rate limit exceeded",
                          "Daily request limit set by the Institution has been exceeded.",
                          type_="RateLimitError", headers=headers)


def _access_expired(row: GoCardlessAccount) -> JsonResponse:
    agreement = row.requisition.agreement_id or "for this account"
    return error_response(
        401, "Access has expired or it has been revoked.",
        f"End User Agreement (EUA) {agreement} has expired or was revoked. To regain access, create a new "
        "EUA and requisition and ask the end user to reconnect.", type_="AccessExpiredError")


def _load(account_id: str) -> GoCardlessAccount | JsonResponse:
    parsed = parse_uuid(account_id, "Account")
    if isinstance(parsed, JsonResponse):
        return parsed
    row = (GoCardlessAccount.objects.select_related("consent", "requisition", "requisition__agreement")
           .filter(pk=parsed).first())
    if row is None:
        return error_response(404, f"Account ID {account_id} not found",
                              "Please check whether you specified a valid Account ID")
    return row


def _snapshot(row: GoCardlessAccount) -> AccountSnapshot:
    consent = row.consent
    return build_book(consent.institution_slug, consent.username, clock.today(),
                      is_main_bank(consent.username, consent.institution_slug)).snapshot(row.account_key)


@require_GET
@api_endpoint
def account(request: HttpRequest, account_id: str) -> JsonResponse:
    """Metadata: not a bank call, so no quota and no bank faults."""
    row = _load(account_id)
    if isinstance(row, JsonResponse):
        return row
    active = consent_state(row.consent, clock.now()) == ConsentState.ACTIVE
    return JsonResponse(render.account_metadata(row, _snapshot(row), "READY" if active else "EXPIRED"))


def bank_call(scope: str):
    """Wraps `fn(request, row, snapshot) -> dict | HttpResponse` with what a bank call meets:
    the agreement (expiry, scope), the institution's daily quota, then the bank's faults."""

    def decorate(fn):
        @require_GET
        @api_endpoint
        @functools.wraps(fn)
        def view(request: HttpRequest, account_id: str) -> HttpResponse:
            row = _load(account_id)
            if isinstance(row, JsonResponse):
                return row
            now = clock.now()
            if consent_state(row.consent, now) != ConsentState.ACTIVE:
                return _access_expired(row)
            agreement = row.requisition.agreement
            if agreement and scope not in agreement.access_scope:
                return error_response(403, "Access to this resource is not allowed by the End User Agreement",
                                      f"The End User Agreement does not include the '{scope}' scope.",
                                      type_="AccountAccessForbidden")
            remaining, reset = _quota(row, scope, now)
            if remaining <= 0:
                return _rate_limited(_quota_headers(0, reset, retry_after=reset))
            fault = fault_for(row.consent.username)
            call_number = count_data_call(row.consent)
            if fault == Fault.SLOW:
                slow_down()
            elif fault == Fault.PROVIDER_ERROR:
                return intended(error_response(500, "Unknown Request Error", "Request to Institution returned an "
                                               "error", type_="UnknownRequestError"), fault)
            elif fault == Fault.RATE_LIMIT:
                wait = retry_after_seconds()
                return intended(_rate_limited(_quota_headers(0, wait, retry_after=wait)), fault)
            elif fault == Fault.FLAKY and flaky_call_fails(call_number):
                return intended(error_response(503, "Institution service unavailable",
                                               "Couldn't connect to Institution. Please try again later.",
                                               type_="ServiceError"), fault)
            body = fn(request, row, _snapshot(row))
            if isinstance(body, HttpResponse):
                return body
            if fault == Fault.MALFORMED:
                return HttpResponse(MALFORMED_BODY, content_type="application/json")
            # Only successful calls count against the institution's limit.
            GoCardlessQuotaCall.objects.create(account=row, scope=scope, called_at=now)
            GoCardlessQuotaCall.objects.filter(account=row, called_at__lte=now - QUOTA_WINDOW).delete()
            GoCardlessAccount.objects.filter(pk=row.pk).update(last_accessed=now)
            remaining, reset = _quota(row, scope, now)
            return JsonResponse(body, headers=_quota_headers(remaining, reset))

        return view

    return decorate


@bank_call("details")
def details(request, row, snapshot):
    return render.details(row, snapshot)


@bank_call("balances")
def balances(request, row, snapshot):
    return render.balances(snapshot, clock.today())


def _date_param(request: HttpRequest, name: str) -> date | None | JsonResponse:
    raw = request.GET.get(name)
    if not raw:
        return None
    try:
        parsed = parse_date(raw)
    except ValueError:
        parsed = None
    if parsed is None:
        return error_response(400, f"Invalid {name}", f"{name} must be a date in YYYY-MM-DD format.")
    return parsed


@bank_call("transactions")
def transactions(request, row, snapshot):
    date_from, date_to = _date_param(request, "date_from"), _date_param(request, "date_to")
    for bound in (date_from, date_to):
        if isinstance(bound, JsonResponse):
            return bound
    if date_from and date_to and date_from > date_to:
        return error_response(400, "Incorrect date range",
                              f"Starting date '{date_from}' is greater than end date '{date_to}'")
    # The agreement caps how far back the bank will go, whatever the client asks for.
    agreement = row.requisition.agreement
    history_days = agreement.max_historical_days if agreement else 90
    booked, pending = served_lines(snapshot, clock.today(), history_days, date_from, date_to)
    keeps_ids = institution_by_slug(row.consent.institution_slug).pending_ids_survive_booking
    return {"transactions": {
        "booked": [render.transaction(t, ids_survive_booking=keeps_ids) for t in booked],
        "pending": [render.transaction(t, ids_survive_booking=keeps_ids) for t in pending],
    }}


def served_lines(snapshot: AccountSnapshot, today: date, history_days: int, date_from: date | None = None,
                 date_to: date | None = None) -> tuple[list[Transaction], list[Transaction]]:
    """(booked, pending), newest first, as GoCardless serves them: booked lines by booking date,
    pending ones by the day they were made, within the agreement's history and the asked dates."""
    earliest = today - timedelta(days=history_days)
    start = max(date_from or earliest, earliest)

    def wanted(day: date) -> bool:
        return start <= day and (date_to is None or day <= date_to)

    return ([t for t in reversed(snapshot.booked) if wanted(t.booking_date)],
            [t for t in reversed(snapshot.pending) if wanted(t.paid_on)])
