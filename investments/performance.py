"""Returns and value history of the person's investments: the queries, the series built from
them (investments/returns/) and the per-person cache (integrations_core/person_cache.py).

Scopes: each holding (a security in one account), each account, each wrapper, each platform
and everything. Values in GBP include the FX effect (every day at that day's ECB fixing); a
holding is also measured in its own currency. Only counted accounts are measured (a revoked
connection's are history). Days are the person's local days: a trade's `booked_at` read in
settings.TIME_ZONE, else its booked date."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from integrations_core.person_cache import person_cached
from integrations_core.providers.registry import UnknownProvider, registry

from .ledger import investment_accounts_counted
from .models import InvestmentTransaction, SecurityPrice, Wrapper
from .prices.registry import fx_source
from .returns.measures import Figure, annualise, invested_between, money_weighted, time_weighted
from .returns.periods import STANDARD, Period, period_bounds
from .returns.series import (
    HoldingSeries,
    Movement,
    PricePoint,
    Rates,
    Series,
    account_series,
    converted,
    holding_series,
    total,
)

BASE_CURRENCY = "GBP"
MAX_PRICE_AGE_DAYS = 7
TRANSFER_MATCH_DAYS = 7


@dataclass(frozen=True)
class Scope:
    kind: str  # overall | platform | wrapper | account | holding
    key: str
    label: str
    parent: str = ""  # an account's / holding's location, for the table


@dataclass
class Measured:
    scope: Scope
    base: Series  # in GBP
    local: Series | None = None  # a holding in its own currency


@dataclass
class PortfolioSeries:
    start: date
    days: int
    scopes: list[Measured] = field(default_factory=list)

    def find(self, kind: str, key: str) -> Measured | None:
        return next((m for m in self.scopes if m.scope.kind == kind and m.scope.key == key), None)


def local_day(moment, fallback: date) -> date:
    return timezone.localtime(moment).date() if moment is not None else fallback


def _platform_name(slug: str) -> str:
    try:
        return registry.get(slug).name
    except UnknownProvider:
        return slug.replace("_", " ").title()


def _match_transfers(rows: list[dict]) -> set:
    """Ids of transfers in/out of the same security and units between two of the person's
    accounts within TRANSFER_MATCH_DAYS: the securities moved, no money did."""
    outs = [r for r in rows if r["type"] == "transfer_out" and r["security_id"]]
    matched = set()
    for r in rows:
        if r["type"] != "transfer_in" or not r["security_id"]:
            continue
        for o in outs:
            if (o["id"] not in matched and o["security_id"] == r["security_id"] and o["account_id"] != r["account_id"]
                    and abs(o["quantity"] or 0) == abs(r["quantity"] or 0)
                    and abs((o["day"] - r["day"]).days) <= TRANSFER_MATCH_DAYS):
                matched |= {o["id"], r["id"]}
                break
    return matched


def portfolio_series(user, *, today: date | None = None) -> PortfolioSeries:
    """Every scope's daily series from the first trade to `today` (the local date): three
    queries (accounts, transactions, prices) whatever the history's length."""
    today = today or timezone.localdate()
    accounts = list(investment_accounts_counted(user).select_related("connection")
                    .only("id", "name", "currency", "wrapper", "connection__provider", "connection__institution_name"))
    rows = list(InvestmentTransaction.objects.filter(account__in=accounts, status="booked")
                .values("id", "account_id", "type", "booked_date", "booked_at", "amount", "security_id",
                        "security__name", "quantity", "price", "price_currency"))
    for r in rows:
        r["day"] = local_day(r["booked_at"], r["booked_date"])
    rows = [r for r in rows if r["day"] <= today]
    if not rows:
        return PortfolioSeries(start=today, days=1)
    start = min(r["day"] for r in rows)
    days = (today - start).days + 1
    securities = {r["security_id"] for r in rows if r["security_id"]}
    prices: dict = defaultdict(dict)
    for security_id, day, close, currency in (SecurityPrice.objects.filter(security_id__in=securities,
                                                                          date__lte=today)
                                              .order_by("security_id", "date", "recorded_at")
                                              .values_list("security_id", "date", "close", "currency")):
        prices[str(security_id)][day] = PricePoint(day, close, currency)  # the latest recorded wins
    matched = _match_transfers(rows)
    by_account: dict = defaultdict(list)
    for r in rows:
        by_account[r["account_id"]].append(r)
    rates = Rates(fx_source())
    out = PortfolioSeries(start=start, days=days)
    account_parts: list[tuple] = []
    for account in accounts:
        movements = [Movement(id=str(r["id"]), day=r["day"], type=r["type"], amount=r["amount"],
                              security=str(r["security_id"] or ""), quantity=r["quantity"], price=r["price"],
                              price_currency=r["price_currency"], matched=r["id"] in matched)
                     for r in sorted(by_account.get(account.pk, []), key=lambda r: r["day"])]
        names = {str(r["security_id"]): r["security__name"] for r in by_account.get(account.pk, [])}
        per_security: dict[str, list[Movement]] = defaultdict(list)
        for m in movements:
            if m.security:
                per_security[m.security].append(m)
        holdings: list[tuple[str, HoldingSeries]] = []
        for security, moves in sorted(per_security.items(), key=lambda kv: names[kv[0]]):
            stored = sorted(prices.get(security, {}).values(), key=lambda p: p.day)
            built = holding_series(names[security], moves, stored, start=start, days=days,
                                   account_currency=account.currency, rates=rates, max_price_age=MAX_PRICE_AGE_DAYS)
            holdings.append((security, built))
        series = account_series(movements, [h for _, h in holdings], start=start, days=days,
                                currency=account.currency)
        in_base = converted(series, BASE_CURRENCY, rates)
        platform = account.connection.provider
        out.scopes.append(Measured(Scope("account", str(account.pk), account.name,
                                         parent=f"{_platform_name(platform)} · {account.get_wrapper_display()}"),
                                   in_base))
        account_parts.append((account, in_base))
        for security, h in holdings:
            out.scopes.append(Measured(Scope("holding", f"{account.pk}:{security}", names[security],
                                             parent=account.name),
                                       converted(h.in_account, BASE_CURRENCY, rates), h.local))
    groups = [("platform", lambda a: a.connection.provider, _platform_name),
              ("wrapper", lambda a: a.wrapper, lambda w: Wrapper(w).label if w in Wrapper.values else w)]
    for kind, key_of, label_of in groups:
        for key in sorted({key_of(a) for a, _ in account_parts}):
            parts = [s for a, s in account_parts if key_of(a) == key]
            out.scopes.append(Measured(Scope(kind, key, label_of(key)), total(parts, start, days, BASE_CURRENCY)))
    out.scopes.append(Measured(Scope("overall", "", "All investments"),
                               total([s for _, s in account_parts], start, days, BASE_CURRENCY)))
    out.scopes.sort(key=lambda m: ["overall", "platform", "wrapper", "account", "holding"].index(m.scope.kind))
    return out


