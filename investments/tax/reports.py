"""The capital gains report for one tax year, for a person (every taxable account they have)
or for one activities file, from the matching in cgt.py.

Which accounts: only taxable ones, GIA. ISA, LISA, JISA and SIPP are exempt (gains in them are
not chargeable: ISA Regulations 1998 reg 34; TCGA 1992 s271(1)(g) for pension schemes) and are
left out; an account whose wrapper is not known ("other") is left out too and *named*, so the
person can say what it is (a guessed wrapper would give a wrong figure either way). The
matching runs over the person's whole taxable history, all years, so a disposal in this year
is matched with acquisitions of any year and the 30 days into the next.

Rounding: the computation keeps exact Decimals; each disposal's figures are shown to the penny
(round half to even); the year's totals are the exact sums rounded to the penny once. The
figures "for the return" are whole pounds, rounded in the person's favour (proceeds and gains
down, allowable costs and losses up): the tax return asks for whole pounds; the direction is
this report's convention, said here rather than left to chance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from integrations_core.money import to_minor
from investments.prices.base import FxSource

from .cgt import CgtProblem, CgtResult, Disposal, match_disposals
from .rules import RATE_CHANGE_2024, Allowance, TaxYear, annual_exempt_amount
from .sources import Located, cgt_trades

ZERO = Decimal(0)
TAXABLE_WRAPPERS = frozenset({"gia"})
EXEMPT_WRAPPERS = frozenset({"isa", "lisa", "jisa", "sipp"})
POOLING_NOTE = ("HMRC pools shares per person and per security, not per account (TCGA 1992 s104(1)): every "
                "taxable account of yours, on every platform, is matched together.")


def pence(value: Decimal) -> Decimal:
    return to_minor(value, "GBP")


def pounds_down(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_FLOOR)


def pounds_up(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_CEILING)


@dataclass(frozen=True)
class ExcludedAccount:
    name: str
    wrapper: str
    reason: str


@dataclass(frozen=True)
class CgtTotals:
    disposals: int
    proceeds: Decimal  # gross, before the costs of selling (SA108 "disposal proceeds")
    allowable_costs: Decimal  # acquisition costs matched plus the costs of selling
    gains: Decimal  # the sum of the gains (losses not netted)
    losses: Decimal  # the sum of the losses, positive
    net: Decimal  # gains - losses (negative: a net loss, carried forward)
    annual_exempt_amount: Allowance
    taxable: Decimal  # net gains above the exempt amount (before losses brought forward)
    net_before_rate_change: Decimal | None  # 2024-25 only: disposals before 30 October 2024
    net_from_rate_change: Decimal | None

    def for_return(self) -> dict[str, Decimal]:
        return {"proceeds": pounds_down(self.proceeds), "allowable_costs": pounds_up(self.allowable_costs),
                "gains": pounds_down(self.gains), "losses": pounds_up(self.losses)}


@dataclass
class CgtReport:
    tax_year: TaxYear
    disposals: list[Disposal]
    totals: CgtTotals
    problems: list[CgtProblem] = field(default_factory=list)
    excluded_accounts: list[ExcludedAccount] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)  # the taxable accounts counted
    pooling_note: str = POOLING_NOTE

    @property
    def complete(self) -> bool:
        return not any(problem.fatal for problem in self.problems)


def cgt_match(located: list[Located], fx: FxSource) -> tuple[CgtResult, list[CgtProblem]]:
    """Every disposal of the whole history matched, and the securities refused before matching."""
    trades, problems = cgt_trades(located, fx)
    return match_disposals(trades), problems


def cgt_report_from(matched: tuple[CgtResult, list[CgtProblem]], year: TaxYear, *, accounts: list[str] | None = None,
                    excluded: list[ExcludedAccount] | None = None) -> CgtReport:
    result, problems = matched
    in_year = [d for d in result.disposals if d.day in year]
    return CgtReport(tax_year=year, disposals=in_year, totals=_totals(in_year, year),
                     problems=problems + result.problems, excluded_accounts=excluded or [],
                     accounts=accounts or [])


def cgt_report(located: list[Located], year: TaxYear, fx: FxSource, *, accounts: list[str] | None = None,
               excluded: list[ExcludedAccount] | None = None) -> CgtReport:
    """The report for `year` from every taxable transaction (any year) in `located`."""
    return cgt_report_from(cgt_match(located, fx), year, accounts=accounts, excluded=excluded)


def _totals(disposals: list[Disposal], year: TaxYear) -> CgtTotals:
    gains = sum((d.gain for d in disposals if d.gain > 0), ZERO)
    losses = -sum((d.gain for d in disposals if d.gain < 0), ZERO)
    net = gains - losses
    allowance = annual_exempt_amount(year)
    taxable = max(net - (allowance.amount or ZERO), ZERO)
    before = after = None
    if RATE_CHANGE_2024 in year:
        before = pence(sum((d.gain for d in disposals if d.day < RATE_CHANGE_2024), ZERO))
        after = pence(sum((d.gain for d in disposals if d.day >= RATE_CHANGE_2024), ZERO))
    return CgtTotals(
        disposals=len(disposals),
        proceeds=pence(sum((d.gross_proceeds for d in disposals), ZERO)),
        allowable_costs=pence(sum((d.allowable_cost + d.costs for d in disposals), ZERO)),
        gains=pence(gains), losses=pence(losses), net=pence(net), annual_exempt_amount=allowance,
        taxable=pence(taxable), net_before_rate_change=before, net_from_rate_change=after,
    )


def wrapper_exclusion(name: str, wrapper: str) -> ExcludedAccount | None:
    """None for a taxable account; otherwise why it is left out."""
    if wrapper in TAXABLE_WRAPPERS:
        return None
    if wrapper in EXEMPT_WRAPPERS:
        return ExcludedAccount(name, wrapper, "tax-free wrapper: its gains and income are exempt")
    return ExcludedAccount(name, wrapper or "other",
                           "wrapper not known: say whether it is a GIA or an ISA/SIPP on the portfolio page")


def disposal_days_in(report: CgtReport) -> list[date]:
    return sorted({d.day for d in report.disposals})
