"""What the payments family offers the reconciliation (reconciliation/registry.py), built on
this family's models only, so every processor (Stripe, PayPal) feeds it the same way:

- PAYOUT items: each payout on its way to (or in) the bank, dated by its arrival date, with the
  text the bank statement shows (the statement descriptor) as its reference. Failed and
  cancelled payouts never reach a bank and are not offered.
- CHARGE items: each card payment, dated the day it was taken, with the invoice number it
  carries as its reference, in the currency the customer paid (what the invoice says).
- IncomeLine per processor and settlement currency: gross, fees, refunds, disputes, net."""

from __future__ import annotations

from datetime import date

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from integrations_core.models import ConnectionStatus
from integrations_core.providers.registry import UnknownProvider, registry
from reconciliation.registry import (
    IncomeLine,
    ItemKind,
    ReconItem,
    register_counterparts,
    register_income,
    register_items,
)

from . import selectors
from .models import BalanceTransaction, PaymentsConnection, Payout

UNBANKED = ("failed", "canceled")


def processor_name(slug: str) -> str:
    try:
        return registry.get(slug).name
    except UnknownProvider:
        return slug.replace("_", " ").title()


def _url(name: str, pk) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def payout_item(payout: Payout) -> ReconItem:
    name = processor_name(payout.account.connection.provider)
    return ReconItem(kind=ItemKind.PAYOUT, key=f"payments.payout:{payout.pk}", date=payout.arrival_date,
                     amount=payout.amount, currency=payout.currency, reference=payout.reference, counterparty=name,
                     label=f"{name} payout {payout.external_id}", source=name,
                     url=_url("web:payments-payout", payout.pk))


def charge_item(row: BalanceTransaction) -> ReconItem:
    name = processor_name(row.account.connection.provider)
    amount, currency = ((row.original_amount, row.original_currency) if row.original_amount is not None
                        and row.original_currency else (row.amount, row.currency))
    return ReconItem(kind=ItemKind.CHARGE, key=f"payments.balancetransaction:{row.pk}",
                     date=timezone.localdate(row.occurred_at), amount=abs(amount), currency=currency,
                     reference=row.reference, counterparty=row.counterparty,
                     label=f"{name} charge {row.source_id or row.external_id}", source=name,
                     url=_url("web:payments-transactions", row.account_id))


@register_counterparts
def payments_counterparts(user_id) -> bool:
    """Whether the person has payouts or charges a bank row may match: a processor connection
    not revoked (a revoked one's items are not offered, below; a run still drops their open
    matches, reconciliation.hooks.reconciliation_can_change)."""
    return PaymentsConnection.objects.filter(user_id=user_id).exclude(status=ConnectionStatus.REVOKED).exists()


@register_items
def payments_items(user, *, since: date, until: date):
    payouts = (selectors.payouts(user, date_from=since, date_to=until).exclude(status__in=UNBANKED)
               .exclude(account__connection__status="revoked"))
    for payout in payouts:
        yield payout_item(payout)
    charges = (selectors.balance_transactions(user, type="charge", date_from=since, date_to=until)
               .exclude(account__connection__status="revoked").select_related("account__connection"))
    for row in charges:
        yield charge_item(row)


@register_income
def payments_income(user, *, since: date, until: date):
    for line in selectors.income_by_processor(user, since=since, until=until):
        yield IncomeLine(source=processor_name(line["provider"]), currency=line["currency"], gross=line["gross"],
                         fees=line["fees"], refunds=line["refunds"], disputes=line["disputes"], net=line["net"],
                         count=line["count"])
