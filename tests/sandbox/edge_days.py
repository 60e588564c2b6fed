"""The "todays" the sandbox's date-dependent tests run on: calendar edges where date code tends
to break, and the real date. The pure generator is cheap per day (its ledgers are played once
per person), so it takes them all; tests over HTTP take HTTP_TODAYS."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine

LONDON = ZoneInfo("Europe/London")  # settings.TIME_ZONE: the sandbox's "today" is a London date
REAL_TODAY = datetime.now(LONDON).date()

EDGE_TODAYS = sorted({
    date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 1), date(2026, 4, 30),  # month ends and starts
    date(2026, 6, 30), date(2026, 9, 30), date(2026, 11, 30),
    date(2026, 12, 1),  # the day a served August payment vanished after a 10-day advance
    date(2026, 12, 31), date(2027, 1, 1),  # year end
    date(2026, 4, 5), date(2026, 4, 6), date(2027, 4, 5), date(2027, 4, 6),  # UK tax year end and start
    date(2026, 3, 29), date(2026, 10, 25), date(2027, 3, 28), date(2027, 10, 31),  # BST starts / ends
    date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1),  # leap day
    REAL_TODAY,
})
HTTP_TODAYS = sorted({date(2026, 3, 29), date(2026, 12, 1), date(2026, 12, 31), date(2028, 2, 29), REAL_TODAY})
ADVANCES = (1, 10, 31)


def frozen_at(today: date) -> time_machine.travel:
    """Real time stopped at 00:30 in London on `today`: in summer the UTC date is still
    yesterday then, so code that mixes up UTC and local dates fails here rather than in June."""
    return time_machine.travel(datetime.combine(today, time(0, 30), tzinfo=LONDON), tick=False)
