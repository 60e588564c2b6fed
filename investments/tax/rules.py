"""UK tax years and the yearly figures the reports quote, each with where it comes from.

A tax year runs from 6 April to 5 April (ITA 2007 s4); "2024" means the year that starts on
6 April 2024, written 2024-25. The day of a trade is its booked (trade) date, which the
platforms give in UK terms already; no time-of-day arithmetic is needed here.

The tables end with the figure the law sets "for 2024-25 and subsequent tax years"; a later year
gets that figure (it stands until an Act changes it). `known=False` is kept for a table whose
last figure is only for its own year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

FIRST_SUPPORTED_YEAR = 2008  # the share identification rules used here apply from 6 April 2008 (CG51550)

# The CGT main rates on shares rose (10% -> 18%, 20% -> 24%) for disposals made on or after
# 30 October 2024: Finance Act 2025 s7(3) (legislation.gov.uk/ukpga/2025/8/section/7), which
# amends TCGA 1992 s1H(3). The report splits 2024-25 gains before and after this day.
RATE_CHANGE_2024 = date(2024, 10, 30)

# Annual exempt amount for individuals (TCGA 1992 s1K): start year -> amount.
# - 2024-25 on £3,000 and 2023-24 £6,000: Finance Act 2023 s8 (legislation.gov.uk/ukpga/2023/1/section/8),
#   which also ended the CPI indexation (s1L).
# - 2020-21 to 2022-23 £12,300: Finance Act 2021 s40 froze the 2020-21 figure for 2021-22 and 2022-23.
# - 2018-19 £11,700, 2019-20 £12,000, 2020-21 £12,300: published tax tables (Davis Grant CGT tables).
# - 2008-09 .. 2017-18: HMRC's yearly figures as the rates-and-allowances history lists them; these
#   were not re-checked against a source in this change (they only matter for old years).
ANNUAL_EXEMPT_AMOUNT = {
    2008: Decimal(9600), 2009: Decimal(10100), 2010: Decimal(10100), 2011: Decimal(10600),
    2012: Decimal(10600), 2013: Decimal(10900), 2014: Decimal(11000), 2015: Decimal(11100),
    2016: Decimal(11100), 2017: Decimal(11300), 2018: Decimal(11700), 2019: Decimal(12000),
    2020: Decimal(12300), 2021: Decimal(12300), 2022: Decimal(12300), 2023: Decimal(6000),
    2024: Decimal(3000), 2025: Decimal(3000),
}
AEA_SOURCE = "TCGA 1992 s1K; Finance Act 2021 s40; Finance Act 2023 s8 (£6,000 for 2023-24, £3,000 from 2024-25)"

# Dividend allowance, the "dividend nil rate" (ITA 2007 s13A): £5,000 for 2016-17 and 2017-18,
# £2,000 for 2018-19 .. 2022-23 (Finance Act 2018), £1,000 for 2023-24 and £500 from 2024-25
# (Finance Act 2023 s7, legislation.gov.uk/ukpga/2023/1/section/7). None before 2016-17.
DIVIDEND_ALLOWANCE = {
    2016: Decimal(5000), 2017: Decimal(5000), 2018: Decimal(2000), 2019: Decimal(2000), 2020: Decimal(2000),
    2021: Decimal(2000), 2022: Decimal(2000), 2023: Decimal(1000), 2024: Decimal(500), 2025: Decimal(500),
}
DIVIDEND_ALLOWANCE_SOURCE = "ITA 2007 s13A; Finance Act 2023 s7 (£1,000 for 2023-24, £500 from 2024-25)"

# Personal savings allowance (ITA 2007 s12A, from 2016-17): it depends on the person's income
# band, which the platform cannot know, so the report quotes all three.
PERSONAL_SAVINGS_ALLOWANCE = {"basic rate": Decimal(1000), "higher rate": Decimal(500), "additional rate": Decimal(0)}
PSA_FIRST_YEAR = 2016
PSA_SOURCE = "ITA 2007 s12A (since 6 April 2016)"


class TaxYearError(ValueError):
    """A tax year that cannot be read or is outside what the report supports."""


@dataclass(frozen=True, order=True)
class TaxYear:
    start_year: int

    @classmethod
    def of(cls, day: date) -> TaxYear:
        return cls(day.year if (day.month, day.day) >= (4, 6) else day.year - 1)

    @classmethod
    def parse(cls, text: str | int) -> TaxYear:
        """"2024", "2024-25" or "2024/25" -> the year starting 6 April 2024."""
        value = str(text).strip()
        found = re.fullmatch(r"(\d{4})(?:[-/](\d{2}|\d{4}))?", value)
        if not found:
            raise TaxYearError(f"{value!r} is not a tax year: write 2024 or 2024-25 (the year from 6 April 2024)")
        start = int(found.group(1))
        if found.group(2):
            end, expected = int(found.group(2)), start + 1
            if end != (expected if len(found.group(2)) == 4 else expected % 100):
                raise TaxYearError(f"{value!r}: a tax year ends the year after it starts ({start}-{(start + 1) % 100:02d})")
        if start < FIRST_SUPPORTED_YEAR or start > 2100:
            raise TaxYearError(f"{value!r}: only tax years from {FIRST_SUPPORTED_YEAR}-{(FIRST_SUPPORTED_YEAR + 1) % 100:02d} "
                               "are supported (the share identification rules of 6 April 2008)")
        return cls(start)

    @property
    def start(self) -> date:
        return date(self.start_year, 4, 6)

    @property
    def end(self) -> date:
        return date(self.start_year + 1, 4, 5)

    @property
    def label(self) -> str:
        return f"{self.start_year}-{(self.start_year + 1) % 100:02d}"

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Allowance:
    amount: Decimal | None
    known: bool  # False: the year is beyond the table and the last known figure is shown
    source: str


def _lookup(table: dict[int, Decimal], year: TaxYear, source: str) -> Allowance:
    if year.start_year in table:
        return Allowance(table[year.start_year], True, source)
    last = max(table)
    if year.start_year > last:
        # Both Acts set the last figure "for the tax year 2024-25 and subsequent tax years": it
        # stands until a later Act changes it (update the table then).
        return Allowance(table[last], True, source)
    return Allowance(None, True, source)


def annual_exempt_amount(year: TaxYear) -> Allowance:
    return _lookup(ANNUAL_EXEMPT_AMOUNT, year, AEA_SOURCE)


def dividend_allowance(year: TaxYear) -> Allowance:
    return _lookup(DIVIDEND_ALLOWANCE, year, DIVIDEND_ALLOWANCE_SOURCE)
