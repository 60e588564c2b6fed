from datetime import date

import pytest

from reconciliation.services.calendar import bank_holidays, is_working_day, working_days_between


@pytest.mark.parametrize(("year", "expected"), [
    (2026, {date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25),
            date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28)}),
    # Christmas on a Saturday: Monday and Tuesday are the substitutes.
    (2021, {date(2021, 1, 1), date(2021, 4, 2), date(2021, 4, 5), date(2021, 5, 3), date(2021, 5, 31),
            date(2021, 8, 30), date(2021, 12, 27), date(2021, 12, 28)}),
    # Christmas on a Sunday; New Year on a Saturday; the Jubilee and the funeral.
    (2022, {date(2022, 1, 3), date(2022, 4, 15), date(2022, 4, 18), date(2022, 5, 2), date(2022, 6, 2),
            date(2022, 6, 3), date(2022, 8, 29), date(2022, 9, 19), date(2022, 12, 26), date(2022, 12, 27)}),
])
def test_england_and_wales_bank_holidays(year, expected):
    assert bank_holidays(year) == expected


@pytest.mark.parametrize(("start", "end", "days"), [
    (date(2026, 1, 2), date(2026, 1, 5), 1),  # Friday -> Monday
    (date(2026, 1, 3), date(2026, 1, 5), 1),  # Saturday -> Monday
    (date(2026, 1, 5), date(2026, 1, 2), -1),  # Monday -> the Friday before
    (date(2026, 1, 5), date(2026, 1, 5), 0),
    (date(2026, 12, 24), date(2026, 12, 29), 1),  # Christmas Eve -> the Tuesday after the Boxing Day substitute
    (date(2026, 12, 31), date(2027, 1, 4), 1),  # across the year end and New Year's Day
    (date(2026, 4, 2), date(2026, 4, 7), 1),  # Maundy Thursday -> the Tuesday after Easter Monday
])
def test_working_days_between(start, end, days):
    assert working_days_between(start, end) == days


def test_weekends_and_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 1, 3)) and not is_working_day(date(2026, 8, 31))
    assert is_working_day(date(2026, 9, 1))
