"""Fixtures for the transactions app: bank accounts, stored transactions and a `sync` helper that
writes records through the real import service and then the categorisation hook, as the sync
engine does inside each account's transaction."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from integrations_core.records import AccountData, TransactionRecord
from integrations_core.services.imports import account_data_import
from open_banking.models import BankAccount, BankConnection, BankTransaction
from transactions.hooks import categorise_after_import

_ids = itertools.count(1)


def rec(description: str, amount: str, day: date = date(2026, 3, 10), ext_id: str | None = None,
        **fields) -> TransactionRecord:
    return TransactionRecord(external_id=ext_id or f"ext-{next(_ids)}", booked_date=day, amount=Decimal(amount),
                             currency=fields.pop("currency", "GBP"), description=description, **fields)


def sync(account: BankAccount, booked=(), pending=()):
    """One account's import plus the post-import hook, atomically (what connection_sync does)."""
    data = AccountData(account=None, booked=list(booked), pending=list(pending))
    with transaction.atomic():
        result = account_data_import(account, data)
        categorise_after_import(account=account, data=data, result=result)
    return result


@pytest.fixture
def make_account(user):
    def make(owner=None, name="Current", type="current", currency="GBP") -> BankAccount:
        connection = BankConnection.objects.create(user=owner or user, provider="truelayer", status="active",
                                                   institution_name="Test Bank")
        return BankAccount.objects.create(connection=connection, external_id=f"acc-{next(_ids)}", name=name,
                                          type=type, currency=currency)

    return make


@pytest.fixture
def account(make_account) -> BankAccount:
    return make_account()


@pytest.fixture
def make_tx():
    def make(account: BankAccount, description: str, amount: str, day: date = date(2026, 3, 10),
             **fields) -> BankTransaction:
        return BankTransaction.objects.create(
            account=account, external_id=f"tx-{next(_ids)}", fingerprint=f"fp-{next(_ids)}", booked_date=day,
            amount=Decimal(amount), currency=fields.pop("currency", "GBP"), description=description, **fields)

    return make
