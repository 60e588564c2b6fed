"""GoCardless Bank Account Data v2 management endpoints: institutions, end-user agreements and
requisitions, mounted at /sandbox/gocardless/api/v2/. Account data lives in accounts.py, the
end user's link pages in link.py."""

from __future__ import annotations

import uuid
from datetime import datetime
from urllib.parse import urlsplit

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_http_methods

from sandbox import clock
from sandbox.consents import ConsentState, consent_revoke, consent_state
from sandbox.institutions import INSTITUTIONS, institution_by_gocardless_id
from sandbox.models import GoCardlessAgreement, GoCardlessRequisition
from sandbox.redirects import redirect_uri_allowed

from . import render
from .auth import api_endpoint, request_data
from .render import (
    ACCESS_SCOPES,
    MAX_ACCESS_VALID_FOR_DAYS,
    TRANSACTION_TOTAL_DAYS,
    error_response,
    field_errors,
)

PAGE_LIMIT = 100


def parse_uuid(value: str, kind: str) -> uuid.UUID | JsonResponse:
    try:
        return uuid.UUID(value)
    except ValueError:
        return error_response(400, f"Invalid {kind} ID", f"{value} is not a valid {kind} UUID. Please check the ID.")


def requisition_status(row: GoCardlessRequisition, now: datetime) -> str:
    """Linked requisitions turn EX once their agreement's access period has run out."""
    if row.status == GoCardlessRequisition.Status.LINKED and row.consent:
        if row.consent.expires_at <= now:
            return GoCardlessRequisition.Status.EXPIRED
    return row.status


def _paginate(request: HttpRequest, items: list, serialize) -> JsonResponse:
    try:
        limit = max(1, min(int(request.GET.get("limit", PAGE_LIMIT)), PAGE_LIMIT))
        offset = max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        return error_response(400, "Invalid pagination", "limit and offset must be integers.")

    def page_url(at: int) -> str:
        return request.build_absolute_uri(f"{request.path}?limit={limit}&offset={at}")

    return JsonResponse({
        "count": len(items),
        "next": page_url(offset + limit) if offset + limit < len(items) else None,
        "previous": page_url(max(0, offset - limit)) if offset > 0 else None,
        "results": [serialize(item) for item in items[offset:offset + limit]],
    })


# --- institutions ------------------------------------------------------------------------------
@require_GET
@api_endpoint
def institutions(request: HttpRequest) -> JsonResponse:
    country = request.GET.get("country", "").upper()
    found = [i for i in INSTITUTIONS if not country or i.country == country]
    return JsonResponse([render.institution(i, request) for i in found], safe=False)


@require_GET
@api_endpoint
def institution(request: HttpRequest, institution_id: str) -> JsonResponse:
    inst = institution_by_gocardless_id(institution_id)
    if inst is None:
        return render.not_found(f"Institution {institution_id} not found.")
    return JsonResponse(render.institution(inst, request, detail=True))


# --- end-user agreements -----------------------------------------------------------------------
def _int_field(data, name: str, default: int, low: int, high: int, errors: dict) -> int:
    try:
        value = int(data.get(name, default))
    except (TypeError, ValueError):
        value = low - 1
    if not low <= value <= high:
        errors[name] = f"{name} must be > 0 and <= {high}"
    return value


def _agreement_from(data) -> GoCardlessAgreement | JsonResponse:
    errors: dict[str, str] = {}
    inst = institution_by_gocardless_id(str(data.get("institution_id", "")))
    if inst is None:
        errors["institution_id"] = "Unknown institution_id. Use GET /institutions/ to find one."
    history = _int_field(data, "max_historical_days", 90, 1, TRANSACTION_TOTAL_DAYS, errors)
    valid_for = _int_field(data, "access_valid_for_days", 90, 1, MAX_ACCESS_VALID_FOR_DAYS, errors)
    scope = data.getlist("access_scope") if hasattr(data, "getlist") else data.get("access_scope")
    scope = list(scope or ACCESS_SCOPES)
    if not scope or set(scope) - set(ACCESS_SCOPES):
        errors["access_scope"] = f"Choose from {', '.join(ACCESS_SCOPES)}."
    if errors:
        return field_errors(errors)
    return GoCardlessAgreement.objects.create(
        created=clock.now(), institution_id=inst.gocardless_id, max_historical_days=history,
        access_valid_for_days=valid_for, access_scope=scope)


