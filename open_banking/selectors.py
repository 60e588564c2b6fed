"""Queries for bank data. Everything a person can see is scoped to them here, so a view can
never leak another user's rows by forgetting a filter."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from integrations_core.models import ConnectionStatus
from integrations_core.selectors import sync_runs_for_connection

from .models import BalanceSnapshot, BankAccount, BankConnection, BankTransaction, Institution

if TYPE_CHECKING:
    from integrations_core.models import SyncRun


def institution_list(*, provider: str | None = None, country: str | None = None) -> QuerySet[Institution]:
    qs = Institution.objects.filter(is_active=True)
    if provider:
        qs = qs.filter(provider=provider)
    if country:
        qs = qs.filter(country=country.upper())
    return qs


def institution_get(provider: str, external_id: str) -> Institution | None:
    if not external_id:
        return None
    return Institution.objects.filter(provider=provider, external_id=external_id).first()


def bank_connection_list(user) -> QuerySet[BankConnection]:
    return BankConnection.objects.filter(user=user)


def bank_connection_get(user, pk) -> BankConnection:
    return get_object_or_404(BankConnection, pk=pk, user=user)


def bank_connection_sync_runs(connection: BankConnection) -> QuerySet[SyncRun]:
    return sync_runs_for_connection(connection).order_by("-started_at")


def bank_account_list(user) -> QuerySet[BankAccount]:
    return BankAccount.objects.filter(connection__user=user).select_related("connection")


def bank_account_get(user, pk) -> BankAccount:
    return get_object_or_404(bank_account_list(user), pk=pk)


def bank_account_id_get(user, pk) -> UUID:
    """The id of the person's account `pk` (Http404 if it is not theirs): for a list under one
    account, which needs the check, not the account (loading it with its connection decrypted
    the connection's tokens on every page)."""
    found = BankAccount.objects.filter(connection__user=user, pk=pk).values_list("pk", flat=True).first()
    if found is None:
        raise Http404("No BankAccount matches the given query.")
    return found


# --- what money totals count ------------------------------------------------------------------
# One rule for every query that sums money (budget summaries and alerts, spending summaries,
# recurring-payment detection, the dashboard's totals and balance chart): a disconnected
# (revoked) connection's accounts and transactions are history. They are kept for the retention
# period, listed and exported, but never counted as current money: otherwise reconnecting the
# same bank would count every payment twice until the purge. (Reconnecting re-attaches such an
# account to the new connection instead, see integrations_core/services/reattach.py; then it
# counts again, once.)
def _history(prefix: str = "") -> Q:
    return Q(**{f"{prefix}connection__status": ConnectionStatus.REVOKED})


def bank_accounts_counted(user) -> QuerySet[BankAccount]:
    """The person's accounts whose balances and transactions count in totals."""
    return BankAccount.objects.filter(connection__user=user).exclude(_history())


def bank_transactions_counted(user) -> QuerySet[BankTransaction]:
    """The person's transactions that count in totals (every money-summing query starts here)."""
    return BankTransaction.objects.filter(account__connection__user=user).exclude(_history("account__"))


def bank_accounts_by_external_id(connection: BankConnection) -> dict[str, BankAccount]:
    return {a.external_id: a for a in BankAccount.objects.filter(connection=connection)}


# What a transaction list never shows: the provider's raw payload (JSON parsed on every row
# otherwise) and the connection's tokens and credentials, which are encrypted: loading them
# decrypted three fields per row of every page, a third of the page's time.
TRANSACTION_LIST_DEFERRED = ("raw", "locked_fields", "fingerprint")
CONNECTION_SECRETS = ("access_token", "refresh_token", "credentials", "sync_state")


def bank_transaction_list(user, *, account: BankAccount | None = None) -> QuerySet[BankTransaction]:
    """The person's transactions. Their accounts (with the connection) come in one more query
    for the whole page, shared by its rows: a join would build and convert an account and a
    connection for each of the 50 rows, for the few a person has."""
    accounts = BankAccount.objects.select_related("connection").defer(
        "raw", *(f"connection__{name}" for name in CONNECTION_SECRETS))
    qs = (BankTransaction.objects.filter(account__connection__user=user).defer(*TRANSACTION_LIST_DEFERRED)
          .prefetch_related(Prefetch("account", queryset=accounts)))
    if account is not None:
        qs = qs.filter(account=account)
    return qs


def bank_transaction_rows(user, *, account: BankAccount | None = None,
                          account_id: UUID | None = None) -> QuerySet[BankTransaction]:
    """The person's transactions as a list shows them (the API): the account's name, its
    connection and the connection's provider are read in the rows' own query, as
    `listed_account_name`, `listed_connection_id` and `listed_provider`, over the joins the
    person filter makes anyway. No second query, and no account and connection built per page,
    which was a third of a page's CPU. A row's `account` still loads on demand if anything asks."""
    qs = (BankTransaction.objects.filter(account__connection__user=user).defer(*TRANSACTION_LIST_DEFERRED)
          .annotate(listed_account_name=F("account__name"), listed_connection_id=F("account__connection_id"),
                    listed_provider=F("account__connection__provider")))
    if account is not None:
        qs = qs.filter(account=account)
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    return qs


def balance_history(account: BankAccount, *, date_from: date | None = None,
                    date_to: date | None = None) -> QuerySet[BalanceSnapshot]:
    qs = BalanceSnapshot.objects.filter(account=account)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return qs.order_by("date")
