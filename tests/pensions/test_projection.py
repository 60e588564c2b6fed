"""The retirement projection: Decimal growth, contributions, charges, the lump sum cap, DB
incomes beside the pots, the State Pension from its age."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pensions.services.projection import DEFAULTS, Assumptions, IncomeInput, PotInput, grow, project

D = Decimal


def _assumptions(**changes):
    return Assumptions(**{**DEFAULTS, **changes})


def test_real_growth_defaults_are_cobs_intermediate_less_charge_and_inflation():
    rate = _assumptions().real_growth()
    assert rate == (D("1.05") * D("0.9925") / D("1.02")) - 1
    assert D("0.0216") < rate < D("0.0217")


def test_grow_with_no_growth_is_value_plus_contributions():
    assert grow(D(1000), D(100), D(0), 120) == D(13000)
    assert grow(D(1000), D(100), D("0.05"), 0) == D(1000)


def test_grow_one_year_at_five_percent():
    assert abs(grow(D(1000), D(0), D("0.05"), 12) - D(1050)) < D("0.0000001")


def test_projection_adds_pots_db_income_and_state_pension():
    result = project(assumptions=_assumptions(retirement_age=67, growth_rate_percent=D(2), inflation_percent=D(2),
                                              annual_charge_percent=D(0)),
                     born=date(1970, 6, 1), today=date(2027, 6, 1),
                     pots=[PotInput("A", D(100000), date(2027, 5, 1), D(0))],
                     incomes=[IncomeInput("DB", D(5000))],
                     state_pension_weekly=D("230.25"), state_pension_from=date(2037, 6, 1))
    assert result.months == 120 and result.pots_total == D(100000)  # zero real growth
    assert result.lump_sum == D(25000) and not result.lump_sum_capped
    assert result.drawdown_income == D(3000)  # 4% of 75,000
    assert result.state_pension == D(11973)  # 230.25 x 52
    assert result.income_at_retirement == D(3000) + D(5000) + D(11973)


def test_lump_sum_capped_by_the_allowance_and_state_pension_later():
    result = project(assumptions=_assumptions(retirement_age=60, growth_rate_percent=D(0), inflation_percent=D(0),
                                              annual_charge_percent=D(0)),
                     born=date(1970, 6, 1), today=date(2030, 6, 1),
                     pots=[PotInput("Big", D(2000000), None)], incomes=[],
                     state_pension_weekly=D(200), state_pension_from=date(2037, 6, 1))
    assert result.lump_sum == D(268275) and result.lump_sum_capped
    assert result.state_pension_later and result.income_at_retirement == (D(2000000) - D(268275)) * 4 / 100
    assert result.income_with_state_pension == result.income_at_retirement + D(10400)
