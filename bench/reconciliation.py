"""The matching engine over one busy business's year: `payouts` processor payouts, each with
its bank credit booked 0-2 working days later, `invoices` invoices paid by transfer (the
number in the reference), as many bills paid by debit, and a share of amounts repeated inside
a window (the ambiguous cases the engine must leave as suggestions), plus unrelated card
spending on the bank side. Items come from a registered item source (as a family's would),
so the figures are the engine's own: collecting, pairing, deciding and writing the matches.
Reports the first run, a re-run with nothing changed (which must write nothing), and a re-run
after the person confirmed a tenth of the suggestions."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from bench.harness import Timer, print_table

START = date(2025, 1, 6)


def _items(payouts: int, invoices: int, seed: int = 7):
    from reconciliation.registry import ItemKind, ReconItem
    from reconciliation.services.calendar import is_working_day

    rng = random.Random(seed)  # noqa: S311  (benchmark data, not security)
    items = []

    def later(day: date, working: int) -> date:
        while working:
            day += timedelta(days=1)
            working -= is_working_day(day)
        return day

    for n in range(payouts):
        day = START + timedelta(days=n * 365 // max(payouts, 1))
        amount = Decimal(rng.randrange(5_000, 500_000)) / 100
        if n % 10 == 9:  # one payout in ten repeats the one before's amount a day later: two candidates each
            day, amount = later(items[-2].date, 1), items[-2].amount
        items.append(ReconItem(ItemKind.PAYOUT, f"bench.payout:{n}", day, amount, "GBP", "STRIPE"))
        items.append(ReconItem(ItemKind.BANK_CREDIT, f"bench.credit:p{n}", later(day, rng.randint(0, 2)), amount,
                               "GBP", "STRIPE", label="STRIPE PAYMENTS UK LTD"))
    for n in range(invoices):
        day = START + timedelta(days=n * 365 // max(invoices, 1))
        amount = Decimal(rng.randrange(10_000, 900_000)) / 100
        items.append(ReconItem(ItemKind.INVOICE_PAYMENT, f"bench.invoice:{n}", day, amount, "GBP", f"INV-{n:05d}"))
        items.append(ReconItem(ItemKind.BANK_CREDIT, f"bench.credit:i{n}", later(day, rng.randint(0, 3)), amount,
                               "GBP", f"INV{n:05d}"))
        bill = Decimal(rng.randrange(1_000, 200_000)) / 100
        items.append(ReconItem(ItemKind.BILL_PAYMENT, f"bench.bill:{n}", day, bill, "GBP", f"BILL-{n:05d}"))
        items.append(ReconItem(ItemKind.BANK_DEBIT, f"bench.debit:b{n}", day, bill, "GBP", f"BILL-{n:05d}"))
    for n in range(payouts * 3):  # card spending: debits nothing explains
        items.append(ReconItem(ItemKind.BANK_DEBIT, f"bench.debit:s{n}", START + timedelta(days=n % 365),
                               Decimal(rng.randrange(100, 20_000)) / 100, "GBP", "CARD PAYMENT"))
    return items


def measure(payouts: int, invoices: int) -> dict:
    from django.contrib.auth import get_user_model

    from reconciliation import registry
    from reconciliation.models import MatchStatus, ReconMatch
    from reconciliation.services.actions import match_confirm
    from reconciliation.services.engine import reconciliation_run

    items = _items(payouts, invoices)
    user = get_user_model().objects.create_user(username=f"bench-recon-{payouts}", password="x")

    def source(person, *, since, until):
        return [i for i in items if since <= i.date <= until] if person.pk == user.pk else []

    registry.autodiscover()
    registry._items["bench.reconciliation"] = source
    today = START + timedelta(days=380)
    try:
        with Timer() as first:
            run = reconciliation_run(user, today=today)
        before = {m.pk: m.updated_at for m in ReconMatch.objects.filter(user=user)}
        with Timer() as again:
            reconciliation_run(user, today=today)
        unchanged = before == {m.pk: m.updated_at for m in ReconMatch.objects.filter(user=user)}
        suggestions = list(ReconMatch.objects.filter(user=user, status=MatchStatus.SUGGESTED).order_by("-score"))
        confirmed = 0
        for match in suggestions[: max(1, len(suggestions) // 10)]:
            current = ReconMatch.objects.filter(pk=match.pk, status=MatchStatus.SUGGESTED).first()
            if current is not None:  # a confirmation before it may have cleared it
                match_confirm(user, current, rerun=False)
                confirmed += 1
        with Timer() as after:
            last = reconciliation_run(user, today=today)
    finally:
        registry._items.pop("bench.reconciliation", None)
    return {"items": len(items), "first": first.seconds, "again": again.seconds, "after": after.seconds,
            "matched": run.matched, "suggested": run.suggested, "unchanged": unchanged, "confirmed": confirmed,
            "locked": last.locked}


def run(quick: bool) -> None:
    payouts, invoices = (300, 100) if quick else (2_000, 1_000)
    result = measure(payouts, invoices)
    assert result["unchanged"], "a re-run with nothing changed wrote something"
    print_table(f"Reconciliation: one business, {result['items']:,} items ({payouts:,} payouts, {invoices:,} "
                "invoices and bills, card spending)", ["measure", "value"], [
        ["first run (s)", round(result["first"], 3)],
        ["re-run, nothing changed (s)", round(result["again"], 3)],
        ["re-run after confirming a tenth of the suggestions (s)", round(result["after"], 3)],
        ["items per second (first run)", int(result["items"] / result["first"])],
        ["matched automatically / suggestions", f"{result['matched']:,} / {result['suggested']:,}"],
        ["re-run wrote nothing", "yes" if result["unchanged"] else "NO"],
        ["confirmed then locked", f"{result['confirmed']} / {result['locked']}"],
    ])
