"""What the returns, allocation and net-worth pages show, shaped for their templates: the range
form, the returns table grouped by scope, and the charts (web/charts.py geometry). The figures
come from investments.performance, investments.allocation and integrations_core.networth, the
same code as the API; the chart geometry is cached per person beside them, so a page after the
first view is one cache read per part."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.template.loader import render_to_string
from django.utils import timezone

from integrations_core.networth import NetWorthSummary
from integrations_core.person_cache import person_cached
from investments.allocation import DIMENSIONS, Allocation
from investments.performance import (
    HistoryPoint,
    Scope,
    ScopeReturns,
    ValueHistory,
    returns_table,
    value_history,
)
from investments.returns.periods import STANDARD, Period

from . import charts

PERIOD_LABELS = {Period.M1: "1 month", Period.M3: "3 months", Period.YTD: "Year to date", Period.Y1: "1 year",
                 Period.Y3: "3 years", Period.Y5: "5 years", Period.ALL: "Since start", Period.CUSTOM: "Custom range"}
KIND_LABELS = {"overall": "Everything", "platform": "By platform", "wrapper": "By wrapper", "account": "By account",
               "holding": "By holding"}
NET_WORTH_RANGES = {"1M": 31, "1Y": 366, "5Y": 5 * 366}
FAMILY_LABELS = {"banking": "Bank accounts", "investments": "Investments", "pensions": "Pensions",
                 "manual": "Manual accounts"}


class DateInput(forms.DateInput):
    input_type = "date"


class ReturnsForm(forms.Form):
    """The returns page's query: a period (or a custom range), the currency of holdings, and the
    scope the chart draws."""

    period = forms.ChoiceField(choices=[(p.value, PERIOD_LABELS[p]) for p in (*STANDARD, Period.CUSTOM)],
                               required=False, initial=Period.Y1.value)
    date_from = forms.DateField(required=False, label="From", widget=DateInput)
    date_to = forms.DateField(required=False, label="To", widget=DateInput)
    currency = forms.ChoiceField(choices=[("GBP", "GBP"), ("local", "Own currency")],
                                 required=False, initial="GBP", label="Holdings in",
                                 help_text="GBP includes the currency effect.")
    kind = forms.ChoiceField(choices=[(k, k) for k in KIND_LABELS], required=False, widget=forms.HiddenInput)
    key = forms.CharField(required=False, max_length=80, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        data["period"] = data.get("period") or Period.Y1.value
        data["currency"] = data.get("currency") or "GBP"
        data["kind"] = data.get("kind") or "overall"
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if data["period"] == Period.CUSTOM:
            if not date_from and "date_from" not in self.errors:
                self.add_error("date_from", "Give the first day of the range.")
            if not date_to and "date_to" not in self.errors:
                self.add_error("date_to", "Give the last day of the range.")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The last day must be on or after the first day.")
        if date_to and date_to > timezone.localdate():
            self.add_error("date_to", "The range cannot end after today.")
        return data


@dataclass(frozen=True)
class ReturnsGroup:
    kind: str
    label: str
    rows: list  # (ScopeReturns, PeriodReturn)


def returns_groups(table: list[ScopeReturns], period: str) -> list[ReturnsGroup]:
    """The table for one period, a group per kind of scope in the order they are read."""
    groups: dict[str, list] = {k: [] for k in KIND_LABELS}
    for scope in table:
        found = next((r for r in scope.returns if r.period == period), None)
        if found is not None:
            groups[scope.scope.kind].append((scope, found))
    return [ReturnsGroup(kind, KIND_LABELS[kind], rows) for kind, rows in groups.items() if rows]


def overall_by_period(table: list[ScopeReturns], kind: str, key: str) -> ScopeReturns | None:
    return next((s for s in table if s.scope.kind == kind and s.scope.key == key), None)


def value_chart(user, history: ValueHistory) -> charts.LineChart:
    """Value and invested capital of one scope, cached beside the history it draws."""
    def compute():
        days = [p.day for p in history.points]
        return charts.line_chart(days, [("Value", "series--value", [p.value for p in history.points]),
                                        ("Invested", "series--invested", [p.invested for p in history.points])],
                                 currency=history.currency)

    if not history.points:
        return charts.LineChart()
    first, last = history.points[0].day, history.points[-1].day
    return person_cached(user.pk, f"chart:value:{history.scope.kind}:{history.scope.key}:{first}:{last}", compute)


@dataclass(frozen=True)
class HistoryHead:
    """What the page reads of a scope's value history besides its chart."""

    scope: Scope
    currency: str
    gaps: list[str]
    first: HistoryPoint | None
    last: HistoryPoint | None


