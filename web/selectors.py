"""Queries the pages need beyond the families' own selectors. Each takes the person and returns
only their rows, so a view cannot leak someone else's data by forgetting a filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Min, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from integrations_core.models import ConnectionStatus, SyncRun, TransactionStatus
from integrations_core.money import money_text
from integrations_core.providers.base import AuthType, Family, Provider
from integrations_core.selectors import providers_enabled, sync_run_observed, sync_runs_for_connection
from open_banking.models import (
    MANUAL_PROVIDER,
    BalanceSnapshot,
    BankAccount,
    BankAccountType,
    BankConnection,
    BankTransaction,
    Institution,
)
from open_banking.selectors import (
    bank_account_list,
    bank_accounts_counted,
    bank_connection_list,
    bank_transaction_list,
    institution_list,
)
from transactions.models import Budget, RecurringPayment
from transactions.selectors.amounts import amount_query, looks_like_amount
from transactions.selectors.listing import transactions_refine
from transactions.user_taxonomy import user_taxonomy

HISTORY_DAYS = 90


# --- connections ----------------------------------------------------------------------------
def bank_providers_available() -> list[Provider]:
    """Bank providers a person can connect through now (installed, configured, not switched off)."""
    # Statement files are imported from Accounts (web/views_bank_imports.py), not connected.
    return [p for p in providers_enabled() if p.family == Family.BANKING and p.auth_type != AuthType.FILE_UPLOAD]


def institution_search(*, provider: str, text: str = "") -> QuerySet[Institution]:
    queryset = institution_list(provider=provider)
    if text.strip():
        queryset = queryset.filter(name__icontains=text.strip())
    return queryset.order_by("name")


def connections_for_page(user) -> tuple[list[BankConnection], list[BankConnection]]:
    """(current, disconnected): the person's bank connections, newest first."""
    # The manual accounts' connection is not a bank to show (its accounts are on My accounts).
    rows = list(bank_connection_list(user).exclude(provider=MANUAL_PROVIDER).order_by("-created_at"))
    current = [c for c in rows if c.status != ConnectionStatus.REVOKED]
    revoked = [c for c in rows if c.status == ConnectionStatus.REVOKED]
    return current, revoked


def sync_run_get(connection, run_id) -> SyncRun:
    """One of the connection's runs (any family), as it really stands: one whose worker died
    shows as interrupted, one nobody has picked up for a while as waiting for a worker (before
    the sweep records either)."""
    return sync_run_observed(get_object_or_404(sync_runs_for_connection(connection), pk=run_id), connection)


def sync_run_latest(connection) -> SyncRun | None:
    run = sync_runs_for_connection(connection).order_by("-started_at").first()
    return sync_run_observed(run, connection) if run is not None else None


# --- accounts -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AccountRow:
    """One line of the accounts page: a connected bank account or a manual one."""

    id: str
    name: str
    is_manual: bool
    type_label: str
    institution: str
    currency: str
    balance: Decimal | None
    available: Decimal | None
    updated_at: datetime | None
    is_live: bool  # still updating from the bank
    detail: str = ""


def manual_account_list(user) -> QuerySet[BankAccount]:
    return bank_account_list(user).filter(connection__provider=MANUAL_PROVIDER).order_by("name", "created_at")


def manual_account_get(user, pk) -> BankAccount:
    return get_object_or_404(manual_account_list(user), pk=pk)


def account_rows(user) -> list[AccountRow]:
    types = dict(BankAccountType.choices)
    rows = []
    connected = bank_account_list(user).exclude(connection__provider=MANUAL_PROVIDER)
    for account in connected.order_by("connection__institution_name", "name"):
        connection = account.connection
        live = account.is_active and connection.status in (ConnectionStatus.ACTIVE, ConnectionStatus.ERROR)
        detail = ("" if live else "Disconnected: no longer updating" if connection.status == ConnectionStatus.REVOKED
                  else "Not updating: see Connections" if account.is_active else "No longer reported by the bank")
        if live and account.sync_state != "ok":
            detail = account.sync_error  # this account alone is failing, or its balance is stale
        rows.append(AccountRow(
            id=str(account.pk), name=account.name, is_manual=False, type_label=types.get(account.type, account.type),
            institution=connection.institution_name or connection.provider.title(), currency=account.currency,
            balance=account.current_balance, available=account.available_balance,
            # When we last fetched it, not the bank's reference date for the balance (GoCardless
            # dates balances yesterday): "Updated 22 hours ago" right after a sync misled people.
            updated_at=account.last_synced_at or account.balance_updated_at, is_live=live, detail=detail))
    for manual in manual_account_list(user):
        rows.append(AccountRow(
            id=str(manual.pk), name=manual.name, is_manual=True, type_label=types.get(manual.type, manual.type),
            institution="", currency=manual.currency, balance=manual.current_balance, available=None,
            updated_at=manual.balance_updated_at or manual.updated_at, is_live=True))
    return rows


