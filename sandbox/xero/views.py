"""The mock Xero's own page (/sandbox/xero/): the organisations shared with the app and the
bank transactions written to them, with the person's actions in Xero as buttons: edit a
pushed transaction in the books (the conflict case) and remove an organisation from the app."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .books import books_edit, tenant_remove
from .identity import FAULT_LOGINS
from .models import XeroBankTransaction, XeroTenant


def index(request: HttpRequest) -> HttpResponse:
    tenants = XeroTenant.objects.select_related("grant").order_by("-created_at")[:20]
    pushed = XeroBankTransaction.objects.exclude(reference="").order_by("-updated_at")[:50]
    return render(request, "sandbox/xero/index.html", {"tenants": tenants, "pushed": pushed,
                                                       "fault_logins": FAULT_LOGINS})


@require_POST
def edit(request: HttpRequest, tenant_id: str, reference: str) -> HttpResponse:
    books_edit(tenant_id, reference, description=request.POST.get("description") or "Edited in Xero",
               amount=Decimal(request.POST["amount"]) if request.POST.get("amount") else None)
    return redirect("sandbox:xero-index")


@require_POST
def remove(request: HttpRequest, tenant_id: str) -> HttpResponse:
    tenant_remove(tenant_id)
    return redirect("sandbox:xero-index")
