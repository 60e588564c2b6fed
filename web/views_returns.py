"""The portfolio's figures pages: returns (TWR and XIRR per holding, account, wrapper, platform
and overall, with the value-over-time chart), allocation (every dimension, concentration) and net
worth (total, by family and institution, daily history). Thin: the figures come from the same
cached selectors as the API (investments.performance, investments.allocation,
integrations_core.networth), shaped by web/returns.py. A scope that is not the person's own is a
404; a bad custom range is a 400 with the form's field errors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from integrations_core.networth import net_worth_summary
from investments.allocation import allocation_for
from investments.performance import returns_table, value_history
from investments.returns.periods import STANDARD, Period

from . import returns as presenters


@login_required
@require_GET
def returns_page(request):
    form = presenters.ReturnsForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "web/returns/returns.html", {"form": form, "periods": presenters.PERIOD_LABELS},
                      status=400)
    query = form.cleaned_data if request.GET else {"period": Period.Y1.value, "currency": "GBP", "kind": "overall",
                                                   "key": "", "date_from": None, "date_to": None}
    history = value_history(request.user, kind=query["kind"], key=query["key"])
    if history is None:
        raise Http404("No such holding, account, wrapper or platform")
    local = query["currency"] == "local"
    standard = returns_table(request.user, local=local)
    period = query["period"]
    if period == Period.CUSTOM:
        shown = returns_table(request.user, period=Period.CUSTOM, date_from=query["date_from"],
                              date_to=query["date_to"], local=local)
        history = value_history(request.user, kind=query["kind"], key=query["key"], date_from=query["date_from"],
                                date_to=query["date_to"])
    else:
        shown = standard
    context = {
        "form": form if request.GET else presenters.ReturnsForm(initial=query),
        "query": query, "period_label": presenters.PERIOD_LABELS[Period(period)],
        "periods": [(p.value, presenters.PERIOD_LABELS[p]) for p in STANDARD],
        "groups": presenters.returns_groups(shown, period),
        "scope_periods": presenters.overall_by_period(standard, query["kind"], query["key"]),
        "history": history, "chart": presenters.value_chart(request.user, history),
        "local": local,
    }
    return render(request, "web/returns/returns.html", context)


@login_required
@require_GET
def allocation_page(request):
    allocation = allocation_for(request.user)
    return render(request, "web/returns/allocation.html", {
        "allocation": allocation, "dimensions": presenters.allocation_dimensions(allocation),
        "top": presenters.concentration(allocation),
        "across_platforms": [line for line in allocation.lines if len({loc.platform for loc in line.locations}) > 1],
    })


@login_required
@require_GET
def net_worth_page(request):
    chosen = request.GET.get("range", "1Y")
    if chosen not in presenters.NET_WORTH_RANGES:
        return render(request, "web/returns/net_worth.html",
                      {"problem": f"Unknown range {chosen!r}: choose one of {', '.join(presenters.NET_WORTH_RANGES)}.",
                       "ranges": presenters.NET_WORTH_RANGES, "chosen": "1Y"}, status=400)
    summary = net_worth_summary(request.user)
    chart, shown = presenters.net_worth_chart(request.user, summary, presenters.NET_WORTH_RANGES[chosen])
    return render(request, "web/returns/net_worth.html", {
        "summary": summary, "now": summary.now, "families": presenters.families(summary),
        "chart": chart, "shown": shown, "change": presenters.change_over(shown),
        "ranges": presenters.NET_WORTH_RANGES, "chosen": chosen,
        "first_day": shown[0].day if shown else None,
    })