def balance_history(account: BankAccount, *, days: int = HISTORY_DAYS, today: date | None = None
                    ) -> dict[date, Decimal]:
    """End-of-day balances for the last `days` days. Stored daily snapshots are the bank's own
    figures and win; days without one are worked back from the current balance through the booked
    transactions, so a newly connected account already has a history to draw."""
    if account.current_balance is None:
        return {}
    today = today or timezone.localdate()
    start = today - timedelta(days=days - 1)
    snapshots = dict(BalanceSnapshot.objects.filter(account=account, date__gte=start, current__isnull=False)
                     .values_list("date", "current"))
    booked = BankTransaction.objects.filter(account=account, status=TransactionStatus.BOOKED)
    moves = dict(booked.filter(booked_date__gt=start).values("booked_date").annotate(total=Sum("amount"))
                 .values_list("booked_date", "total"))
    first_seen = min([d for d in (booked.aggregate(first=Min("booked_date"))["first"],
                                  min(snapshots, default=None)) if d is not None], default=today)
    balance, series = account.current_balance, {}
    day = today
    while day >= start and day >= first_seen - timedelta(days=1):
        balance = snapshots.get(day, balance)
        series[day] = balance
        # Every balance (cards too: negative = owed) moves with the signed amounts.
        balance -= moves.get(day) or Decimal("0")  # the evening before
        day -= timedelta(days=1)
    return dict(sorted(series.items()))


def balance_chart(user, *, days: int = HISTORY_DAYS, today: date | None = None) -> dict:
    """Chart.js data: one line per connected account over the same run of days."""
    today = today or timezone.localdate()
    labels = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    datasets = []
    # The counted accounts: a disconnected bank's history is not a current balance.
    accounts = (bank_accounts_counted(user).filter(is_active=True).select_related("connection")
                .order_by("connection__institution_name", "name"))
    for account in accounts:
        history = balance_history(account, days=days, today=today)
        if not history:
            continue
        datasets.append({"label": f"{account.name} ({account.currency})",
                         "data": [money_text(history[d], account.currency) if d in history else None
                                  for d in labels]})
    return {"labels": [d.isoformat() for d in labels], "datasets": datasets}


# --- transactions ---------------------------------------------------------------------------
def transaction_search(user, *, account: str = "", date_from: date | None = None, date_to: date | None = None,
                       category: str = "", text: str = "", status: str = "", amount: str = "", tag: str = "",
                       hidden: str = "") -> QuerySet[BankTransaction]:
    """The filtered list. `text` that is an amount ("61.86", "-12.50", "50..100") searches
    amounts too; `amount` searches amounts only (see transactions/selectors/amounts.py)."""
    queryset = transactions_refine(bank_transaction_list(user), amount=amount, tag=tag, hidden=hidden)
    if account:
        queryset = queryset.filter(account_id=account)
    if date_from:
        queryset = queryset.filter(booked_date__gte=date_from)
    if date_to:
        queryset = queryset.filter(booked_date__lte=date_to)
    if category == "uncategorised":
        queryset = queryset.filter(category="")
    elif category:
        queryset = queryset.filter(category__in=user_taxonomy(user).codes_under(category) or [category])
    if text.strip():
        matches = Q(description__icontains=text.strip()) | Q(merchant_name__icontains=text.strip())
        if looks_like_amount(text):
            matches |= amount_query(text)
        queryset = queryset.filter(matches)
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-booked_date", "-created_at", "-id")


def transaction_accounts(user) -> QuerySet[BankAccount]:
    return bank_account_list(user).order_by("name")


# --- budgets --------------------------------------------------------------------------------
def budget_find(user, *, category: str, currency: str) -> Budget | None:
    return Budget.objects.filter(user=user, category=category, currency=currency).first()


def recurring_payment_list(user) -> QuerySet[RecurringPayment]:
    return (RecurringPayment.objects.filter(user=user, is_active=True).select_related("account")
            .order_by("next_expected_date", "name"))


# --- portfolio ------------------------------------------------------------------------------
# The portfolio's own queries live in investments/selectors.py (the API uses them too); these
# are only what the pages need beyond them.
def investment_providers_available() -> list[Provider]:
    """Investment platforms a person can connect or import from now."""
    return [p for p in providers_enabled() if p.family == Family.INVESTMENTS]


