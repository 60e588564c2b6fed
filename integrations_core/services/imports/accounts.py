"""Accounts and their balances: create or update an account from its record, put a balance on
it, and keep the account kind's daily balance snapshot (`Account.snapshot_model`)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from integrations_core.models import Account, Connection
from integrations_core.records import AccountRecord, BalanceRecord

from .rows import _field_names, has_field


def account_upsert(connection: Connection, record: AccountRecord, *, known: Account | None = None) -> Account:
    """Create or update one account. `known` is the stored account with this external id, when
    the caller already loaded the connection's accounts (the sync does, in one query)."""
    model = connection.account_model
    field_names = _field_names(model)
    values = {
        "name": record.name[:200], "type": record.type, "subtype": record.subtype, "currency": record.currency,
        "masked_number": record.masked_number, "raw": record.raw, "is_active": True,
    }
    values.update({k: v for k, v in record.extra.items() if k in field_names})
    if known is not None:
        account, created = known, False
    else:
        account, created = model.objects.filter(connection=connection, external_id=record.external_id).first(), False
        if account is None:
            # The same bank account in a connection the person disconnected (kept for the
            # retention period): re-attached with its history, never started twice.
            from ..reattach import account_reattach

            account = account_reattach(connection, record)
        if account is None:
            account, created = model.objects.get_or_create(connection=connection, external_id=record.external_id,
                                                           defaults=values)
    if not created:
        kept = account.fields_set_by_person()
        changed = [k for k, v in values.items() if k not in kept and getattr(account, k) != v
                   and not (k == "raw" and _same_raw(getattr(account, k), v, record.raw_volatile))]
        for k in changed:
            setattr(account, k, values[k])
        if changed:
            account.save(update_fields=[*changed, "updated_at"])
    return account


def _same_raw(stored, incoming, volatile: tuple[str, ...]) -> bool:
    """The stored raw says what the incoming one does, but for its volatile keys."""
    if not volatile or not isinstance(stored, dict) or not isinstance(incoming, dict):
        return False
    return ({k: v for k, v in stored.items() if k not in volatile}
            == {k: v for k, v in incoming.items() if k not in volatile})


def balance_fields_set(account: Account, balance: BalanceRecord) -> list[str]:
    """Put the balance on the account (unsaved); returns the fields to save."""
    account.current_balance = balance.current
    account.available_balance = balance.available
    account.balance_updated_at = balance.as_of or timezone.now()
    extra = [k for k in balance.extra if has_field(type(account), k)]
    for k in extra:
        setattr(account, k, balance.extra[k])
    return ["current_balance", "available_balance", "balance_updated_at", *extra]


def balance_apply(account: Account, balance: BalanceRecord) -> None:
    """Save a balance on its own (a sync saves it with the account's rows instead), with its
    snapshot in the same transaction."""
    with transaction.atomic():
        account.save(update_fields=[*balance_fields_set(account, balance), "updated_at"])
        balance_snapshot_record(account, balance)


def balance_snapshot_record(account: Account, balance: BalanceRecord):
    """Today's snapshot of the balance for history charts: one row per account per day, the last
    balance reported that day, exactly as reported. None for account kinds that keep none.
    Call inside the account's transaction, so no snapshot outlives an import that rolled back."""
    model = getattr(account, "snapshot_model", None)
    if model is None:
        return None
    day = timezone.localdate()
    values = {"current": balance.current, "available": balance.available, "currency": balance.currency}
    snapshot = model.objects.filter(account=account, date=day).first()
    if snapshot is None:
        return model.objects.create(account=account, date=day, **values)
    changed = [k for k, v in values.items() if getattr(snapshot, k) != v]
    if changed:  # a re-sync of the same balance leaves the row alone
        for k in changed:
            setattr(snapshot, k, values[k])
        snapshot.save(update_fields=[*changed, "recorded_at"])
    return snapshot
