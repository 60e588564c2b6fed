"""What the books give the reconciliation (reconciliation/registry.py): each payment the books
record against a sales invoice (INVOICE_PAYMENT: the money the business received, told by the
invoice number) or a bill (BILL_PAYMENT), and the invoices and bills still unpaid. Found through
the person's own organisations; an organisation no longer shared still counts (its books were
true when read). Voided and deleted invoices give nothing."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from integrations_core.models import ConnectionStatus
from reconciliation.registry import (
    ItemKind,
    OutstandingItem,
    ReconItem,
    register_counterparts,
    register_items,
    register_outstanding,
)

from .models import BookPayment, BooksConnection, Invoice, InvoiceKind
from .selectors import OPEN_STATUSES

GONE = ("voided", "deleted", "draft")


@register_counterparts
def books_counterparts(user_id) -> bool:
    """Whether the person has invoice or bill payments a bank row may match: a books connection
    not revoked (a revoked one's payments are not offered, below; a run still drops their open
    matches, reconciliation.hooks.reconciliation_can_change)."""
    return BooksConnection.objects.filter(user_id=user_id).exclude(status=ConnectionStatus.REVOKED).exists()


@register_items
def book_payment_items(user, *, since: date, until: date):
    rows = (BookPayment.objects.filter(organisation__connection__user=user, paid_on__gte=since, paid_on__lte=until)
            .exclude(organisation__connection__status="revoked").exclude(invoice__status__in=GONE)
            .select_related("invoice", "organisation").order_by("paid_on", "pk"))
    url = reverse("web:accounting-invoices")
    for payment in rows:
        invoice = payment.invoice
        sale = invoice.kind == InvoiceKind.INVOICE
        yield ReconItem(
            kind=ItemKind.INVOICE_PAYMENT if sale else ItemKind.BILL_PAYMENT,
            key=f"accounting.bookpayment:{payment.pk}", date=payment.paid_on, amount=abs(payment.amount),
            currency=payment.currency, reference=invoice.number or payment.reference,
            counterparty=invoice.contact_name,
            label=f"{'Invoice' if sale else 'Bill'} {invoice.number} paid by {invoice.contact_name}" if sale
            else f"Bill {invoice.number} paid to {invoice.contact_name}",
            source=payment.organisation.name, url=url)


@register_outstanding
def unpaid_invoices(user, *, today: date):
    rows = (Invoice.objects.filter(organisation__connection__user=user, status__in=OPEN_STATUSES, amount_due__gt=0)
            .exclude(organisation__connection__status="revoked").select_related("organisation")
            .order_by("due_date", "number"))
    for invoice in rows:
        yield OutstandingItem(key=f"accounting.invoice:{invoice.pk}", kind=invoice.kind, number=invoice.number,
                              contact=invoice.contact_name, currency=invoice.currency, amount_due=invoice.amount_due,
                              due_date=invoice.due_date, source=invoice.organisation.name)
