"""The UK capital gains report for a person with many disposals.

    .venv/bin/python bench/cgt_report.py [--quick]

A deterministic history over ten tax years: 50 securities across 3 GIA accounts (one in USD, so
every one of its trades is converted at the ECB rate of its day), buys and sells that never sell
more than is held, with same-day pairs and sell-then-rebuy inside 30 days (so all three matching
rules run). Measured: the matching alone (no database), the whole report from stored trades
(query, sterling, matching, totals) for every tax year, one year's first view and a second view
(the matching cached under the history's version), and the JSON and CSV exports.

Also importable by bench/run.py (`run(quick=...)`), which provides the throwaway database.
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Timer, print_table  # noqa: E402

SECURITIES = 50
START = date(2015, 4, 6)
DAYS = 3650


def history(disposals: int, seed: int = 13) -> list[dict]:
    """Trades (dicts) with exactly `disposals` sells; about 1.3 buys per sell."""
    rng = random.Random(seed)
    held = [Decimal(0)] * SECURITIES
    pending: list[list[tuple[date, Decimal]]] = [[] for _ in range(SECURITIES)]  # buybacks not yet made
    out: list[dict] = []
    sells = 0
    step = DAYS / (disposals * 2.4)
    day_float = 0.0
    while sells < disposals:
        day_float += step
        day = START + timedelta(days=min(int(day_float), DAYS))
        security = rng.randrange(SECURITIES)
        account = security % 3
        for due in [p for p in pending[security] if p[0] <= day]:
            pending[security].remove(due)
            held[security] += due[1]
        price = Decimal(rng.randrange(100, 20000)) / 100
        if held[security] >= 2 and rng.random() < 0.45:
            quantity = Decimal(rng.randrange(1, int(held[security]) + 1))
            held[security] -= quantity
            out.append({"type": "sell", "day": day, "security": security, "account": account, "quantity": quantity,
                        "amount": quantity * price - Decimal("4.95"), "fees": Decimal("4.95")})
            sells += 1
            if rng.random() < 0.2:  # bought back within 30 days: the bed and breakfast rule
                back = day + timedelta(days=rng.randrange(0, 31))
                out.append({"type": "buy", "day": back, "security": security, "account": (account + 1) % 3,
                            "quantity": quantity, "amount": -(quantity * price), "fees": Decimal(0)})
                pending[security].append((back, quantity))
        else:
            quantity = Decimal(rng.randrange(1, 60))
            held[security] += quantity
            out.append({"type": "buy", "day": day, "security": security, "account": account, "quantity": quantity,
                        "amount": -(quantity * price + Decimal("4.95")), "fees": Decimal("4.95")})
    return out


def seed_person(trades: list[dict], username: str):
    """A person with 3 GIAs (the third in USD) holding `trades`; returns the user."""
    from django.contrib.auth import get_user_model

    from integrations_core.models import ConnectionStatus
    from investments.models import InvestmentAccount, InvestmentConnection, InvestmentTransaction, Security

    user = get_user_model().objects.create_user(username=username, email=f"{username}@example.com", password="x")
    connection = InvestmentConnection.objects.create(user=user, provider="bench-broker",
                                                     status=ConnectionStatus.ACTIVE)
    accounts = [InvestmentAccount.objects.create(connection=connection, external_id=f"gia-{n}", name=f"GIA {n}",
                                                 currency="USD" if n == 2 else "GBP", wrapper="gia")
                for n in range(3)]
    securities = [Security.objects.get_or_create(isin=f"BENCH{n:07d}", defaults={"name": f"Bench share {n}"})[0]
                  for n in range(SECURITIES)]
    rows = [InvestmentTransaction(
        account=accounts[t["account"]], external_id=f"{username}-{n}", fingerprint=f"{n}", type=t["type"],
        booked_date=t["day"], amount=t["amount"], currency=accounts[t["account"]].currency, description=t["type"],
        security=securities[t["security"]], quantity=t["quantity"], fees=t["fees"]) for n, t in enumerate(trades)]
    InvestmentTransaction.objects.bulk_create(rows, batch_size=2000)
    return user


def measure(disposals: int, *, username: str) -> dict[str, tuple[float, int]]:
    """{step: (seconds, count)}; asserts that the figures are complete and add up."""
    import csv
    import io

    from django.core.cache import cache

    from investments.tax.cgt import ACQUISITION, DISPOSAL, CgtTrade, match_disposals
    from investments.tax.export import csv_rows, report_dict
    from investments.tax.rules import TaxYear
    from investments.tax.selectors import cgt_report_for_user

    trades = history(disposals)
    pure = [CgtTrade(str(t["security"]), DISPOSAL if t["type"] == "sell" else ACQUISITION, t["day"], t["quantity"],
                     abs(t["amount"]), t["fees"], reference=str(n)) for n, t in enumerate(trades)]
    steps: dict[str, tuple[float, int]] = {}
    with Timer() as timer:
        result = match_disposals(pure)
    assert result.complete
    matched_days = len(result.disposals)  # one disposal per security and day (s105)
    steps["matching only (no database)"] = (timer.seconds, matched_days)
    user = seed_person(trades, username)
    years = sorted({TaxYear.of(t["day"]) for t in trades if t["type"] == "sell"})
    cache.clear()
    with Timer() as timer:  # the first year matches the history, the others answer from the cache
        reports = [cgt_report_for_user(user, year) for year in years]
    assert all(report.complete for report in reports), [r.problems[:1] for r in reports]
    counted = sum(len(report.disposals) for report in reports)
    assert counted == matched_days
    steps[f"report from stored trades, each of {len(years)} tax years"] = (timer.seconds, counted)
    biggest = max(reports, key=lambda report: len(report.disposals))
    cache.clear()
    with Timer() as timer:
        report = cgt_report_for_user(user, biggest.tax_year)
    steps[f"one tax year's report ({biggest.tax_year.label}), first view"] = (timer.seconds, len(report.disposals))
    with Timer() as timer:
        report = cgt_report_for_user(user, biggest.tax_year)
    steps["the same report again (cached)"] = (timer.seconds, len(report.disposals))
    with Timer() as timer:
        for report in reports:
            report_dict(report)
    steps["JSON (API) for every year"] = (timer.seconds, counted)
    with Timer() as timer:
        for report in reports:
            csv.writer(io.StringIO()).writerows(csv_rows(report))
    steps["CSV for every year"] = (timer.seconds, counted)
    return steps


def run(*, quick: bool = False) -> None:
    sizes = [200, 1_000] if quick else [1_000, 10_000]
    rows = []
    for size in sizes:
        for step, (seconds, count) in measure(size, username=f"cgt-bench-{size}").items():
            rows.append([f"{size:,} sells", step, count, seconds * 1000, count / seconds if seconds else 0.0])
    print_table("CGT report (50 securities, 3 GIAs one in USD, 10 tax years; disposals = one per security and day)",
                ["history", "step", "disposals", "ms", "disposals/s"], rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from bench.harness import setup_django, throwaway_database

    setup_django()
    with throwaway_database():
        run(quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