@dataclass(frozen=True)
class ReturnsPage:
    history: HistoryHead
    chart: charts.LineChart
    tables_html: str  # the tables rendered: hundreds of rows are most of a cached view's time


def returns_page_parts(user, query: dict) -> ReturnsPage | None:
    """Everything the returns page shows for `query` (the form's cleaned data), cached per person
    and query until their data changes: a page after the first view is one cache read of what it
    shows (one period's rows, not the whole table; the history's ends, not every day). None when
    the chosen scope is not the person's."""
    today = timezone.localdate()
    key = ":".join(str(query.get(k) or "") for k in ("period", "currency", "kind", "key", "date_from", "date_to"))

    def compute():
        history = value_history(user, kind=query["kind"], key=query["key"])
        if history is None:
            return False
        local = query["currency"] == "local"
        standard = returns_table(user, local=local)
        shown = standard
        if query["period"] == Period.CUSTOM:
            shown = returns_table(user, period=Period.CUSTOM, date_from=query["date_from"], date_to=query["date_to"],
                                  local=local)
            history = value_history(user, kind=query["kind"], key=query["key"], date_from=query["date_from"],
                                    date_to=query["date_to"])
        head = HistoryHead(history.scope, history.currency, history.gaps,
                           history.points[0] if history.points else None,
                           history.points[-1] if history.points else None)
        groups = returns_groups(shown, query["period"])
        scope_periods = overall_by_period(standard, query["kind"], query["key"])
        tables = render_to_string("web/returns/_tables.html", {
            "groups": groups, "scope_periods": scope_periods, "query": query, "local": local,
            "period_label": PERIOD_LABELS[Period(query["period"])],
            "periods": [(p.value, PERIOD_LABELS[p]) for p in STANDARD]})
        return ReturnsPage(head, value_chart(user, history), tables)

    found = person_cached(user.pk, f"page:returns:{today}:{key}", compute)
    return None if found is False else found


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    slices: list
    donut: list


def allocation_dimensions(allocation: Allocation) -> list[Dimension]:
    out = []
    for key, label in DIMENSIONS.items():
        slices = [(s, charts.bar_width(s.percent)) for s in allocation.by.get(key, [])]
        ring = charts.donut([(s.label, s.percent) for s in allocation.by.get(key, [])])
        colours = {r.label: r.colour for r in ring}
        out.append(Dimension(key, label, [(s, width, colours.get(s.label, "#9ca3af")) for s, width in slices], ring))
    return out


def concentration(allocation: Allocation, top: int = 10) -> list:
    """The largest lines, each with its bar and every account it sits in."""
    return [(line, charts.bar_width(line.percent)) for line in allocation.lines[:top]]


def net_worth_chart(user, summary: NetWorthSummary, days: int) -> tuple[charts.LineChart, list]:
    """The total over the last `days` days and what each family contributes now."""
    shown = summary.history.days[-days:]

    def compute():
        return charts.line_chart([d.day for d in shown], [("Net worth", "series--value", [d.total for d in shown])],
                                 currency=summary.history.currency)

    if not shown:
        return charts.LineChart(), []
    chart = person_cached(user.pk, f"chart:networth:{shown[0].day}:{shown[-1].day}", compute)
    return chart, shown


@dataclass(frozen=True)
class NetWorthPage:
    now: object  # integrations_core.networth.NetWorth
    families: list
    chart: charts.LineChart
    first: object | None  # NetWorthDay
    last: object | None
    change: object | None
    left_out: list[str]


def net_worth_page_parts(user, days: int) -> NetWorthPage:
    """What the net-worth page shows over the last `days` days, cached per person (the history's
    ends and the chart, not every day)."""
    from integrations_core.networth import net_worth_summary

    def compute():
        summary = net_worth_summary(user)
        chart, shown = net_worth_chart(user, summary, days)
        return NetWorthPage(summary.now, families(summary), chart, shown[0] if shown else None,
                            shown[-1] if shown else None, change_over(shown), summary.history.left_out)

    return person_cached(user.pk, f"page:networth:{timezone.localdate()}:{days}", compute)


def families(summary: NetWorthSummary) -> list[tuple[str, object]]:
    return [(FAMILY_LABELS.get(name, name.title()), value) for name, value in summary.now.by_family.items()]


def change_over(shown: list) -> object | None:
    """How much the total moved over the days shown (None when there is nothing to compare)."""
    if len(shown) < 2:
        return None
    return shown[-1].total - shown[0].total


