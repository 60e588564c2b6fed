"""TrueLayer Data API v1 (api.truelayer.com/data/v1), mounted at /sandbox/truelayer/api/data/v1/.

Every endpoint answers `{"results": [...], "status": "Succeeded"}` or a TrueLayer error body.
The checks run in the order a real call meets them: token, consent, scope, then the bank
(faults), then the resource."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime, time

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.http import require_GET

from sandbox import clock
from sandbox.consents import ConsentState, consent_state
from sandbox.credentials import sandbox_client_id
from sandbox.data import AccountSnapshot, Book, Transaction, build_book
from sandbox.faults import (
    MALFORMED_BODY,
    Fault,
    count_data_call,
    fault_for,
    flaky_call_fails,
    intended,
    retry_after_seconds,
    slow_down,
    with_latency,
)
from sandbox.institutions import institution_by_slug
from sandbox.models import Consent
from sandbox.persona import is_main_bank

from . import render
from .auth import bearer_token
from .render import error_response


def _bank_fault(consent: Consent) -> HttpResponse | None:
    """What the mock bank does to this call, according to the login's fault."""
    fault = fault_for(consent.username)
    call_number = count_data_call(consent)
    if fault == Fault.SLOW:
        slow_down()
    elif fault == Fault.PROVIDER_ERROR:
        return intended(error_response(500, "provider_error", "The provider service returned an error. Try again "
                                                              "later."), fault)
    elif fault == Fault.RATE_LIMIT:
        return intended(error_response(429, "provider_too_many_requests", "The provider is rate limiting requests.",
                                       headers={"Retry-After": str(retry_after_seconds())}), fault)
    elif fault == Fault.FLAKY and flaky_call_fails(call_number):
        return intended(error_response(503, "provider_error", "The provider did not respond. Try again."), fault)
    return None


def data_endpoint(*scopes: str):
    """Wraps a view `fn(request, *, consent, book, now, **kwargs) -> list | HttpResponse`."""

    def decorate(fn):
        @require_GET
        @with_latency
        @functools.wraps(fn)
        def view(request: HttpRequest, **kwargs) -> HttpResponse:
            now = clock.now()
            token = bearer_token(request)
            if token is None:
                return error_response(401, "invalid_token", "The access token is invalid or has expired.")
            consent = token.consent
            state = consent_state(consent, now)
            if state == ConsentState.REVOKED:
                return error_response(401, "invalid_token", "The access token has been revoked.")
            if state == ConsentState.EXPIRED:
                return error_response(403, "access_denied", "Access to the account has expired or been revoked.")
            if missing := [s for s in scopes if s not in consent.scopes]:
                return error_response(403, "access_denied", f"The token lacks the scope(s): {' '.join(missing)}.")
            if failure := _bank_fault(consent):
                return failure
            book = build_book(consent.institution_slug, consent.username, clock.today(),
                              is_main_bank(consent.username, consent.institution_slug))
            results = fn(request, consent=consent, book=book, now=now, **kwargs)
            if isinstance(results, HttpResponse):
                return results
            if fault_for(consent.username) == Fault.MALFORMED:
                return HttpResponse(MALFORMED_BODY, content_type="application/json")
            return JsonResponse({"results": results, "status": "Succeeded"},
                                headers={"X-Request-Id": str(uuid.uuid4())})

        return view

    return decorate


def _find(book: Book, account_id: str, *, cards: bool) -> AccountSnapshot | HttpResponse:
    for snapshot in book.accounts:
        if snapshot.account.is_card == cards and render.account_id(book, snapshot.account.key) == account_id:
            return snapshot
    return error_response(404, "account_not_found", f"{'Card' if cards else 'Account'} {account_id} not found.")


def _window(request: HttpRequest) -> tuple[datetime | None, datetime | None] | HttpResponse:
    """`from`/`to` as ISO dates or datetimes, both inclusive; a bare date spans its whole day."""
    bounds = []
    for name, day_time in (("from", time.min), ("to", time.max)):
        raw = request.GET.get(name)
        if not raw:
            bounds.append(None)
            continue
        try:
            # A bare date first: parse_datetime() would read "2026-01-31" as midnight.
            day = parse_date(raw)
            moment = None if day else parse_datetime(raw)
        except ValueError:
            moment = day = None
        if moment is None and day is None:
            return error_response(400, "validation_error", f"'{name}' must be an ISO-8601 date or datetime.")
        moment = moment or datetime.combine(day, day_time)
        bounds.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
        return error_response(400, "invalid_date_range", "'from' must not be after 'to'.")
    return bounds[0], bounds[1]