@require_http_methods(["GET", "POST"])
@api_endpoint
def agreements(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        created = _agreement_from(request_data(request))
        if isinstance(created, JsonResponse):
            return created
        return JsonResponse(render.agreement(created), status=201)
    return _paginate(request, list(GoCardlessAgreement.objects.all()), render.agreement)


@require_http_methods(["GET", "DELETE"])
@api_endpoint
def agreement(request: HttpRequest, agreement_id: str) -> JsonResponse:
    parsed = parse_uuid(agreement_id, "EndUserAgreement")
    if isinstance(parsed, JsonResponse):
        return parsed
    row = GoCardlessAgreement.objects.filter(pk=parsed).first()
    if row is None:
        return render.not_found(f"End User Agreement {agreement_id} not found.")
    if request.method == "GET":
        return JsonResponse(render.agreement(row))
    if row.accepted:
        return error_response(400, "Couldn't delete End User Agreement",
                              f"End User Agreement {row.id} has been accepted. Delete its requisition instead.")
    row.delete()
    return JsonResponse({"summary": "End User Agreement deleted",
                         "detail": f"End User Agreement {agreement_id} deleted"})


# --- requisitions ------------------------------------------------------------------------------
def _requisition_from(request: HttpRequest, data) -> GoCardlessRequisition | JsonResponse:
    errors: dict[str, str] = {}
    redirect = urlsplit(str(data.get("redirect", "")))
    if redirect.scheme not in ("http", "https") or not redirect.netloc:
        errors["redirect"] = "This field is required and must be an absolute URL."
    # Real GoCardless takes any redirect, trusting whoever holds the secret key; the sandbox's
    # key is a public default, so its link pages would be an open redirect without this.
    elif not redirect_uri_allowed(str(data["redirect"]), request, provider="gocardless"):
        errors["redirect"] = "This redirect is not registered for the sandbox client (see SANDBOX_REDIRECT_URIS)."
    inst = institution_by_gocardless_id(str(data.get("institution_id", "")))
    if inst is None:
        errors["institution_id"] = "Unknown institution_id. Use GET /institutions/ to find one."
    reference = str(data.get("reference") or "")
    if len(reference) > 256:
        errors["reference"] = "Ensure this field has no more than 256 characters."
    elif reference and GoCardlessRequisition.objects.filter(reference=reference).exists():
        errors["reference"] = f"Provided reference '{reference}' is already used. Reference must be unique."
    if errors:
        return field_errors(errors)
    agreement_row = None
    if data.get("agreement"):
        parsed = parse_uuid(str(data["agreement"]), "EndUserAgreement")
        if isinstance(parsed, JsonResponse):
            return parsed
        agreement_row = GoCardlessAgreement.objects.filter(pk=parsed).first()
        if agreement_row is None:
            return render.not_found(f"End User Agreement {parsed} not found.")
        if agreement_row.institution_id != inst.gocardless_id:
            return error_response(
                400, "Incorrect Institution ID",
                f"Provided Institution ID: '{inst.gocardless_id}' for requisition does not match EUA institution "
                f"ID '{agreement_row.institution_id}'. Please provide correct institution ID: "
                f"'{agreement_row.institution_id}'")
    else:  # GoCardless applies a default agreement: 90 days of history and access, every scope
        agreement_row = GoCardlessAgreement.objects.create(
            created=clock.now(), institution_id=inst.gocardless_id, access_scope=list(ACCESS_SCOPES))
    requisition_id = uuid.uuid4()
    return GoCardlessRequisition.objects.create(
        id=requisition_id, created=clock.now(), redirect=str(data["redirect"]), institution_id=inst.gocardless_id,
        agreement=agreement_row, reference=reference or str(requisition_id),
        user_language=str(data.get("user_language") or "EN").upper(),
        account_selection=str(data.get("account_selection", "")).lower() == "true",
        redirect_immediate=str(data.get("redirect_immediate", "")).lower() == "true")


@require_http_methods(["GET", "POST"])
@api_endpoint
def requisitions(request: HttpRequest) -> JsonResponse:
    now = clock.now()
    if request.method == "POST":
        created = _requisition_from(request, request_data(request))
        if isinstance(created, JsonResponse):
            return created
        return JsonResponse(render.requisition(created, request, requisition_status(created, now)), status=201)
    rows = list(GoCardlessRequisition.objects.filter(deleted_at__isnull=True).select_related("consent"))
    return _paginate(request, rows, lambda row: render.requisition(row, request, requisition_status(row, now)))


@require_http_methods(["GET", "DELETE"])
@api_endpoint
def requisition(request: HttpRequest, requisition_id: str) -> JsonResponse:
    parsed = parse_uuid(requisition_id, "Requisition")
    if isinstance(parsed, JsonResponse):
        return parsed
    row = (GoCardlessRequisition.objects.filter(pk=parsed, deleted_at__isnull=True)
           .select_related("consent").first())
    if row is None:
        return render.not_found(f"Requisition {requisition_id} not found.")
    now = clock.now()
    if request.method == "GET":
        return JsonResponse(render.requisition(row, request, requisition_status(row, now)))
    # Deleting a requisition deletes its agreement too, and the accounts stop answering.
    if row.consent and consent_state(row.consent, now) != ConsentState.REVOKED:
        consent_revoke(row.consent, now)
    GoCardlessAgreement.objects.filter(pk=row.agreement_id).delete()
    GoCardlessRequisition.objects.filter(pk=row.pk).update(deleted_at=now)
    return JsonResponse({"summary": "Requisition deleted",
                         "detail": f"Requisition {requisition_id} deleted with all its End User Agreements"})
