"""State Pension age from a date of birth, under the timetable in force (men and women alike
for anyone born on or after 6 December 1953).

Sources (legislation.gov.uk; the same tables as GOV.UK "State Pension age timetables", 2014):
- Pensions Act 1995 Sch 4 Pt 1 (women's rise to 65) and Pensions Act 2011 s1 + Sch 1 (its
  acceleration, and the step to 66 for people born 6 December 1953 - 5 October 1954: fixed
  dates from 6 March 2019 to 6 September 2020, table below). People born before 6 December
  1953 reached State Pension age by 6 November 2018 at the latest, at an age that depended on
  sex; we only say it is reached.
- Pensions Act 2011 s1: 66 for people born 6 October 1954 - 5 April 1960.
- Pensions Act 2007 s13 + Sch 3 as amended by Pensions Act 2014 s26: born 6 April 1960 - 5 March
  1961, 66 years and 1 to 11 months (one month more for each month of birth; the first step,
  66 and 1 month, is for births 6 April - 5 May 1960); then 67 for people born 6 March 1961 -
  5 April 1977 (the rise to 67 happens between 2026 and 2028).
- Pensions Act 2007 Sch 3 (current law, the 2017 review's proposal to bring it forward never
  legislated): born 6 April 1977 - 5 April 1978, fixed dates 6 May 2044 - 6 March 2046; 68
  for anyone born on or after 6 April 1978.
A birthday is the anniversary of the date of birth (Family Law Reform Act 1969 s9); for
someone born on 29 February it falls on 1 March in a common year. "66 years and N months" is
the day N months after the 66th birthday, the month's last day when it has no such day."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

# Pensions Act 2011 Sch 1 (as amended): born in [start, end] -> pensionable on that date.
_2011_TABLE = (
    (date(1953, 12, 6), date(1954, 1, 5), date(2019, 3, 6)),
    (date(1954, 1, 6), date(1954, 2, 5), date(2019, 5, 6)),
    (date(1954, 2, 6), date(1954, 3, 5), date(2019, 7, 6)),
    (date(1954, 3, 6), date(1954, 4, 5), date(2019, 9, 6)),
    (date(1954, 4, 6), date(1954, 5, 5), date(2019, 11, 6)),
    (date(1954, 5, 6), date(1954, 6, 5), date(2020, 1, 6)),
    (date(1954, 6, 6), date(1954, 7, 5), date(2020, 3, 6)),
    (date(1954, 7, 6), date(1954, 8, 5), date(2020, 5, 6)),
    (date(1954, 8, 6), date(1954, 9, 5), date(2020, 7, 6)),
    (date(1954, 9, 6), date(1954, 10, 5), date(2020, 9, 6)),
)
# Pensions Act 2007 Sch 3: the rise from 67 to 68.
_2007_TABLE_68 = tuple(
    (date(1977 + (3 + i) // 12, (3 + i) % 12 + 1, 6), date(1977 + (4 + i) // 12, (4 + i) % 12 + 1, 5),
     date(2044 + (4 + 2 * i) // 12, (4 + 2 * i) % 12 + 1, 6))
    for i in range(12)
)


@dataclass(frozen=True)
class StatePensionAge:
    on: date | None  # None: reached before 6 November 2018 (an age that depended on sex)
    years: int
    months: int
    rule: str

    def reached(self, today: date) -> bool:
        return self.on is None or self.on <= today


def anniversary(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a common year
        return date(born.year + years, 3, 1)


def _plus_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _age_at(born: date, on: date) -> tuple[int, int]:
    months = (on.year - born.year) * 12 + on.month - born.month - (1 if on.day < born.day else 0)
    return months // 12, months % 12


def state_pension_age(born: date) -> StatePensionAge:
    if born < date(1953, 12, 6):
        return StatePensionAge(None, 0, 0, "Pensions Act 1995 / 2011: reached by 6 November 2018")
    for start, end, on in _2011_TABLE:
        if start <= born <= end:
            return StatePensionAge(on, *_age_at(born, on), "Pensions Act 2011 Sch 1")
    if born < date(1960, 4, 6):
        return StatePensionAge(anniversary(born, 66), 66, 0, "Pensions Act 2011 s1")
    if born < date(1961, 3, 6):
        months = (born.year - 1960) * 12 + born.month - 4 + (0 if born.day >= 6 else -1) + 1
        return StatePensionAge(_plus_months(anniversary(born, 66), months), 66, months,
                               "Pensions Act 2014 s26 (Pensions Act 2007 Sch 3)")
    if born < date(1977, 4, 6):
        return StatePensionAge(anniversary(born, 67), 67, 0, "Pensions Act 2014 s26")
    for start, end, on in _2007_TABLE_68:
        if start <= born <= end:
            return StatePensionAge(on, *_age_at(born, on), "Pensions Act 2007 Sch 3")
    return StatePensionAge(anniversary(born, 68), 68, 0, "Pensions Act 2007 s13")
