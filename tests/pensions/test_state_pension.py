"""State Pension age at every boundary of the timetable (real dates from the Acts' tables)."""

from __future__ import annotations

from datetime import date

import pytest

from pensions.services.state_pension import state_pension_age


@pytest.mark.parametrize(("born", "on", "years", "months"), [
    (date(1953, 12, 5), None, 0, 0),  # reached under the sex-based rules, by 6 Nov 2018
    (date(1953, 12, 6), date(2019, 3, 6), 65, 3),  # Pensions Act 2011 Sch 1, first row
    (date(1954, 10, 5), date(2020, 9, 6), 65, 11),  # its last row
    (date(1954, 10, 6), date(2020, 10, 6), 66, 0),  # 66 from here
    (date(1960, 4, 5), date(2026, 4, 5), 66, 0),
    (date(1960, 4, 6), date(2026, 5, 6), 66, 1),  # Pensions Act 2014 s26: 66 and 1 month
    (date(1960, 5, 5), date(2026, 6, 5), 66, 1),
    (date(1960, 5, 6), date(2026, 7, 6), 66, 2),
    (date(1960, 7, 31), date(2026, 11, 30), 66, 4),  # no 31 November: the month's last day
    (date(1961, 3, 5), date(2028, 2, 5), 66, 11),
    (date(1961, 3, 6), date(2028, 3, 6), 67, 0),  # 67
    (date(1964, 2, 29), date(2031, 3, 1), 67, 0),  # a 29 February birthday in a common year
    (date(1977, 4, 5), date(2044, 4, 5), 67, 0),
    (date(1977, 4, 6), date(2044, 5, 6), 67, 1),  # Pensions Act 2007 Sch 3: the rise to 68
    (date(1978, 4, 5), date(2046, 3, 6), 67, 11),
    (date(1978, 4, 6), date(2046, 4, 6), 68, 0),  # 68 under current law
    (date(1990, 12, 31), date(2058, 12, 31), 68, 0),
])
def test_state_pension_age(born, on, years, months):
    age = state_pension_age(born)
    assert age.on == on
    if on is not None:
        assert (age.years, age.months) == (years, months)
    assert age.rule.startswith("Pensions Act")
