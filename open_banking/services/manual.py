"""Accounts a person keeps by hand (cash, a loan, a mortgage, a house) and their transactions.

They are ordinary bank accounts under one connection per person whose provider is `manual`
(MANUAL_PROVIDER, never a registered provider, so never synced), so every list, budget, export
and the API treat them like connected ones, flagged `is_manual`. Only these accounts can be
changed by hand: a connected account's balance and rows are the bank's.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from integrations_core.models import ConnectionStatus, TransactionStatus
from integrations_core.person_cache import person_data_changed
from integrations_core.services.audit import audit_record

from ..models import (
    MANUAL_PROVIDER,
    OWED_TYPES,
    BalanceSnapshot,
    BankAccount,
    BankConnection,
    BankTransaction,
)


class NotManual(Exception):
    code = "not_manual"
    message = "Only an account you added by hand can be changed by hand."


def manual_connection_get(user) -> BankConnection:
    """The person's connection for manual accounts, created on first use."""
    connection, created = BankConnection.objects.get_or_create(
        user=user, provider=MANUAL_PROVIDER, defaults={"status": ConnectionStatus.ACTIVE,
                                                       "institution_name": "Added by you"})
    if created:
        audit_record("connection.created", connection=connection, actor=user, details={"manual": True})
    return connection


def signed_balance(account_type: str, balance: Decimal) -> Decimal:
    """What is owed on a loan, mortgage or card is stored negative, whichever sign was typed."""
    return -abs(balance) if account_type in OWED_TYPES else balance


def _check(account: BankAccount) -> None:
    if not account.is_manual:
        raise NotManual(NotManual.message)


def _snapshot(account: BankAccount, day: date) -> None:
    BalanceSnapshot.objects.update_or_create(account=account, date=day, defaults={
        "current": account.current_balance, "available": None, "currency": account.currency})


def manual_account_create(*, user, name: str, type: str, currency: str, balance: Decimal,
                          account_id: uuid.UUID | None = None) -> BankAccount:
    with transaction.atomic():
        connection = manual_connection_get(user)
        now = timezone.now()
        account = BankAccount.objects.create(
            id=account_id or uuid.uuid4(), connection=connection, external_id=f"manual-{uuid.uuid4()}",
            name=name.strip(), type=type, currency=currency.upper(), current_balance=signed_balance(type, balance),
            balance_updated_at=now, last_synced_at=None)
        _snapshot(account, timezone.localdate(now))
    person_data_changed(user.pk)
    return account


def manual_account_balance_update(account: BankAccount, *, balance: Decimal) -> BankAccount:
    """A new balance, kept in the daily history (the day's last figure wins)."""
    _check(account)
    with transaction.atomic():
        account.current_balance = signed_balance(account.type, balance)
        account.balance_updated_at = timezone.now()
        account.save(update_fields=["current_balance", "balance_updated_at", "updated_at"])
        _snapshot(account, timezone.localdate())
    person_data_changed(account.connection.user_id)
    return account


def manual_account_rename(account: BankAccount, *, name: str) -> BankAccount:
    _check(account)
    account.name = name.strip()
    account.save(update_fields=["name", "updated_at"])
    return account


def manual_account_delete(account: BankAccount, *, actor) -> None:
    """The account, its history and its transactions go."""
    _check(account)
    connection = account.connection
    with transaction.atomic():
        audit_record("account.manual_deleted", connection=connection, actor=actor,
                     details={"account_id": str(account.pk)})
        account.delete()
    person_data_changed(connection.user_id)


def manual_transaction_create(account: BankAccount, *, booked_date: date, description: str, amount: Decimal,
                              category: str = "", notes: str = "", move_balance: bool = True) -> BankTransaction:
    """A payment typed in by hand. `move_balance`: the account's balance moves by it (as a
    bank's would), so the balance and its rows agree."""
    _check(account)
    key = uuid.uuid4().hex
    with transaction.atomic():
        tx = BankTransaction.objects.create(
            account=account, external_id=f"manual:{key}", fingerprint=hashlib.sha256(key.encode()).hexdigest(),
            booked_date=booked_date, amount=amount, currency=account.currency, description=description.strip(),
            status=TransactionStatus.BOOKED, category=category, category_source="user" if category else "",
            category_confidence=Decimal("1.000") if category else None, notes=notes.strip(),
            locked_fields=["category"] if category else [])
        if move_balance:
            account.current_balance = (account.current_balance or Decimal("0")) + amount
            account.balance_updated_at = timezone.now()
            account.save(update_fields=["current_balance", "balance_updated_at", "updated_at"])
            _snapshot(account, timezone.localdate())
    person_data_changed(account.connection.user_id)
    return tx


def manual_transaction_delete(tx: BankTransaction, *, move_balance: bool = True) -> None:
    account = tx.account
    _check(account)
    with transaction.atomic():
        if move_balance:
            account.current_balance = (account.current_balance or Decimal("0")) - tx.amount
            account.balance_updated_at = timezone.now()
            account.save(update_fields=["current_balance", "balance_updated_at", "updated_at"])
            _snapshot(account, timezone.localdate())
        tx.delete()
    person_data_changed(account.connection.user_id)