def booked_history(book: Book, snapshot: AccountSnapshot) -> tuple[Transaction, ...]:
    """The booked lines TrueLayer serves before `from`/`to`: its history is a range of
    `timestamp`s (when the person paid, not when it booked), from the bank's first day."""
    return snapshot.booked_paid_since(book.history_start)


def _transactions(request: HttpRequest, book: Book, snapshot: AccountSnapshot, *, pending: bool):
    lines = snapshot.pending if pending else booked_history(book, snapshot)
    if not pending:
        window = _window(request)
        if isinstance(window, HttpResponse):
            return window
        start, end = window
        lines = [t for t in lines if (start is None or t.timestamp >= start) and (end is None or t.timestamp <= end)]
    return [render.transaction(book, line, is_card=snapshot.account.is_card) for line in lines]


# --- endpoints ---------------------------------------------------------------------------------
@data_endpoint()
def me(request, *, consent, book, now):
    return [{
        "client_id": sandbox_client_id(),
        "credentials_id": str(consent.id),
        "consent_status": "Authorised",
        "consent_status_updated_at": consent.authorised_at.isoformat(),
        "consent_created_at": consent.authorised_at.isoformat(),
        "consent_expires_at": consent.expires_at.isoformat(),
        "provider": render.provider(institution_by_slug(consent.institution_slug), request),
        "scopes": consent.scopes,
    }]


@data_endpoint("info")
def info(request, *, consent, book, now):
    person = book.identity
    return [{
        "full_name": person.full_name,
        "date_of_birth": f"{person.date_of_birth.isoformat()}T00:00:00",
        "addresses": [{"address": person.street, "city": person.city, "zip": person.postcode,
                       "country": person.country}],
        "emails": [person.email],
        "phones": [person.phone],
        "update_timestamp": now.isoformat(),
    }]


@data_endpoint("accounts")
def accounts(request, *, consent, book, now):
    return [render.account(book, s, request, now) for s in book.accounts if not s.account.is_card]


@data_endpoint("accounts")
def account(request, *, consent, book, now, account_id):
    snapshot = _find(book, account_id, cards=False)
    return snapshot if isinstance(snapshot, HttpResponse) else [render.account(book, snapshot, request, now)]


@data_endpoint("accounts", "balance")
def account_balance(request, *, consent, book, now, account_id):
    snapshot = _find(book, account_id, cards=False)
    return snapshot if isinstance(snapshot, HttpResponse) else [render.balance(snapshot, now)]


@data_endpoint("accounts", "transactions")
def account_transactions(request, *, consent, book, now, account_id):
    snapshot = _find(book, account_id, cards=False)
    return snapshot if isinstance(snapshot, HttpResponse) else _transactions(request, book, snapshot, pending=False)


@data_endpoint("accounts", "transactions")
def account_pending_transactions(request, *, consent, book, now, account_id):
    snapshot = _find(book, account_id, cards=False)
    return snapshot if isinstance(snapshot, HttpResponse) else _transactions(request, book, snapshot, pending=True)


@data_endpoint("cards")
def cards(request, *, consent, book, now):
    return [render.card(book, s, request, now) for s in book.accounts if s.account.is_card]


@data_endpoint("cards")
def card(request, *, consent, book, now, account_id):
    snapshot = _find(book, account_id, cards=True)
    return snapshot if isinstance(snapshot, HttpResponse) else [render.card(book, snapshot, request, now)]


@data_endpoint("cards", "balance")
def card_balance(request, *, consent, book, now, account_id):
    snapshot = _find(book, account_id, cards=True)
    return snapshot if isinstance(snapshot, HttpResponse) else [render.card_balance(snapshot, now)]


@data_endpoint("cards", "transactions")
def card_transactions(request, *, consent, book, now, account_id):
    snapshot = _find(book, account_id, cards=True)
    return snapshot if isinstance(snapshot, HttpResponse) else _transactions(request, book, snapshot, pending=False)


@data_endpoint("cards", "transactions")
def card_pending_transactions(request, *, consent, book, now, account_id):
    snapshot = _find(book, account_id, cards=True)
    return snapshot if isinstance(snapshot, HttpResponse) else _transactions(request, book, snapshot, pending=True)