# --- figures ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PeriodReturn:
    period: str
    start: date  # measured from this day's close
    end: date
    currency: str
    twr: Figure
    twr_annualised: Figure
    mwr: Figure
    start_value: Decimal | None
    end_value: Decimal | None
    net_flows: Decimal


@dataclass(frozen=True)
class ScopeReturns:
    scope: Scope
    returns: list[PeriodReturn]


def _value(series: Series, day: date) -> Decimal | None:
    i = (day - series.start).days
    if i < 0:
        return Decimal(0)
    return series.values[i] if i < len(series.values) else None


def period_return(series: Series, period: str, start: date, end: date) -> PeriodReturn:
    twr = time_weighted(series, start, end)
    days = (end - start).days
    if twr.value is None:
        yearly = twr
    elif days >= 365:
        yearly = Figure(annualise(twr.value, days))
    else:
        yearly = Figure(None, "a period shorter than a year is not annualised")
    return PeriodReturn(period=period, start=start, end=end, currency=series.currency, twr=twr,
                        twr_annualised=yearly, mwr=money_weighted(series, start, end),
                        start_value=_value(series, start), end_value=_value(series, end),
                        net_flows=invested_between(series, start, end))


def returns_for(built: PortfolioSeries, *, periods=STANDARD, today: date, date_from: date | None = None,
                date_to: date | None = None, local: bool = False) -> list[ScopeReturns]:
    """Each scope's returns for `periods` (CUSTOM needs date_from/date_to). `local`: holdings
    in their own currency (the other scopes stay in GBP: their parts have no one currency)."""
    first_day = built.start
    bounds = {p: period_bounds(p, today, first_day, date_from=date_from, date_to=date_to) for p in periods}
    out = []
    for measured in built.scopes:
        series = measured.local if local and measured.local is not None else measured.base
        out.append(ScopeReturns(measured.scope, [period_return(series, str(p), *bounds[p]) for p in periods]))
    return out


