"""TWR and XIRR for every scope from stored trades and daily prices: `securities` GBX ETFs across
3 accounts over `years` of daily closes (a buy a month per security, quarterly dividends, monthly
deposits), then the cold build, the figures for every standard period, and the cached answer.
Prints how the time grows with years and holdings."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bench.harness import print_table

D = Decimal


def seed(username: str, *, years: int, securities: int, accounts: int = 3, end: date = date(2026, 10, 30)) -> object:
    from django.contrib.auth import get_user_model

    from integrations_core.models import ConnectionStatus
    from investments.models import (
        InvestmentAccount,
        InvestmentConnection,
        InvestmentTransaction,
        Security,
        SecurityPrice,
    )

    user = get_user_model().objects.create_user(username, password="x")
    connection = InvestmentConnection.objects.create(user=user, provider="bench", status=ConnectionStatus.ACTIVE)
    days = years * 365

    start = end - timedelta(days=days - 1)
    secs = Security.objects.bulk_create([Security(name=f"{username} ETF {n}", ticker=f"B{n}", type="etf",
                                                  quote_currency="GBX") for n in range(securities)])
    SecurityPrice.objects.bulk_create([SecurityPrice(security=s, date=start + timedelta(days=i),
                                                     close=D(1000 + n * 10) + D(i) / 10, currency="GBX", source="bench")
                                       for n, s in enumerate(secs) for i in range(days)], batch_size=5000)
    rows = []
    for a in range(accounts):
        account = InvestmentAccount.objects.create(connection=connection, external_id=f"a{a}", name=f"Account {a}",
                                                   currency="GBP", wrapper=["isa", "gia", "sipp"][a % 3])
        held = [s for n, s in enumerate(secs) if n % accounts == a]
        for m in range(0, days, 30):
            day = start + timedelta(days=m)
            rows.append(InvestmentTransaction(account=account, type="deposit", booked_date=day, amount=D(500) * len(held),
                                              currency="GBP"))
            for s in held:
                price = D(1000 + secs.index(s) * 10) + D(m) / 10
                rows.append(InvestmentTransaction(account=account, type="buy", booked_date=day, security=s,
                                                  quantity=D(10), price=price, price_currency="GBX",
                                                  amount=-(price * 10 / 100).quantize(D("0.01")), currency="GBP"))
                if m % 90 == 0:
                    rows.append(InvestmentTransaction(account=account, type="dividend", booked_date=day, security=s,
                                                      amount=D("1.00"), currency="GBP"))
    for k, r in enumerate(rows):
        r.external_id = r.provider_transaction_id = r.fingerprint = f"{username}-{k}"
    InvestmentTransaction.objects.bulk_create(rows, batch_size=5000)
    return user


def measure(*, years: int, securities: int, username: str) -> dict:
    import time_machine

    from integrations_core.person_cache import person_data_changed
    from investments import performance

    user = seed(username, years=years, securities=securities)
    with time_machine.travel(datetime(2026, 10, 30, 18, tzinfo=UTC)):
        person_data_changed(user.pk)
        performance._LAST.clear()
        began = time.perf_counter()
        built = performance.portfolio_series(user)
        build = time.perf_counter() - began
        began = time.perf_counter()
        table = performance.returns_for(built, today=built.start + timedelta(days=built.days - 1))
        figures = time.perf_counter() - began
        performance.returns_table(user)  # cold into the cache
        began = time.perf_counter()
        performance.returns_table(user)
        cached = time.perf_counter() - began
    overall = next(s for s in table if s.scope.kind == "overall")
    return {"scopes": len(table), "build_s": build, "figures_s": figures, "cached_ms": cached * 1000,
            "twr_all": overall.returns[-1].twr.value, "mwr_all": overall.returns[-1].mwr.value}


def run(quick: bool = False) -> None:
    sizes = [(1, 5), (2, 5)] if quick else [(1, 50), (5, 50), (10, 50), (10, 10), (10, 25)]
    rows = []
    for n, (years, securities) in enumerate(sizes):
        found = measure(years=years, securities=securities, username=f"bench-returns-{n}")
        rows.append([years, securities, 3, found["scopes"], f"{found['build_s']:.2f}", f"{found['figures_s']:.2f}",
                     f"{found['cached_ms']:.1f}", found["twr_all"], found["mwr_all"]])
    print_table("Returns (TWR + XIRR, 7 periods, every scope) from stored trades and daily prices",
                ["years", "securities", "accounts", "scopes", "build s", "figures s", "cached ms", "TWR all", "MWR all"],
                rows)
