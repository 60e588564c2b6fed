"""One person, one household's food: a persona's grocery spending is drawn once, from the person
(household size, weekly budget, shop days, supermarket), and lands at their main bank only, so
their banks together hold one plausible household's groceries a month."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

import pytest

from sandbox.data import build_book
from sandbox.data.generator import generate_book
from sandbox.data.merchants import GB, GROCERIES
from sandbox.data.profile import household_for

from .edge_days import frozen_at

PERSONAS = ("john", "jane", "ann", "bob", "sam", "priya")
# (today, the months it holds in full): a month end, February (and a leap February), December.
MONTHS = [
    (date(2026, 3, 31), ((2026, 2), (2026, 3))),
    (date(2026, 11, 30), ((2026, 10), (2026, 11))),
    (date(2026, 12, 31), ((2026, 12),)),
    (date(2028, 2, 29), ((2028, 1), (2028, 2))),
]
BANKS = (("monzo", True), ("barclays", False))  # their first bank, then a second one


def groceries_by_month(username: str, today: date, banks=BANKS, build=build_book) -> dict[tuple[int, int], Decimal]:
    totals: dict[tuple[int, int], Decimal] = {}
    for slug, main in banks:
        for snapshot in build(slug, username, today, main).accounts:
            for line in (*snapshot.booked, *snapshot.pending):
                if line.classification == GROCERIES:
                    assert isinstance(line.amount, Decimal) and line.amount < 0
                    key = (line.timestamp.year, line.timestamp.month)
                    totals[key] = totals.get(key, Decimal("0.00")) - line.amount
    return totals


def test_household_budgets_follow_the_ons_bands():
    habits = GB.groceries
    for username in PERSONAS:
        household = household_for(username, "GB")
        assert household.size in (1, 2, 3, 4) and household.shop_days
        low = habits.first_person[0] + habits.extra_person[0] * (household.size - 1)
        high = habits.first_person[1] + habits.extra_person[1] * (household.size - 1)
        assert low <= household.weekly_budget <= high
    assert len({household_for(u, "GB").size for u in PERSONAS}) > 1  # not everyone lives alone


@pytest.mark.parametrize(("today", "months"), MONTHS, ids=lambda v: str(v) if isinstance(v, date) else "")
@pytest.mark.parametrize("username", PERSONAS)
def test_a_persona_buys_one_households_groceries_a_month(username, today, months):
    household = household_for(username, "GB")
    with frozen_at(today):
        totals = groceries_by_month(username, today)
        main_only = groceries_by_month(username, today, banks=BANKS[:1])
    assert totals == main_only  # the second bank adds no food shopping of its own
    for year, month in months:
        weeks = Decimal(calendar.monthrange(year, month)[1]) / 7
        expected = household.weekly_budget * weeks
        total = totals[(year, month)]
        # Four or five shop days fall in a month and each shop varies by 15%: within 40% of plan.
        assert expected * Decimal("0.6") <= total <= expected * Decimal("1.4"), (year, month, total, expected)
        # And by ONS's measure, £25-£90 a person a week, whatever the plan said.
        per_person_week = total / weeks / household.size
        assert Decimal(25) <= per_person_week <= Decimal(90), (year, month, per_person_week)


def test_groceries_are_deterministic_and_the_same_at_whichever_bank_is_main():
    today = date(2026, 11, 30)
    with frozen_at(today):
        first = groceries_by_month("jane", today, build=generate_book)
        again = groceries_by_month("jane", today, build=generate_book)
        elsewhere = groceries_by_month("jane", today, banks=(("hsbc", True),), build=generate_book)
    assert first == again and first
    # Each bank's feed reaches back its own distance: compare the months both hold in full.
    recent = ((2026, 10), (2026, 11))
    assert [first[m] for m in recent] == [elsewhere[m] for m in recent]


def test_the_week_before_christmas_has_the_bigger_big_shops():
    today = date(2026, 12, 31)
    household = household_for("sam", "GB")
    with frozen_at(today):
        current = build_book("monzo", "sam", today).snapshot("current")
    big_shops = [t for t in (*current.booked, *current.pending)
                 if t.merchant_name == household.store and t.timestamp.month == 12
                 and t.timestamp.weekday() in household.shop_days and -t.amount > household.weekly_budget / 4]
    christmas = [-t.amount for t in big_shops if 18 <= t.timestamp.day <= 24]
    others = [-t.amount for t in big_shops if not 18 <= t.timestamp.day <= 24]
    assert christmas and others
    assert sum(christmas) / len(christmas) > sum(others) / len(others)
