"""Daily balance snapshots for history charts: one row per account per day, the last balance
the bank reported that day, exactly as reported."""

from __future__ import annotations

from django.utils import timezone

from integrations_core.records import BalanceRecord

from ..models import BalanceSnapshot, BankAccount


def balance_snapshot_record(account: BankAccount, balance: BalanceRecord) -> BalanceSnapshot:
    day = timezone.localdate()
    values = {"current": balance.current, "available": balance.available, "currency": balance.currency}
    snapshot = BalanceSnapshot.objects.filter(account=account, date=day).first()
    if snapshot is None:
        return BalanceSnapshot.objects.create(account=account, date=day, **values)
    changed = [k for k, v in values.items() if getattr(snapshot, k) != v]
    if changed:  # a re-sync of the same balance leaves the row alone
        for k in changed:
            setattr(snapshot, k, values[k])
        snapshot.save(update_fields=[*changed, "recorded_at"])
    return snapshot
