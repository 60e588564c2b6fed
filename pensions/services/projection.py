"""What will I retire on? A deterministic projection in today's money.

Defaults (every one shown on the projection page and editable by the person):
- Growth: 5% a year before charges and inflation, the intermediate rate of return of the FCA's
  projection rules for pension products (COBS 13 Annex 2 2.2R: lower 2%, intermediate 5%,
  higher 8%), deflated by 2% price inflation, the intermediate rate of price inflation of COBS 13
  Annex 2 2.5R, as COBS 13 Annex 2 1.2R requires a projection in real terms.
- Charges: 0.75% a year of the pot, the charge cap on auto-enrolment default funds (Occupational
  Pension Schemes (Charges and Governance) Regulations 2015 reg 4), unless the pot says its own.
- Contributions: each pot's monthly contribution, kept level in today's money (rising with prices).
- At retirement: 25% of the pots taken as a tax-free lump sum, capped by the lump sum allowance
  of GBP 268,275 (Finance Act 2024, from 6 April 2024); the rest drawn down at 4% a year (a
  common planning rule of thumb, not a regulatory figure), with no allowance for income tax.
- Defined-benefit pensions: the yearly income the scheme states (its estimated retirement income,
  else the accrued income), taken as already in today's money as schemes illustrate them.
- State Pension: the weekly forecast the person entered times 52, from their State Pension age.
Money is Decimal throughout; the results are rounded to whole pounds for display only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

LUMP_SUM_ALLOWANCE = Decimal("268275")
DEFAULTS = {
    "retirement_age": 67,
    "growth_rate_percent": Decimal("5.00"),
    "inflation_percent": Decimal("2.00"),
    "annual_charge_percent": Decimal("0.750"),
    "lump_sum_percent": Decimal("25.00"),
    "drawdown_rate_percent": Decimal("4.00"),
}
# Said wherever the defaults are shown (page and API), so the person knows whose figures they are.
DEFAULTS_SOURCE = ("FCA projection assumptions (COBS 13 Annex 2): 5% intermediate growth and 2% inflation; "
                   "0.75% charges (the auto-enrolment charge cap); 25% tax-free lump sum; 4% drawdown "
                   "(a planning rule of thumb, not an FCA figure).")
WEEKS_A_YEAR = 52
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Assumptions:
    retirement_age: int
    growth_rate_percent: Decimal
    inflation_percent: Decimal
    annual_charge_percent: Decimal
    lump_sum_percent: Decimal
    drawdown_rate_percent: Decimal

    def real_growth(self, charge_percent: Decimal | None = None) -> Decimal:
        """The yearly real rate after charges: (1 + g)(1 - c) / (1 + i) - 1."""
        charge = self.annual_charge_percent if charge_percent is None else charge_percent
        return ((1 + self.growth_rate_percent / HUNDRED) * (1 - charge / HUNDRED)
                / (1 + self.inflation_percent / HUNDRED)) - 1


@dataclass(frozen=True)
class PotInput:
    name: str
    value: Decimal
    value_date: date | None
    monthly_contribution: Decimal = Decimal(0)
    annual_charge_percent: Decimal | None = None


@dataclass(frozen=True)
class IncomeInput:
    name: str
    annual_amount: Decimal
    payable_from: date | None = None


@dataclass(frozen=True)
class PotProjection:
    name: str
    value_now: Decimal
    value_at_retirement: Decimal
    real_growth_percent: Decimal
    contributions_total: Decimal


@dataclass(frozen=True)
class Projection:
    assumptions: Assumptions
    retirement_date: date
    months: int
    pots: list[PotProjection]
    pots_total: Decimal
    lump_sum: Decimal
    lump_sum_capped: bool
    drawdown_income: Decimal
    db_incomes: list[IncomeInput]
    db_income: Decimal
    state_pension: Decimal
    state_pension_from: date | None
    state_pension_later: bool  # State Pension age falls after the chosen retirement date
    income_at_retirement: Decimal  # a year, today's money, before any State Pension paid later
    income_with_state_pension: Decimal
    notes: list[str] = field(default_factory=list)


def _months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)
    return max(0, months)


def grow(value: Decimal, monthly: Decimal, yearly_rate: Decimal, months: int) -> Decimal:
    """A pot after `months`: the value compounded monthly at the yearly real rate, plus a level
    contribution at the end of each month."""
    if months <= 0:
        return value
    rate = (1 + yearly_rate) ** (Decimal(1) / 12) - 1
    factor = (1 + rate) ** months
    paid = monthly * months if rate == 0 else monthly * (factor - 1) / rate
    return value * factor + paid


def pounds(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("1"), rounding=ROUND_HALF_EVEN)


def project(*, assumptions: Assumptions, born: date, today: date, pots: list[PotInput],
            incomes: list[IncomeInput], state_pension_weekly: Decimal | None,
            state_pension_from: date | None) -> Projection:
    from .state_pension import anniversary

    retire_on = anniversary(born, assumptions.retirement_age)
    months = _months_between(today, retire_on)
    projected = []
    for pot in pots:
        rate = assumptions.real_growth(pot.annual_charge_percent)
        at_retirement = grow(pot.value, pot.monthly_contribution, rate, months)
        projected.append(PotProjection(pot.name, pot.value, pounds(at_retirement), (rate * HUNDRED).quantize(
            Decimal("0.01")), pot.monthly_contribution * months))
    total = sum((p.value_at_retirement for p in projected), Decimal(0))
    wanted = total * assumptions.lump_sum_percent / HUNDRED
    lump = min(wanted, LUMP_SUM_ALLOWANCE)
    drawdown = (total - lump) * assumptions.drawdown_rate_percent / HUNDRED
    db_income = sum((i.annual_amount for i in incomes), Decimal(0))
    state = (state_pension_weekly or Decimal(0)) * WEEKS_A_YEAR
    later = state_pension_from is not None and state_pension_from > retire_on
    notes = []
    if later:
        notes.append(f"Your State Pension starts on {state_pension_from:%d %B %Y}, after the retirement date you chose.")
    if lump < wanted:
        notes.append("The tax-free lump sum is capped by the lump sum allowance (GBP 268,275).")
    if state_pension_weekly is None:
        notes.append("Add your State Pension forecast to include it.")
    at_retirement = drawdown + db_income + (Decimal(0) if later else state)
    return Projection(
        assumptions=assumptions, retirement_date=retire_on, months=months, pots=projected, pots_total=pounds(total),
        lump_sum=pounds(lump), lump_sum_capped=lump < wanted, drawdown_income=pounds(drawdown),
        db_incomes=incomes, db_income=pounds(db_income), state_pension=pounds(state),
        state_pension_from=state_pension_from, state_pension_later=later,
        income_at_retirement=pounds(at_retirement), income_with_state_pension=pounds(drawdown + db_income + state),
        notes=notes)
