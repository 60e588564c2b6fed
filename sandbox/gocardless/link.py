"""The page a requisition's `link` opens (ob.gocardless.com/psd2/start/<id>/<INSTITUTION>):
the mock bank's login, then consent. Allow links the requisition (LN, accounts attached) and
redirects to `redirect?ref=<reference>`; Cancel rejects it (RJ) and redirects with
`error=UserCancelledSession`."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from sandbox import clock
from sandbox.consents import consent_create
from sandbox.data import build_book
from sandbox.forms import BankLoginForm
from sandbox.institutions import institution_by_gocardless_id
from sandbox.models import Consent, GoCardlessAccount, GoCardlessRequisition
from sandbox.pages import consent_page, error_page, login_page, redirect_with_params

from .render import account_uuid

PROVIDER_NAME = "GoCardless"
Status = GoCardlessRequisition.Status
OPEN_STATUSES = (Status.CREATED, Status.GIVING_CONSENT, Status.UNDERGOING_AUTHENTICATION)
SCOPE_DESCRIPTIONS = {"details": "Your account details", "balances": "Your balances",
                      "transactions": "Your transactions"}


def _open_requisition(request: HttpRequest, requisition_id) -> GoCardlessRequisition | HttpResponse:
    row = (GoCardlessRequisition.objects.select_related("agreement")
           .filter(pk=requisition_id, deleted_at__isnull=True).first())
    if row is None:
        return error_page(request, "Link not found", "This link is not valid. Start again from the app.", 404)
    if row.status not in OPEN_STATUSES:
        return error_page(request, "Link already used", "This link has already been used. Start again from the app.")
    return row


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, requisition_id, institution_id: str) -> HttpResponse:
    row = _open_requisition(request, requisition_id)
    if isinstance(row, HttpResponse):
        return row
    institution = institution_by_gocardless_id(institution_id)
    if institution is None or institution_id != row.institution_id:
        return error_page(request, "Wrong institution", "This link does not belong to that institution.")
    form = BankLoginForm(request.POST or None, fixed_institution=institution.slug)
    if request.method == "POST" and form.is_valid():
        row.username = form.cleaned_data["username"]
        row.status = Status.UNDERGOING_AUTHENTICATION
        row.save(update_fields=["username", "status"])
        return redirect("sandbox:gocardless:consent", requisition_id=row.id)
    if row.status == Status.CREATED:
        row.status = Status.GIVING_CONSENT
        row.save(update_fields=["status"])
    return login_page(request, form, provider_name=PROVIDER_NAME, institution=institution)


@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, requisition_id) -> HttpResponse:
    row = _open_requisition(request, requisition_id)
    if isinstance(row, HttpResponse):
        return row
    if not row.username:
        return redirect("sandbox:gocardless:link", requisition_id=row.id, institution_id=row.institution_id)
    institution = institution_by_gocardless_id(row.institution_id)
    agreement = row.agreement
    scopes = agreement.access_scope if agreement else list(SCOPE_DESCRIPTIONS)
    valid_for_days = agreement.access_valid_for_days if agreement else 90
    now = clock.now()
    if request.method == "GET":
        return consent_page(request, provider_name=PROVIDER_NAME, institution=institution, username=row.username,
                            permissions=[SCOPE_DESCRIPTIONS[s] for s in scopes],
                            expires_at=now + timedelta(days=valid_for_days), today=clock.today())
    if request.POST.get("decision") != "allow":
        row.status = Status.REJECTED
        row.save(update_fields=["status"])
        return redirect_with_params(row.redirect, ref=row.reference, error="UserCancelledSession")
    with transaction.atomic():
        row.consent = consent_create(provider=Consent.Provider.GOCARDLESS, institution_slug=institution.slug,
                                     username=row.username, scopes=scopes, now=now, valid_for_days=valid_for_days)
        row.status = Status.LINKED
        row.save(update_fields=["consent", "status"])
        if agreement:
            agreement.accepted = now
            agreement.save(update_fields=["accepted"])
        book = build_book(institution.slug, row.username, clock.today())
        GoCardlessAccount.objects.bulk_create([
            GoCardlessAccount(id=account_uuid(row.id, s.account.key), requisition=row, consent=row.consent,
                              account_key=s.account.key, created=now)
            for s in book.accounts
        ])
    return redirect_with_params(row.redirect, ref=row.reference)