def returns_table(user, *, period: str | None = None, date_from: date | None = None, date_to: date | None = None,
                  local: bool = False) -> list[ScopeReturns]:
    """The standard periods (cached per person until their next sync), or one custom range."""
    today = timezone.localdate()
    if period == Period.CUSTOM:
        return returns_for(portfolio_series_cached(user, today), periods=(Period.CUSTOM,), today=today,
                           date_from=date_from, date_to=date_to, local=local)
    return person_cached(user.pk, f"returns:{today}:{int(local)}",
                         lambda: returns_for(portfolio_series_cached(user, today), today=today, local=local))


_LAST: dict = {}


def portfolio_series_cached(user, today: date) -> PortfolioSeries:
    """The series of this process's last request for this person (too big for the shared
    cache: a custom range re-measures them, the standard periods are cached as figures)."""
    from integrations_core.person_cache import person_data_version

    key = (user.pk, person_data_version(user.pk), today)
    found = _LAST.get(user.pk)
    if found is not None and found[0] == key:
        return found[1]
    built = portfolio_series(user, today=today)
    _LAST[user.pk] = (key, built)
    if len(_LAST) > 32:
        _LAST.pop(next(iter(_LAST)))
    return built


# --- value over time --------------------------------------------------------------------------
@dataclass(frozen=True)
class HistoryPoint:
    day: date
    value: Decimal | None
    invested: Decimal


@dataclass(frozen=True)
class ValueHistory:
    scope: Scope
    currency: str
    points: list[HistoryPoint]
    gaps: list[str]  # why some days have no value (first few reasons)


def history_of(measured: Measured, *, date_from: date | None = None, date_to: date | None = None) -> ValueHistory:
    series = measured.base
    invested = series.invested()
    points, gaps = [], []
    for i, value in enumerate(series.values):
        day = series.day(i)
        if (date_from and day < date_from) or (date_to and day > date_to):
            continue
        points.append(HistoryPoint(day, None if value is None else value.quantize(Decimal("0.01")),
                                   invested[i].quantize(Decimal("0.01"))))
        if value is None and series.reasons[i] and series.reasons[i] not in gaps and len(gaps) < 5:
            gaps.append(series.reasons[i])
    return ValueHistory(measured.scope, series.currency, points, gaps)


def value_history(user, *, kind: str = "overall", key: str = "", date_from: date | None = None,
                  date_to: date | None = None) -> ValueHistory | None:
    """Value and invested capital per day of one scope; None when the person has no such scope."""
    today = timezone.localdate()

    def compute():
        built = portfolio_series_cached(user, today)
        measured = built.find(kind, key)
        if measured is None and kind == "overall":
            # A person with nothing invested yet still has an "everything" scope: empty, not 404.
            return ValueHistory(Scope("overall", "", "All investments"), "GBP", [], [])
        return False if measured is None else history_of(measured)

    found = person_cached(user.pk, f"history:{today}:{kind}:{key}", compute)
    if found is False:
        return None
    if date_from or date_to:
        points = [p for p in found.points if (not date_from or p.day >= date_from) and (not date_to or p.day <= date_to)]
        return ValueHistory(found.scope, found.currency, points, found.gaps)
    return found
