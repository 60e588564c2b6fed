"""The periods a return is asked for, as (start, end) local dates.

A period is measured from the close of `start` (its value is the starting capital) to the close
of `end`; the flows of every day after `start` up to `end` count in it. Days are the person's
local days (settings.TIME_ZONE, Europe/London): a trade at 00:30 BST on 1 July belongs to July.
"1M" on 31 March starts at the close of 28 (or 29) February: a month back, clamped to the
month's last day, as a person reads "one month"."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum


class Period(StrEnum):
    M1 = "1M"
    M3 = "3M"
    YTD = "YTD"
    Y1 = "1Y"
    Y3 = "3Y"
    Y5 = "5Y"
    ALL = "ALL"
    CUSTOM = "CUSTOM"


STANDARD = (Period.M1, Period.M3, Period.YTD, Period.Y1, Period.Y3, Period.Y5, Period.ALL)


def months_back(day: date, months: int) -> date:
    """The same day `months` earlier, clamped to that month's last day (31 May - 3M = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_bounds(period: Period | str, today: date, first_day: date | None, *,
                  date_from: date | None = None, date_to: date | None = None) -> tuple[date, date]:
    """(start, end) of `period` ending `today` (the person's local date). `first_day`: the first
    day with any activity; "ALL" starts the day before it (nothing held: capital 0). CUSTOM
    covers `date_from`..`date_to` inclusive: it starts at the close of the day before
    `date_from`."""
    period = Period(period)
    if period == Period.CUSTOM:
        if date_from is None or date_to is None:
            raise ValueError("a custom period needs date_from and date_to")
        return date_from - timedelta(days=1), date_to
    end = today
    if period == Period.ALL:
        return ((first_day or today) - timedelta(days=1)), end
    if period == Period.YTD:
        return date(today.year - 1, 12, 31), end
    months = {Period.M1: 1, Period.M3: 3, Period.Y1: 12, Period.Y3: 36, Period.Y5: 60}[period]
    return months_back(today, months), end
