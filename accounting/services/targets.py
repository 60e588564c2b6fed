"""Where a person pushes: which of their bank accounts, to which bank account of the books."""

from __future__ import annotations

import uuid

from django.db import transaction

from transactions.selectors.transactions import account_model

from ..models import LedgerAccount, Organisation, PushTarget
from .mapping import MappingError


def _uuids(values) -> list[uuid.UUID] | None:
    try:
        return [uuid.UUID(str(v)) for v in values]
    except ValueError:
        return None


def push_target_set(organisation: Organisation, *, user, books_bank_account_id, source_account_ids) -> PushTarget:
    """Field errors (MappingError) for a books account that is not one of this organisation's
    active bank accounts, or a bank account of ours that is not the person's."""
    errors: dict[str, list[str]] = {}
    books = None
    ids = _uuids([books_bank_account_id]) if books_bank_account_id else None
    if ids:
        books = LedgerAccount.objects.filter(organisation=organisation, pk=ids[0], is_bank=True, status="active").first()
    if books is None:
        errors["books_bank_account"] = ["Choose one of this organisation's bank accounts."]
    wanted = _uuids(source_account_ids or [])
    accounts = []
    if not wanted:
        errors["source_accounts"] = ["Choose at least one of your bank accounts."]
    else:
        accounts = list(account_model().objects.filter(connection__user=user, pk__in=wanted))
        if len(accounts) != len(set(wanted)):
            errors["source_accounts"] = ["Choose only your own bank accounts."]
    if errors:
        raise MappingError(errors)
    with transaction.atomic():
        target, _ = PushTarget.objects.update_or_create(organisation=organisation,
                                                        defaults={"books_bank_account": books})
        target.source_accounts.set(accounts)
    return target
