"""Queries for the pension pages and API: the person's pensions with their latest valuation,
one pension's history, the DB incomes shown beside net worth, and the projection's inputs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from integrations_core.models import ConnectionStatus

from .ledger import pension_accounts_counted
from .models import (
    POT_TYPES,
    MatchType,
    PensionAccount,
    PensionConnection,
    PensionValuation,
    RetirementAssumptions,
    StatePensionForecast,
)
from .services.identity import date_of_birth_clean, identity_get
from .services.projection import DEFAULTS, Assumptions, IncomeInput, PotInput, Projection, project
from .services.state_pension import StatePensionAge, state_pension_age


def pension_list(user) -> QuerySet[PensionAccount]:
    latest = PensionValuation.objects.filter(account=OuterRef("pk")).order_by("-date")
    return (pension_accounts_counted(user).select_related("connection")
            .annotate(latest_value=Subquery(latest.values("value")[:1]),
                      latest_date=Subquery(latest.values("date")[:1]),
                      latest_source=Subquery(latest.values("source")[:1]),
                      latest_basis=Subquery(latest.values("basis")[:1]),
                      latest_eri=Subquery(latest.values("eri_annual_amount")[:1]))
            .order_by("match_type", "name"))


def pension_get(user, pk) -> PensionAccount:
    """One of the person's pensions, with its valuations newest first; 404 for anyone else's."""
    pension = (PensionAccount.objects.filter(pk=pk, connection__user=user).select_related("connection")
               .prefetch_related(Prefetch("valuations", queryset=PensionValuation.objects.order_by("-date"))).first())
    if pension is None:
        raise Http404("No such pension")
    return pension


def pension_connections(user) -> QuerySet[PensionConnection]:
    return (PensionConnection.objects.filter(user=user).exclude(provider="manual")
            .exclude(status=ConnectionStatus.REVOKED))


@dataclass(frozen=True)
class PensionIncome:
    name: str
    annual_amount: object
    payable_from: date | None
    as_of: date | None


def pension_incomes(user) -> list[PensionIncome]:
    """Income-type pensions (DB...) at their latest statement: shown beside net worth, never in it."""
    out = []
    for p in pension_list(user).exclude(pension_type__in=POT_TYPES).filter(match_type=MatchType.DEFN):
        valuation = p.valuations.order_by("-date").first()
        if valuation is None:
            continue
        out.append(PensionIncome(p.name, valuation.eri_annual_amount or valuation.value, valuation.eri_payable_date,
                                 valuation.date))
    return out


def date_of_birth(user) -> date | None:
    value = identity_get(user).get("date_of_birth")
    return date_of_birth_clean(value) if value else None


def state_pension_get(user) -> tuple[StatePensionForecast | None, StatePensionAge | None]:
    born = date_of_birth(user)
    return StatePensionForecast.objects.filter(user=user).first(), (state_pension_age(born) if born else None)


def assumptions_get(user) -> Assumptions:
    row = RetirementAssumptions.objects.filter(user=user).first()
    if row is None:
        values = dict(DEFAULTS)
        born = date_of_birth(user)
        if born is not None:  # default: retire at State Pension age (whole years)
            spa = state_pension_age(born)
            values["retirement_age"] = max(spa.years, 55) if spa.on else DEFAULTS["retirement_age"]
        return Assumptions(**values)
    return Assumptions(**{k: getattr(row, k) for k in DEFAULTS})


def projection_get(user, assumptions: Assumptions | None = None) -> Projection | None:
    """None until the person's date of birth is known (a find request or the State Pension form)."""
    born = date_of_birth(user)
    if born is None:
        return None
    pots, incomes = [], []
    for p in pension_list(user).filter(match_type=MatchType.DEFN):
        if p.pension_type in POT_TYPES:
            if p.latest_value is not None:
                pots.append(PotInput(p.name, p.latest_value, p.latest_date, p.monthly_contribution,
                                     p.annual_charge_percent))
        elif p.latest_value is not None:
            incomes.append(IncomeInput(p.name, p.latest_eri or p.latest_value))
    forecast, spa = state_pension_get(user)
    return project(assumptions=assumptions or assumptions_get(user), born=born, today=timezone.localdate(),
                   pots=pots, incomes=incomes, state_pension_weekly=forecast.weekly_amount if forecast else None,
                   state_pension_from=spa.on if spa else None)
