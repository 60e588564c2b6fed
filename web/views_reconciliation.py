"""The reconciliation page (matched, suggested with a confirm button, unmatched on each side)
and the business dashboard (income by source, fees, refunds and disputes, outstanding invoices).
Thin: the figures come from reconciliation's selectors and services, the same as the API's.
Another person's match is a 404; an action the match's state refuses is shown as a message."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from reconciliation import selectors
from reconciliation.services import actions
from reconciliation.services.dashboard import business_summary
from reconciliation.services.engine import reconciliation_run
from reconciliation.services.items import ItemSourceFailed

from .business import COLOURS, income_charts

ACTIONS = {"confirm": actions.match_confirm, "reject": actions.match_reject, "unmatch": actions.match_unmatch}
DONE = {"confirm": "Match confirmed and locked.", "reject": "Suggestion rejected; it will not be suggested again.",
        "unmatch": "Match undone; its items are unmatched again."}
SHOWN = 100  # unmatched items per side on the page (the API lists them all)


@login_required
@require_GET
def reconciliation_page(request):
    try:
        overview = selectors.reconciliation_overview(request.user)
    except ItemSourceFailed:
        return render(request, "web/reconciliation/reconciliation.html", {"unavailable": True}, status=503)
    return render(request, "web/reconciliation/reconciliation.html", {
        "overview": overview, "counts": overview.counts, "shown": SHOWN,
        "unmatched_sides": [
            ("Unmatched payouts, invoice and bill payments", overview.unmatched_left[:SHOWN],
             len(overview.unmatched_left), "left"),
            ("Unmatched bank lines and charges", overview.unmatched_right[:SHOWN], len(overview.unmatched_right),
             "right")],
        "suggested_buttons": [("confirm", "Confirm"), ("reject", "Reject")],
        "locked_buttons": [("unmatch", "Unmatch")],
    })


@login_required
@require_POST
def reconciliation_match_action(request, pk, verb):
    match = selectors.match_get(request.user, pk)  # 404 for anyone else's
    fn = ACTIONS.get(verb)
    if fn is None:
        return redirect("web:reconciliation")
    try:
        fn(request.user, match)
    except actions.ActionRefused as exc:
        messages.error(request, exc.message)
    except ItemSourceFailed:
        messages.error(request, "Some of your data could not be read just now; try again.")
    else:
        messages.success(request, DONE[verb])
    return redirect("web:reconciliation")


@login_required
@require_POST
def reconciliation_run_now(request):
    try:
        run = reconciliation_run(request.user, trigger="manual")
    except ItemSourceFailed:
        messages.error(request, "Some of your data could not be read just now; try again.")
    else:
        messages.success(request, f"Checked {run.items} items: {run.matched} matched automatically, {run.locked} confirmed, "
                                  f"{run.suggested} suggestions.")
    return redirect("web:reconciliation")


@login_required
@require_GET
def business_dashboard(request):
    today = timezone.localdate()
    summary = business_summary(request.user, since=today - timedelta(days=365), until=today, today=today)
    overview_counts = None
    try:
        overview_counts = selectors.reconciliation_overview(request.user).counts
    except ItemSourceFailed:
        pass
    return render(request, "web/reconciliation/business.html", {
        "summary": summary, "charts": income_charts(summary), "colours": COLOURS, "recon": overview_counts,
    })
