"""Working days in England and Wales: the days UK banks move money (Bacs and CHAPS settle only
on them; Faster Payments run every day, but business accounts commonly book a payment that
arrives on a weekend or bank holiday on the next working day). The window of a match is counted
in these days, so a payout due on a Friday before a bank-holiday Monday still matches the credit
booked on Tuesday, and a Christmas payout the one booked after Boxing Day."""

from __future__ import annotations

import functools
from datetime import date, timedelta

from dateutil.easter import easter

# Bank holidays moved or added by proclamation (gov.uk/bank-holidays): VE Day 75 (2020, instead
# of the early-May Monday), the Platinum Jubilee (2022: spring moved to 2 June, plus 3 June), the
# Queen's funeral (2022) and the Coronation (2023).
_PROCLAIMED = {2020: ({date(2020, 5, 8)}, {date(2020, 5, 4)}),
               2022: ({date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)}, {date(2022, 5, 30)}),
               2023: ({date(2023, 5, 8)}, set())}


def _first_monday(year: int, month: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    day = (date(year, month + 1, 1) if month < 12 else date(year + 1, 1, 1)) - timedelta(days=1)
    return day - timedelta(days=day.weekday())


@functools.cache
def bank_holidays(year: int) -> frozenset[date]:
    """England and Wales bank holidays of `year`, with their weekday substitutes."""
    days = set()
    new_year = date(year, 1, 1)
    days.add(new_year + timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0)))
    sunday = easter(year)
    days |= {sunday - timedelta(days=2), sunday + timedelta(days=1)}
    days |= {_first_monday(year, 5), _last_monday(year, 5), _last_monday(year, 8)}
    christmas = date(year, 12, 25)
    # Christmas and Boxing Day each take the next weekday the other has not taken.
    taken: set[date] = set()
    for day in (christmas, christmas + timedelta(days=1)):
        while day.weekday() >= 5 or day in taken:
            day += timedelta(days=1)
        taken.add(day)
    days |= taken
    added, removed = _PROCLAIMED.get(year, (set(), set()))
    return frozenset((days - removed) | added)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(day.year)


def working_days_between(start: date, end: date) -> int:
    """Signed count of working days after `start` up to and including `end`: Friday -> Monday
    is 1, Saturday -> Monday is 1, the same day is 0, Monday -> the Friday before is -1."""
    if end == start:
        return 0
    step = 1 if end > start else -1
    count, day = 0, start
    # Windows are a few days: walking them is clearer than arithmetic, and cheap.
    while day != end:
        day += timedelta(days=step)
        if is_working_day(day if step > 0 else day + timedelta(days=1)):
            count += step
    return count
