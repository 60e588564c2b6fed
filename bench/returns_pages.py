"""The returns, allocation and net-worth pages through the whole Django stack (test Client:
every middleware, session auth, the templates and their SVG charts), cold (the person's data
just changed: the figures are rebuilt from trades and prices) and cached (the next views: one
cache read per part). The person has `securities` GBX ETFs over 3 investment accounts with
`years` of daily closes and monthly trades, plus 7 bank accounts with daily balances (as
bench/networth.py)."""

from __future__ import annotations

import statistics
import time
from datetime import UTC, date, datetime

from bench.harness import print_table

PAGES = [("returns", "/portfolio/returns/"), ("returns, YTD", "/portfolio/returns/?period=YTD"),
         ("allocation", "/portfolio/allocation/"), ("net worth", "/net-worth/")]
CACHED_RUNS = 20


def _snapshots(user) -> None:
    """A current snapshot per investment account (the allocation reads today's holdings)."""
    from decimal import Decimal

    from investments.models import Holding, HoldingSnapshot, InvestmentAccount, InvestmentTransaction

    for account in InvestmentAccount.objects.filter(connection__user=user):
        snap = HoldingSnapshot.objects.create(account=account, date=date(2026, 10, 30),
                                              as_of=datetime(2026, 10, 30, 16, tzinfo=UTC))
        held = set(InvestmentTransaction.objects.filter(account=account, type="buy")
                   .values_list("security_id", flat=True))
        Holding.objects.bulk_create([Holding(snapshot=snap, security_id=s, quantity=Decimal(100),
                                             value=Decimal("1500.00"), currency="GBP") for s in held])
        account.current_snapshot = snap
        account.current_balance = Decimal("250.00")
        account.save()


def measure(*, years: int, securities: int, username: str) -> list[list]:
    import time_machine
    from django.conf import settings
    from django.test import Client

    from bench.networth import seed
    from integrations_core.person_cache import person_data_changed
    from investments import performance

    user = seed(username, years=years, securities=securities)
    _snapshots(user)
    client = Client()
    client.force_login(user)
    client.get("/my-accounts/", secure=True)  # the process's first request imports the URLconf and templates
    rows = []
    with time_machine.travel(datetime(2026, 10, 30, 18, tzinfo=UTC)):
        for name, url in PAGES:
            person_data_changed(user.pk)
            performance._LAST.clear()
            began = time.perf_counter()
            response = client.get(url, secure=True)
            cold = time.perf_counter() - began
            assert response.status_code == 200, (url, response.status_code)
            samples = []
            for _ in range(CACHED_RUNS):
                began = time.perf_counter()
                client.get(url, secure=True)
                samples.append(time.perf_counter() - began)
            rows.append([f"{years}y x {securities}", name, f"{cold * 1000:.0f}", f"{statistics.median(samples) * 1000:.1f}",
                         f"{max(samples) * 1000:.1f}", f"{len(response.content) // 1024}"])
    rows.append(["", f"(cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]})", "", "", "", ""])
    return rows


def run(quick: bool = False) -> None:
    sizes = [(1, 6)] if quick else [(5, 9), (10, 50)]
    rows = []
    for n, (years, securities) in enumerate(sizes):
        rows += measure(years=years, securities=securities, username=f"bench-pages-{n}")
    print_table("Returns, allocation and net-worth pages: cold (figures rebuilt) vs cached (median of "
                f"{CACHED_RUNS} views)", ["data", "page", "cold ms", "cached p50 ms", "cached max ms", "page KiB"], rows)
