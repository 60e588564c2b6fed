"""Manual investment accounts: what the person enters themselves (a workplace share plan, an
old platform nobody can connect to).

Each person has one "manual" InvestmentConnection holding their manual accounts. "manual" is not
a registered provider, so no sync ever picks it: the daily run and the retry sweep only take
providers declaring SCHEDULED_SYNC (integrations_core/selectors.py `_syncable_now`), and "Sync
now" refuses it (services/connections.py). Its status is ACTIVE so its money counts in totals
until the person removes it (revoking it makes it history, like any connection).

Holdings and valuations go through the core's one portfolio write path (holding_snapshot_import,
valuation_upsert) with source "manual", never written here directly."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from integrations_core.models import ConnectionStatus, RecordSource
from integrations_core.person_cache import person_data_changed
from integrations_core.records import (
    BalanceRecord,
    HoldingRecord,
    HoldingSnapshotRecord,
    SecurityRecord,
    ValuationRecord,
)
from integrations_core.services.audit import audit_record
from integrations_core.services.imports.portfolio import (
    holding_snapshot_import,
    securities_upsert,
    valuation_upsert,
)

from ..models import Holding, InvestmentAccount, InvestmentConnection, Wrapper
from .connections import MANUAL_PROVIDER

ISIN = re.compile(r"^[A-Z]{2}[A-Z0-9]{9}[0-9]$")


class ManualOnly(Exception):
    """The account is synced or imported: its holdings belong to the platform."""

    code = "not_manual"
    message = "Only a manual account's holdings and values can be entered by hand."


def manual_connection_get(user) -> InvestmentConnection:
    """The person's manual connection, created on first use."""
    connection, created = InvestmentConnection.objects.get_or_create(
        user=user, provider=MANUAL_PROVIDER, status=ConnectionStatus.ACTIVE,
        defaults={"institution_name": "Manual accounts"})
    if created:
        audit_record("connection.created", connection=connection, actor=user, details={"manual": True})
    return connection


def manual_account_create(user, name: str, wrapper: str, currency: str, *,
                          cash: Decimal | None = None) -> InvestmentAccount:
    if wrapper not in Wrapper.values:
        raise ValueError(f"unknown wrapper {wrapper!r}")
    with transaction.atomic():
        connection = manual_connection_get(user)
        account = InvestmentAccount.objects.create(
            connection=connection, external_id=f"manual-{uuid.uuid4()}", name=name, wrapper=wrapper,
            currency=currency.upper(), is_manual=True, current_balance=cash,
            balance_updated_at=timezone.now() if cash is not None else None)
        audit_record("account.manual_created", connection=connection, actor=user,
                     details={"account_id": str(account.pk), "wrapper": wrapper})
    person_data_changed(user.pk)
    return account


def _check_manual(account: InvestmentAccount) -> None:
    if not account.is_manual:
        raise ManualOnly(ManualOnly.message)


def _security_record(*, isin: str, ticker: str, name: str, currency: str) -> SecurityRecord:
    """The person's description of the security, keyed by ISIN, else ticker, else name (the
    manual alias then finds the same Security next time)."""
    isin, ticker, name = isin.strip().upper(), ticker.strip().upper(), name.strip()
    if isin and not ISIN.match(isin):
        raise ValueError("not an ISIN")
    if not (isin or ticker or name):
        raise ValueError("name the security by ISIN, ticker or name")
    key = f"isin:{isin}" if isin else f"ticker:{ticker}" if ticker else f"name:{name.casefold()}"
    return SecurityRecord(external_id=key, name=name or ticker or isin, isin=isin, ticker=ticker,
                          quote_currency=currency)


def manual_holding_set(account: InvestmentAccount, *, isin: str = "", ticker: str = "", name: str = "",
                       quantity: Decimal, price: Decimal | None = None, currency: str = "",
                       book_cost: Decimal | None = None) -> Holding | None:
    """Set one holding of a manual account (quantity 0 removes it). `price` per unit in
    `currency` (GBX allowed; default the account currency); `book_cost` in the account currency.
    Today's snapshot is rewritten with the other holdings carried over, through the core writer;
    the holding written is returned (None when removed)."""
    _check_manual(account)
    currency = (currency or account.currency).strip()
    currency = "GBX" if currency == "GBp" else currency.upper()  # pence, never read as pounds
    record = _security_record(isin=isin, ticker=ticker, name=name, currency=currency)
    with transaction.atomic():
        account = InvestmentAccount.objects.select_for_update().get(pk=account.pk)
        securities = securities_upsert(MANUAL_PROVIDER, [record], connection_model=InvestmentConnection)
        security = securities[record.external_id]
        holdings = []
        for held in Holding.objects.filter(snapshot_id=account.current_snapshot_id).exclude(security=security):
            key = f"pk:{held.security_id}"
            securities[key] = held.security
            holdings.append(HoldingRecord(security_external_id=key, quantity=held.quantity, price=held.price,
                                          price_currency=held.price_currency, price_as_of=held.price_as_of,
                                          value=held.value, book_cost=held.book_cost, currency=held.currency))
        now = timezone.now()
        if quantity:
            holdings.append(HoldingRecord(security_external_id=record.external_id, quantity=quantity, price=price,
                                          price_currency=currency if price is not None else "",
                                          price_as_of=now if price is not None else None, book_cost=book_cost,
                                          currency=account.currency))
        cash = (BalanceRecord(currency=account.currency, current=account.current_balance, as_of=now)
                if account.current_balance is not None else None)
        snapshot = HoldingSnapshotRecord(as_of=now, holdings=holdings, cash=cash)
        holding_snapshot_import(account, snapshot, securities, source=RecordSource.MANUAL)
        account.refresh_from_db(fields=["current_snapshot"])
        person_data_changed(account.connection.user_id)
        return Holding.objects.filter(snapshot_id=account.current_snapshot_id, security=security) \
            .select_related("security").first()


def manual_valuation_set(account: InvestmentAccount, day: date, value: Decimal) -> bool:
    """Record the manual account's total value on a day (its value history); the day's latest
    entry wins. True when a row was written."""
    _check_manual(account)
    written = valuation_upsert(account, ValuationRecord(as_of=day, value=value, currency=account.currency,
                                                        source=RecordSource.MANUAL))
    person_data_changed(account.connection.user_id)
    return written


def investment_account_wrapper_set(account: InvestmentAccount, wrapper: str) -> InvestmentAccount:
    """The person says which tax wrapper an account is (a synced one too: platforms rarely say);
    later syncs keep it (Account.fields_set_by_person)."""
    if wrapper not in Wrapper.values:
        raise ValueError(f"unknown wrapper {wrapper!r}")
    account.wrapper, account.wrapper_set_by_person = wrapper, True
    account.save(update_fields=["wrapper", "wrapper_set_by_person", "updated_at"])
    person_data_changed(account.connection.user_id)  # returns and allocation group by wrapper
    return account
