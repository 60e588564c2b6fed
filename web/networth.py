"""The manual accounts' part of net worth (settings.NET_WORTH_EXTRA_SOURCES): the balances a
person types in on the accounts page belong to no family's ledger, yet they are money the person
has (a credit card they owe on is typed as a negative balance, and subtracts).

Only the current balance is stored, so the history counts it from the day the account was added
(its local date) onward: an edited balance restates the whole history (docs/returns.md)."""

from __future__ import annotations

from django.utils import timezone

from integrations_core.ledger import AccountHistory

from .models import ManualAccount

FAMILY = "manual"


def manual_account_histories(user) -> list[AccountHistory]:
    return [AccountHistory(id=a.pk, family=FAMILY, name=a.name, institution="Manual", currency=a.currency,
                           values={timezone.localtime(a.created_at).date(): a.balance})
            for a in ManualAccount.objects.filter(user=user).only("id", "name", "currency", "balance", "created_at")]
