"""Net worth's daily history for a person with 10 accounts over `years`: 3 current accounts, 2
savings accounts and 2 credit cards with a balance snapshot every day, and 3 investment accounts
(GBX ETFs bought monthly, daily closes) rebuilt from trades and prices. Prints the cold build
(nothing cached: the ledgers read, the investments rebuilt), the figure served from the
per-person cache, and how the cold build grows with years."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bench.harness import print_table

D = Decimal
END = date(2026, 10, 30)
BANK_ACCOUNTS = [("current", "Current", 2000), ("current", "Joint", 3500), ("current", "Bills", 800),
                 ("savings", "Easy access", 10000), ("savings", "Fixed", 20000),
                 ("credit_card", "Card", -600), ("credit_card", "Store card", -150)]


def seed(username: str, *, years: int, securities: int = 9) -> object:
    from django.contrib.auth import get_user_model

    from bench.returns import seed as seed_investments
    from integrations_core.models import ConnectionStatus
    from open_banking.models import BalanceSnapshot, BankAccount, BankConnection

    user = seed_investments(username, years=years, securities=securities, accounts=3, end=END)
    user = get_user_model().objects.get(pk=user.pk)
    days = years * 365
    start = END - timedelta(days=days - 1)
    bank = BankConnection.objects.create(user=user, provider="bench", status=ConnectionStatus.ACTIVE,
                                         institution_name="Bench Bank")
    snapshots = []
    for n, (kind, name, level) in enumerate(BANK_ACCOUNTS):
        account = BankAccount.objects.create(connection=bank, external_id=f"b{n}", name=name, currency="GBP",
                                             type=kind, current_balance=D(level))
        for i in range(days):
            swing = D((i * 37 + n * 11) % 400 - 200) / 2
            snapshots.append(BalanceSnapshot(account=account, date=start + timedelta(days=i),
                                             current=D(level) + swing, currency="GBP"))
    BalanceSnapshot.objects.bulk_create(snapshots, batch_size=5000)
    return user


def measure(*, years: int, username: str) -> dict:
    import time_machine

    from integrations_core.networth import net_worth_summary
    from integrations_core.person_cache import person_data_changed
    from investments import performance

    user = seed(username, years=years)
    with time_machine.travel(datetime(2026, 10, 30, 18, tzinfo=UTC)):
        person_data_changed(user.pk)
        performance._LAST.clear()
        began = time.perf_counter()
        found = net_worth_summary(user)
        cold = time.perf_counter() - began
        began = time.perf_counter()
        for _ in range(20):
            net_worth_summary(user)
        cached = (time.perf_counter() - began) / 20
    known = [d for d in found.history.days if d.accounts_known]
    return {"accounts": len(found.now.accounts), "days": len(found.history.days), "cold_s": cold,
            "cached_ms": cached * 1000, "total": found.now.total, "first_known": known[0].day if known else "-"}


def run(quick: bool = False) -> None:
    sizes = [1] if quick else [1, 3, 5]
    rows = []
    for years in sizes:
        found = measure(years=years, username=f"bench-networth-{years}")
        rows.append([years, found["accounts"], found["days"], f"{found['cold_s']:.2f}", f"{found['cached_ms']:.2f}",
                     found["total"], found["first_known"]])
    print_table("Net-worth history (7 bank accounts with daily balances + 3 investment accounts rebuilt from "
                "trades), 5-year window", ["years of data", "accounts", "days shown", "cold s", "cached ms",
                                          "net worth", "first day known"], rows)
