"""Valuation sources (pensions on the dashboards model): per account, the valuations the
provider shows now, each on its own day. Written by `valuation_upsert` (one per account and
day), so the same illustration fetched twice is one row and a re-sync changes nothing.

A value the provider is still working out ("being calculated") is not a failure: the account
keeps its last valuation, and `value_pending` / `value_pending_since` on the account (when the
family's model has them) say what is awaited and since when, however many daily syncs it takes.
A fetch that fails for one account leaves its stored valuations as they were."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from integrations_core.models import RecordKind, connection_record_model
from integrations_core.providers.errors import ConsentExpired, ProviderAuthError, ProviderError
from integrations_core.records import ValuationData

from ..account_sync import AccountSyncOutcome, account_state_set
from ..imports import account_upsert
from ..imports.portfolio import valuation_upsert
from ..imports.rows import ImportResult, has_field
from .context import RunContext, vanished_accounts_hide


def _pending_set(account, data: ValuationData) -> None:
    if not has_field(type(account), "value_pending"):
        return
    code = data.value_pending
    if account.value_pending == code and (code or account.value_pending_since is None):
        return
    account.value_pending = code
    account.value_pending_message = data.value_pending_message if code else ""
    if not code:
        account.value_pending_since = None
    elif account.value_pending_since is None:
        account.value_pending_since = timezone.now()
    account.save(update_fields=["value_pending", "value_pending_message", "value_pending_since", "updated_at"])


def valuations_write(account, data: ValuationData) -> ImportResult:
    """The account's valuations and pending state, in one transaction."""
    result = ImportResult()
    model = connection_record_model(account.connection, RecordKind.VALUATION)
    days = set(model.objects.filter(account=account).values_list("date", flat=True))
    with transaction.atomic():
        for record in data.valuations:
            if valuation_upsert(account, record):
                if record.as_of in days:
                    result.updated += 1
                else:
                    result.added += 1
                    days.add(record.as_of)
        _pending_set(account, data)
    return result


def valuation_run(ctx: RunContext) -> dict[str, dict]:
    accounts = ctx.call("list_valuation_accounts")
    stored = ctx.stored_accounts()
    results: dict[str, dict] = {}
    seen: set[str] = set()
    for record in accounts:
        seen.add(record.external_id)
        account = account_upsert(ctx.connection, record, known=stored.get(record.external_id))
        try:
            data: ValuationData = ctx.call("fetch_valuations", record)
            result = valuations_write(account, data)
            account.last_synced_at = timezone.now()
            account.save(update_fields=["last_synced_at", "updated_at"])
        except (ConsentExpired, ProviderAuthError):
            raise
        except ProviderError as exc:
            account_state_set(account, exc)
            results[record.external_id] = AccountSyncOutcome(account.name, "failed", error=exc).as_dict()
            continue
        account_state_set(account, None)
        results[record.external_id] = AccountSyncOutcome(account.name, "ok", result=result).as_dict()
        ctx.count(result)
    vanished_accounts_hide(ctx, stored, seen)
    return results
