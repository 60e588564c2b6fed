"""The only queries of the books worth a name. Everything is found through the person:
another person's organisation, account, invoice or pushed item is a 404."""

from __future__ import annotations

import uuid

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from .models import BooksConnection, Invoice, LedgerAccount, Organisation, PushedItem, PushRun, PushStatus

OPEN_STATUSES = ("authorised", "submitted")


def _uuid(pk) -> uuid.UUID:
    try:
        return uuid.UUID(str(pk))
    except ValueError:
        raise Http404("Not found") from None


def books_connections(user) -> QuerySet:
    return (BooksConnection.objects.filter(user=user).defer("access_token", "refresh_token", "credentials")
            .order_by("-created_at"))


def organisations(user, *, active_only: bool = False) -> QuerySet:
    rows = (Organisation.objects.filter(connection__user=user).exclude(connection__status="revoked")
            .select_related("connection")
            .annotate(conflict_count=Count("pushed_items", filter=Q(pushed_items__status=PushStatus.CONFLICT)))
            .order_by("-is_active", "name"))
    return rows.filter(is_active=True) if active_only else rows


def organisation_get(user, pk) -> Organisation:
    found = organisations(user).filter(pk=_uuid(pk)).first()
    if found is None:
        raise Http404("No such organisation")
    return found


def ledger_accounts(organisation: Organisation) -> QuerySet:
    return LedgerAccount.objects.filter(organisation=organisation).order_by("code", "name")


def invoices(user, *, kind: str | None = None, outstanding: bool = False) -> QuerySet:
    rows = (Invoice.objects.filter(organisation__connection__user=user).select_related("organisation")
            .prefetch_related("payments").order_by("due_date", "number"))
    if kind:
        rows = rows.filter(kind=kind)
    if outstanding:
        rows = rows.filter(status__in=OPEN_STATUSES, amount_due__gt=0)
    return rows


def pushed_items(user, *, organisation: Organisation | None = None, status: str | None = None) -> QuerySet:
    rows = PushedItem.objects.filter(organisation__connection__user=user).select_related("organisation", "transaction")
    if organisation is not None:
        rows = rows.filter(organisation=organisation)
    if status:
        rows = rows.filter(status=status)
    return rows


def pushed_item_get(user, pk) -> PushedItem:
    found = pushed_items(user).filter(pk=_uuid(pk)).first()
    if found is None:
        raise Http404("No such pushed item")
    return found


def push_runs(organisation: Organisation) -> QuerySet:
    return PushRun.objects.filter(organisation=organisation).order_by("-created_at")


def used_categories(user, source_accounts=None) -> set[str]:
    """Every category on the person's bank transactions (of the chosen accounts, when given)."""
    from transactions.selectors.transactions import bank_transactions_for_user

    rows = bank_transactions_for_user(user).exclude(category="")
    if source_accounts is not None:
        rows = rows.filter(account__in=source_accounts)
    return set(rows.values_list("category", flat=True).distinct())
