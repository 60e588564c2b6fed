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
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from investments.allocation import allocation_for
from investments.returns.periods import Period

from . import returns as presenters


@login_required
@require_GET
def returns_page(request):
    form = presenters.ReturnsForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "web/returns/returns.html", {"form": form}, status=400)
    query = form.cleaned_data if request.GET else {"period": Period.Y1.value, "currency": "GBP", "kind": "overall",
                                                   "key": "", "date_from": None, "date_to": None}
    parts = presenters.returns_page_parts(request.user, query)
    if parts is None:
        raise Http404("No such holding, account, wrapper or platform")
    context = {
        "form": form if request.GET else presenters.ReturnsForm(initial=query), "query": query, "shown": True,
        "history": parts.history, "chart": parts.chart,
        # Our own template's output (web/returns/_tables.html, escaped there), cached as a string.
        "tables_html": mark_safe(parts.tables_html),  # noqa: S308
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
    parts = presenters.net_worth_page_parts(request.user, presenters.NET_WORTH_RANGES[chosen])
    return render(request, "web/returns/net_worth.html", {
        "now": parts.now, "families": parts.families, "chart": parts.chart, "last": parts.last,
        "change": parts.change, "left_out": parts.left_out, "ranges": presenters.NET_WORTH_RANGES, "chosen": chosen,
        "first_day": parts.first.day if parts.first else None,
    })
