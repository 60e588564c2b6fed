"""Test and demo helpers acting as the person in Xero: edit a bank transaction in the books
(after the platform pushed it: the conflict case) and remove an organisation from the app
(Settings > Connected apps > Disconnect in Xero: it leaves /connections)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from . import data
from .api import updated_of
from .models import XeroBankTransaction, XeroTenant


def books_edit(tenant_id: str, reference: str, *, description: str | None = None, amount: Decimal | None = None,
               account_code: str | None = None, delete: bool = False) -> dict:
    """Change the bank transaction holding our `reference` as a bookkeeper would in Xero; its
    UpdatedDateUTC moves on. Returns its new body."""
    with transaction.atomic():
        row = XeroBankTransaction.objects.select_for_update().get(tenant_id=tenant_id, reference=reference)
        body = dict(row.body)
        line = dict(body["LineItems"][0])
        if description is not None:
            line["Description"] = description
        if amount is not None:
            line["UnitAmount"] = line["LineAmount"] = float(amount)
            body["SubTotal"] = body["Total"] = float(amount)
        if account_code is not None:
            line["AccountCode"] = account_code
        body["LineItems"] = [line, *body["LineItems"][1:]]
        if delete:
            body["Status"] = "DELETED"
        now = max(timezone.now(), updated_of(body) + timedelta(milliseconds=1))
        body["UpdatedDateUTC"] = data.wcf(now)
        row.body, row.updated_at = body, now
        row.save(update_fields=["body", "updated_at"])
    return body


def tenant_remove(tenant_id: str) -> int:
    """The person disconnects the app from this organisation: every grant stops reaching it."""
    return XeroTenant.objects.filter(tenant_id=tenant_id, removed_at__isnull=True).update(removed_at=timezone.now())
