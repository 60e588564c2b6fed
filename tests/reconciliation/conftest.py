"""Fake item sources: the payments and accounting families are not here yet, so tests register
their own source in the registry (what a family's reconcile.py does) and put items in it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reconciliation import registry
from reconciliation.registry import ItemKind, ReconItem


class FakeItems:
    def __init__(self):
        self.by_user: dict = {}
        self.calls = 0
        self.fail = False

    def __call__(self, user, *, since, until):
        self.calls += 1
        if self.fail:
            raise RuntimeError("source down")
        return [i for i in self.by_user.get(user.pk, []) if not hasattr(i, "date") or since <= i.date <= until]

    def add(self, user, kind: str, key: str, day: date, amount: str, currency: str = "GBP", **extra) -> ReconItem:
        item = ReconItem(kind=kind, key=key, date=day, amount=Decimal(amount), currency=currency, **extra)
        self.by_user.setdefault(user.pk, []).append(item)
        return item

    def replace(self, user, key: str, **changes) -> None:
        from dataclasses import replace

        self.by_user[user.pk] = [replace(i, **changes) if i.key == key else i for i in self.by_user[user.pk]]

    def remove(self, user, key: str) -> None:
        self.by_user[user.pk] = [i for i in self.by_user[user.pk] if i.key != key]

    # shorthands
    def payout(self, user, n, day, amount, **kw):
        return self.add(user, ItemKind.PAYOUT, f"payments.payout:{n}", day, amount, **kw)

    def credit(self, user, n, day, amount, **kw):
        return self.add(user, ItemKind.BANK_CREDIT, f"bank.txn:c{n}", day, amount, **kw)

    def debit(self, user, n, day, amount, **kw):
        return self.add(user, ItemKind.BANK_DEBIT, f"bank.txn:d{n}", day, amount, **kw)


@pytest.fixture
def fake_items():
    fake = FakeItems()

    def fake_source(user, *, since, until):
        return fake(user, since=since, until=until)

    registry.autodiscover()
    name = "tests.fake_source"
    registry._items[name] = fake_source
    yield fake
    registry._items.pop(name, None)
