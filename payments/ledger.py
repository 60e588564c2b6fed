"""The payments family's cash ledger (see integrations_core/ledger.py).

A processor balance is money the business holds (available plus still settling), so each
processor account counts in net worth at its current balance, with its daily snapshots as
history. No movement counts: a charge is income the books and the dashboard report, and a
payout lands in the bank, where the bank's own credit already counts it. Not categorised."""

from __future__ import annotations

from django.db.models import QuerySet

from integrations_core.ledger import CashLedger
from integrations_core.models import ConnectionStatus
from integrations_core.providers.base import Family

from .models import BalanceTransaction, ProcessorAccount


def processor_accounts_counted(user) -> QuerySet[ProcessorAccount]:
    """The person's processor balances (a disconnected processor's are history)."""
    return (ProcessorAccount.objects.filter(connection__user=user, is_active=True)
            .exclude(connection__status=ConnectionStatus.REVOKED))


def processor_movements_counted(user) -> QuerySet[BalanceTransaction]:
    return BalanceTransaction.objects.none()


payments_ledger = CashLedger(
    family=Family.PAYMENTS,
    account_model="payments.ProcessorAccount",
    transaction_model="payments.BalanceTransaction",
    categorised=False,
    counted_accounts=processor_accounts_counted,
    counted_movements=processor_movements_counted,
)
