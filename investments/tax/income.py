"""Dividend and interest income for one tax year, in sterling, per account and security.

For each dividend: net = the cash received (`amount`), withheld = the tax taken at source
(`taxes`, e.g. 15% US withholding), fees = any charges inside it, gross = net + withheld + fees.
A platform that books the withholding as its own "tax" row on the security (IBKR does) adds
that row to `withheld` instead (the dividend's amount is then the gross). A dividend is
counted on its payment (booked) date, the date HMRC taxes it (ITTOIA 2005 s383, "paid").
Sterling: an account in GBP gives sterling; another currency is converted at the ECB reference
rate of the payment day (see sources.py).

Taxable accounts only. Income in ISAs, LISAs, JISAs and SIPPs is exempt and *listed
separately* (totals per account, marked not for the return); an account whose wrapper is not
known is listed in `excluded` and counted nowhere. Interest on uninvested cash is savings
income: the personal savings allowance is quoted for each income band (the platform cannot
know the person's band), beside the dividend allowance of the year.

Foreign tax withheld may be creditable (foreign tax credit relief, limited to the UK tax on
that income, often 15% under a treaty): the report shows it but does not work out the relief.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from investments.prices.base import FxSource

from .reports import ExcludedAccount, pence
from .rules import (
    PERSONAL_SAVINGS_ALLOWANCE,
    PSA_FIRST_YEAR,
    PSA_SOURCE,
    Allowance,
    TaxYear,
    dividend_allowance,
)
from .sources import Located, Sterling

ZERO = Decimal(0)


@dataclass
class IncomeLine:
    kind: str  # dividend | interest
    account: str
    security: str  # "" for interest on cash
    payments: int = 0
    gross: Decimal = ZERO
    withheld: Decimal = ZERO
    fees: Decimal = ZERO

    @property
    def net(self) -> Decimal:
        return self.gross - self.withheld - self.fees


@dataclass(frozen=True)
class IncomeTotals:
    gross: Decimal
    withheld: Decimal
    net: Decimal


@dataclass
class IncomeReport:
    tax_year: TaxYear
    dividends: list[IncomeLine]
    interest: list[IncomeLine]
    dividend_totals: IncomeTotals
    interest_totals: IncomeTotals
    dividend_allowance: Allowance
    personal_savings_allowance: dict[str, Decimal] | None
    psa_source: str = PSA_SOURCE
    exempt: list[IncomeLine] = field(default_factory=list)  # ISA/SIPP income, not for the return
    excluded: list[ExcludedAccount] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def dividends_over_allowance(self) -> Decimal:
        return max(self.dividend_totals.gross - (self.dividend_allowance.amount or ZERO), ZERO)


def _lines(located: list[Located], year: TaxYear, sterling: Sterling, problems: list[str]) -> list[IncomeLine]:
    lines: dict[tuple, IncomeLine] = {}
    for item in located:
        row = item.row
        if row.booked_date not in year:
            continue
        kind = "dividend" if row.type in ("dividend", "tax") else "interest"
        if row.type == "tax" and not item.security:
            continue  # a tax row on the account (not withholding on a dividend) is no income
        key = (kind, item.account, item.label if kind == "dividend" else "")
        line = lines.setdefault(key, IncomeLine(kind, *key[1:]))
        amount, note = sterling.convert(row.amount or ZERO, row.currency, row.booked_date)
        taxes, _ = sterling.convert(row.taxes or ZERO, row.currency, row.booked_date)
        fees, _ = sterling.convert(row.fees or ZERO, row.currency, row.booked_date)
        if amount is None:
            problems.append(f"{row.booked_date.isoformat()} {row.type} in {item.account}: {note}")
            continue
        if row.type == "tax":
            line.withheld -= amount  # a withholding row is negative; a refund positive
            continue
        line.payments += 1
        line.withheld += taxes or ZERO
        line.fees += fees or ZERO
        line.gross += amount + (taxes or ZERO) + (fees or ZERO)
    ordered = sorted(lines.values(), key=lambda line: (line.kind, line.account, line.security))
    for line in ordered:
        line.gross, line.withheld, line.fees = pence(line.gross), pence(line.withheld), pence(line.fees)
    return ordered


def _totals(lines: list[IncomeLine]) -> IncomeTotals:
    gross = sum((line.gross for line in lines), ZERO)
    withheld = sum((line.withheld for line in lines), ZERO)
    return IncomeTotals(gross, withheld, sum((line.net for line in lines), ZERO))


def income_report(located: list[Located], year: TaxYear, fx: FxSource, *, exempt: list[Located] | None = None,
                  excluded: list[ExcludedAccount] | None = None) -> IncomeReport:
    sterling = Sterling(fx)
    problems: list[str] = []
    lines = _lines(located, year, sterling, problems)
    dividends = [line for line in lines if line.kind == "dividend"]
    interest = [line for line in lines if line.kind == "interest"]
    sheltered = _lines(exempt or [], year, sterling, [])
    by_account: dict[tuple[str, str], IncomeLine] = defaultdict(lambda: IncomeLine("", "", ""))
    for line in sheltered:  # one line per exempt account and kind is enough: none of it is for the return
        total = by_account[(line.kind, line.account)]
        total.kind, total.account = line.kind, line.account
        total.payments += line.payments
        total.gross += line.gross
        total.withheld += line.withheld
        total.fees += line.fees
    return IncomeReport(
        tax_year=year, dividends=dividends, interest=interest, dividend_totals=_totals(dividends),
        interest_totals=_totals(interest), dividend_allowance=dividend_allowance(year),
        personal_savings_allowance=dict(PERSONAL_SAVINGS_ALLOWANCE) if year.start_year >= PSA_FIRST_YEAR else None,
        exempt=sorted(by_account.values(), key=lambda line: (line.account, line.kind)),
        excluded=[e for e in excluded or [] if e.wrapper not in ("isa", "lisa", "jisa", "sipp")], problems=problems,
    )
