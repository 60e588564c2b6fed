"""The only code in the payments family that builds non-trivial queries. Everything is found
through the person (connection__user), so another person's id is simply not there (a 404)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from integrations_core.models import ConnectionStatus

from .models import BalanceTransaction, Dispute, PaymentsConnection, Payout, ProcessorAccount

ZERO = Decimal(0)
OPEN_DISPUTE = ("warning_needs_response", "needs_response", "warning_under_review", "under_review")


def processor_connections(user) -> QuerySet[PaymentsConnection]:
    return PaymentsConnection.objects.filter(user=user).exclude(status=ConnectionStatus.REVOKED)


def processor_accounts(user) -> QuerySet[ProcessorAccount]:
    return (ProcessorAccount.objects.filter(connection__user=user).select_related("connection")
            .order_by("connection__provider", "currency"))


def balance_transactions(user, *, account=None, type: str = "", status: str = "", currency: str = "",
                         payout=None, date_from: date | None = None, date_to: date | None = None,
                         search: str = "") -> QuerySet[BalanceTransaction]:
    rows = BalanceTransaction.objects.filter(account__connection__user=user).select_related("account", "payout")
    if account is not None:
        rows = rows.filter(account=account)
    if type:
        rows = rows.filter(type=type)
    if status:
        rows = rows.filter(status=status)
    if currency:
        rows = rows.filter(currency=currency.upper())
    if payout is not None:
        rows = rows.filter(payout=payout)
    if date_from is not None:
        rows = rows.filter(occurred_at__date__gte=date_from)
    if date_to is not None:
        rows = rows.filter(occurred_at__date__lte=date_to)
    if search:
        rows = rows.filter(Q(description__icontains=search) | Q(reference__icontains=search)
                           | Q(counterparty__icontains=search) | Q(source_id=search) | Q(external_id=search))
    return rows.order_by("-occurred_at", "-id")


def payouts(user, *, status: str = "", date_from: date | None = None, date_to: date | None = None) -> QuerySet[Payout]:
    rows = (Payout.objects.filter(account__connection__user=user).select_related("account", "account__connection")
            .annotate(transaction_count=Count("balance_transactions")))
    if status:
        rows = rows.filter(status=status)
    if date_from is not None:
        rows = rows.filter(arrival_date__gte=date_from)
    if date_to is not None:
        rows = rows.filter(arrival_date__lte=date_to)
    return rows.order_by("-arrival_date", "-occurred_at")


def payout_get(user, pk) -> Payout | None:
    return payouts(user).filter(pk=pk).first()


def payout_contents(payout: Payout) -> QuerySet[BalanceTransaction]:
    """What a payout carried, without its own movement out of the balance."""
    return payout.balance_transactions.exclude(source_id=payout.external_id).order_by("-occurred_at", "-id")


def payout_totals(payout: Payout) -> dict[str, Decimal]:
    totals = payout_contents(payout).aggregate(gross=Coalesce(Sum("amount"), ZERO), fees=Coalesce(Sum("fee"), ZERO),
                                               net=Coalesce(Sum("net"), ZERO))
    return {**totals, "difference": payout.amount - totals["net"]}


def disputes(user, *, open_only: bool = False) -> QuerySet[Dispute]:
    rows = Dispute.objects.filter(account__connection__user=user).select_related("account", "account__connection")
    if open_only:
        rows = rows.filter(closed=False)
    return rows.order_by("closed", "evidence_due_by", "-occurred_at")


def income_by_processor(user, *, since: date, until: date) -> list[dict]:
    """Per processor (provider slug) and settlement currency over [since, until]: gross takings,
    what the processor kept, refunds, disputes (net of reversals) and what is left. Positive
    magnitudes; net = gross - fees - refunds - disputes."""
    rows = (BalanceTransaction.objects
            .filter(account__connection__user=user, occurred_at__date__gte=since, occurred_at__date__lte=until)
            .exclude(account__connection__status=ConnectionStatus.REVOKED)
            .values("account__connection__provider", "currency")
            .annotate(gross=Coalesce(Sum("amount", filter=Q(type="charge")), ZERO),
                      kept=Coalesce(Sum("fee", filter=~Q(type__in=("payout", "payout_failure"))), ZERO),
                      fee_rows=Coalesce(Sum("amount", filter=Q(type="fee")), ZERO),
                      refunds=Coalesce(Sum("amount", filter=Q(type="refund")), ZERO),
                      disputes=Coalesce(Sum("net", filter=Q(type__in=("dispute", "dispute_reversal"))), ZERO),
                      dispute_fees=Coalesce(Sum("fee", filter=Q(type__in=("dispute", "dispute_reversal"))), ZERO),
                      count=Count("id", filter=Q(type="charge")))
            .order_by("account__connection__provider", "currency"))
    lines = []
    for row in rows:
        fees = row["kept"] - row["fee_rows"]
        # A dispute's own fee is a fee, not part of the amount disputed.
        disputes_held = -(row["disputes"] + row["dispute_fees"])
        refunds = -row["refunds"]
        lines.append({"provider": row["account__connection__provider"], "currency": row["currency"],
                      "gross": row["gross"], "fees": fees, "refunds": refunds, "disputes": disputes_held,
                      "net": row["gross"] - fees - refunds - disputes_held, "count": row["count"]})
    return lines


def open_disputes_due(user, *, before) -> QuerySet[Dispute]:
    return disputes(user, open_only=True).filter(status__in=OPEN_DISPUTE, evidence_due_by__lte=before)
